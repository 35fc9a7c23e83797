/**
 * The web console in a real browser: headless Chromium (one launch for the file) opens each page of
 * /_rekognition/console against a served emulator with a control token. It runs DetectFaces
 * through the page and checks that the drawn boxes are the API's boxes, runs one on an S3 object,
 * lists a collection with its face thumbnails, shows a finished segment-detection job on a
 * timeline with a frame of its video, shows a request in the log, adds a pin and a fault from the
 * controls, and writes a screenshot of each page (the path is printed). A fake models client shows
 * one face on the photo (this tests the console, not the models). Skipped when chromium is not
 * installed, except in CI (.ci/run installs Debian's package).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type RunningServer } from '../../server/http';
import { Chromium, chromiumPath } from '../support/chromium';
import { TEST_CALLER, testEmulator, type TestEmulator } from '../support/emulator';
import { FakeFaceModels, syntheticFace } from '../faces/fake-models';
import { rng, unitVector } from '../faces/synthetic';
import { synthVideo } from '../video/synth';

const skip = !chromiumPath && !process.env.CI;
if (skip) console.warn('console browser test skipped: no chromium on PATH (apt-get install chromium; in CI .ci/run installs it)');

const TOKEN = 'console-test-token';
const photoPath = fileURLToPath(new URL('../../fixtures/images/astronaut.png', import.meta.url));
const photo = readFileSync(photoPath);
const FACE_BOX = { Width: 0.22, Height: 0.3, Left: 0.41, Top: 0.12 };
const shots = join(tmpdir(), 'rekognition-local-console-screenshots');

interface Drawn {
  width: number;
  height: number;
  rects: { x: number; y: number; width: number; height: number }[];
}

describe.skipIf(skip)('the web console in headless Chromium', () => {
  const s3Dir = mkdtempSync(join(tmpdir(), 'console-s3-'));
  const models = new FakeFaceModels();
  let t: TestEmulator;
  let server: RunningServer;
  let browser: Chromium;
  let base: string;

  beforeAll(async () => {
    if (!chromiumPath) throw new Error("chromium is not on PATH: CI must install it (.ci/run installs Debian's chromium package)");
    mkdirSync(join(s3Dir, 'videos'), { recursive: true });
    mkdirSync(join(s3Dir, 'photos'), { recursive: true });
    copyFileSync(photoPath, join(s3Dir, 'photos', 'astronaut.png'));
    await synthVideo(join(s3Dir, 'videos', 'cuts.mp4'), [
      { kind: 'testsrc2', frames: 15 },
      { kind: 'black', frames: 10 },
      { kind: 'mandelbrot', frames: 15 },
    ]);
    await models.show(photo, [syntheticFace(unitVector(rng(3)), FACE_BOX)]);
    t = testEmulator({ s3Dir, controlToken: TOKEN }, { inference: models.pool });
    server = await serve(t.emulator, { port: 0 });
    base = `${server.endpoint}/_rekognition/console/`;
    browser = await Chromium.launch(chromiumPath);
    mkdirSync(shots, { recursive: true });
    console.log(`console screenshots: ${shots}`);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  /** Opens a page of the console and waits until it has loaded its data. */
  async function open(page: string) {
    await browser.navigate(`${base}?token=${TOKEN}#${page}`);
    await browser.waitFor(`document.querySelector('main')?.dataset.page === '${page}' && document.querySelector('main').dataset.ready === 'true'`);
  }

  /** The overlay's size and its face rectangles, as the page drew them. */
  const drawnFaces = () =>
    browser.evaluate<Drawn>(`(() => {
      const svg = document.querySelector('.overlay');
      return { width: Number(svg.dataset.width), height: Number(svg.dataset.height),
        rects: [...svg.querySelectorAll('rect.face')].map((r) => ({ x: +r.getAttribute('x'), y: +r.getAttribute('y'), width: +r.getAttribute('width'), height: +r.getAttribute('height') })) };
    })()`);

  it('runs DetectFaces through the page and draws the boxes the API answered', async () => {
    await open('try');
    // The token leaves the address bar once the page has kept it.
    expect(await browser.evaluate<string>('location.search')).toBe('');
    await browser.evaluate(`document.getElementById('operation').value = 'DetectFaces'`);
    await browser.setFiles('#image-file', [photoPath]);
    await browser.evaluate(`document.getElementById('run').click()`);
    await browser.waitFor(`document.getElementById('response-json')`);

    const drawn = await drawnFaces();
    const shown = JSON.parse(await browser.evaluate<string>(`document.getElementById('response-json').textContent`)) as { FaceDetails: { BoundingBox: typeof FACE_BOX }[] };
    const api = await t.call('DetectFaces', { Image: { Bytes: photo.toString('base64') }, Attributes: ['ALL'] });

    expect(shown.FaceDetails.map((f) => f.BoundingBox)).toEqual(api.FaceDetails.map((f: { BoundingBox: unknown }) => f.BoundingBox));
    expect(drawn.rects).toHaveLength(api.FaceDetails.length);
    expect(drawn.rects.length).toBeGreaterThan(0);
    drawn.rects.forEach((rect, i) => {
      const box = api.FaceDetails[i].BoundingBox;
      expect(rect.x / drawn.width).toBeCloseTo(box.Left, 6);
      expect(rect.y / drawn.height).toBeCloseTo(box.Top, 6);
      expect(rect.width / drawn.width).toBeCloseTo(box.Width, 6);
      expect(rect.height / drawn.height).toBeCloseTo(box.Height, 6);
    });
    // The photo's own size, as the API measures it.
    expect([drawn.width, drawn.height]).toEqual([512, 512]);
    const cli = await browser.evaluate<string>(`document.getElementById('cli-snippet').textContent`);
    expect(cli).toContain('aws rekognition detect-faces');
    expect(cli).toContain('--image-bytes fileb://photo.jpg');
    expect(await browser.evaluate<string>(`document.getElementById('boto3-snippet').textContent`)).toContain("client.detect_faces(");
    await browser.screenshot(join(shots, 'try-an-image.png'));
  });

  it('runs an operation on an S3 object the emulator reads, drawing on a blank frame (the console reads no S3 object itself)', async () => {
    await open('try');
    await browser.evaluate(`(() => {
      document.getElementById('operation').value = 'DetectFaces';
      document.getElementById('s3-bucket').value = 'photos';
      document.getElementById('s3-key').value = 'astronaut.png';
      document.getElementById('run').click();
    })()`);
    await browser.waitFor(`document.getElementById('response-json')`);
    const drawn = await drawnFaces();
    expect(await browser.evaluate<boolean>(`Boolean(document.querySelector('.stage .blank')) && !document.querySelector('.stage img')`)).toBe(true);
    expect(drawn.rects).toHaveLength(1);
    expect(drawn.rects[0].x / drawn.width).toBeCloseTo(FACE_BOX.Left, 4);
    expect(drawn.rects[0].width / drawn.width).toBeCloseTo(FACE_BOX.Width, 4);
    expect(await browser.evaluate<string>(`document.getElementById('cli-snippet').textContent`)).toContain(`--image '{"S3Object":{"Bucket":"photos","Name":"astronaut.png"}}'`);

    // An object that is not there: the page shows the API's error as the SDK would name it.
    await browser.evaluate(`(() => {
      document.getElementById('s3-key').value = 'missing.png';
      document.getElementById('run').click();
    })()`);
    const error = await browser.waitFor<string>(`document.getElementById('call-error')?.textContent`);
    const api = await t.call('DetectFaces', { Image: { S3Object: { Bucket: 'photos', Name: 'missing.png' } } }).catch((err: Error) => err);
    expect(error).toContain(`${(api as Error).name}: ${(api as Error).message}`);
  });

  it('lists a collection with its face thumbnails, and a finished video job on a timeline', async () => {
    await t.call('CreateCollection', { CollectionId: 'team' });
    const indexed = await t.call('IndexFaces', { CollectionId: 'team', Image: { Bytes: photo.toString('base64') }, ExternalImageId: 'astronaut' });
    const faceId = indexed.FaceRecords[0].Face.FaceId as string;
    const { JobId } = await t.call('StartSegmentDetection', { Video: { S3Object: { Bucket: 'videos', Name: 'cuts.mp4' } }, SegmentTypes: ['SHOT', 'TECHNICAL_CUE'] });
    await t.emulator.idle();
    const segments = await t.call('GetSegmentDetection', { JobId });
    expect(segments.JobStatus).toBe('SUCCEEDED');

    await open('state');
    // The test's calls are in another account than the emulator's default: pick it in the header.
    await browser.evaluate(`(() => {
      const account = document.getElementById('account');
      account.value = '${TEST_CALLER.account}';
      account.dispatchEvent(new Event('change'));
    })()`);
    await browser.waitFor(`document.querySelector('[data-collection="team"]')`);
    await browser.evaluate(`document.querySelector('[data-collection="team"]').click()`);
    const thumbnail = await browser.waitFor<{ id: string; width: number }>(
      `(() => { const f = document.querySelector('#faces-grid .face'); const img = f?.querySelector('img'); return img?.complete && img.naturalWidth > 0 && { id: f.dataset.faceId, width: img.naturalWidth }; })()`,
    );
    expect(thumbnail.id).toBe(faceId);
    expect(thumbnail.width).toBeGreaterThan(0);
    expect(thumbnail.width).toBeLessThanOrEqual(64);
    await browser.screenshot(join(shots, 'state-collection.png'));

    // The finished job counts every frame its scan decoded.
    expect(await browser.evaluate<string>(`document.querySelector('[data-job="${JobId}"] .progress').textContent`)).toMatch(/^100% \((\d+)\/\1 frames\)$/);
    await browser.evaluate(`document.querySelector('[data-job="${JobId}"]').click()`);
    await browser.waitFor(`document.querySelector('#timeline .mark')`);
    const marks = await browser.evaluate<{ start: number; end: number }[]>(`[...document.querySelectorAll('#timeline .mark')].map((m) => ({ start: +m.dataset.start, end: +m.dataset.end }))`);
    const expected = (segments.Segments as { StartTimestampMillis: number; EndTimestampMillis: number }[]).map((s) => ({ start: s.StartTimestampMillis, end: s.EndTimestampMillis }));
    expect(expected.length).toBeGreaterThan(1);
    expect(marks.sort((a, b) => a.start - b.start || a.end - b.end)).toEqual(expected.sort((a, b) => a.start - b.start || a.end - b.end));
    // A frame of the video to look at: the first one at first, another after a click on the timeline.
    const first = await browser.waitFor<{ ms: number; width: number }>(`(() => { const img = document.getElementById('video-frame'); return img?.complete && img.naturalWidth > 0 && { ms: +img.dataset.ms, width: img.naturalWidth }; })()`);
    expect(first).toEqual({ ms: 0, width: 320 });
    await browser.evaluate(`(() => {
      const chart = document.getElementById('timeline');
      const box = chart.getBoundingClientRect();
      chart.dispatchEvent(new MouseEvent('click', { clientX: box.right - 20, clientY: box.top + box.height / 2, bubbles: true }));
    })()`);
    const later = await browser.waitFor<number>(`(() => { const img = document.getElementById('video-frame'); return img?.complete && +img.dataset.ms > 1000 && +img.dataset.ms; })()`);
    expect(later).toBeLessThanOrEqual(1600);
    await browser.screenshot(join(shots, 'state-video-timeline.png'));
  });

  it("shows the page's DetectFaces call (in the default account) in the requests log, image bytes elided", async () => {
    await open('requests');
    const seq = await browser.waitFor<string>(
      // The oldest such call: the one with image bytes (the S3 one came later).
      `[...document.querySelectorAll('#requests-rows tr')].reverse().find((r) => r.children[1].textContent === 'DetectFaces' && r.children[2].textContent === '000000000000' && r.children[4].textContent === '200')?.dataset.seq`,
    );
    await browser.evaluate(`document.querySelector('#requests-rows tr[data-seq="${seq}"]').click()`);
    const bodies = await browser.waitFor<string>(`document.querySelector('#request-detail')?.textContent.includes('FaceDetails') && document.querySelector('#request-detail').textContent`);
    expect(bodies).toMatch(/<image bytes: \d+ characters elided>/);
    expect(bodies).not.toContain(photo.toString('base64').slice(0, 64));
    await browser.screenshot(join(shots, 'requests.png'));
  });

  it('pins a response and adds a fault from the test controls', async () => {
    await open('controls');
    await browser.evaluate(`document.getElementById('pin-operation').value = 'DetectFaces'`);
    await browser.setFiles('#pin-file', [photoPath]);
    const sha256 = createHash('sha256').update(photo).digest('hex');
    await browser.waitFor(`document.getElementById('pin-sha256').value === '${sha256}'`);
    await browser.evaluate(`(() => {
      document.getElementById('pin-response').value = '{"FaceDetails": []}';
      document.getElementById('add-pin').click();
    })()`);
    await browser.waitFor(`document.querySelector('#pins')?.textContent.includes('DetectFaces')`);
    expect(t.emulator.control.pins.list()).toEqual([expect.objectContaining({ operation: 'DetectFaces', sha256 })]);
    expect((await t.call('DetectFaces', { Image: { Bytes: photo.toString('base64') } })).FaceDetails).toEqual([]);

    await browser.evaluate(`(() => {
      document.getElementById('fault-operation').value = 'DetectText';
      document.getElementById('fault-error').value = 'ThrottlingException';
      document.getElementById('fault-count').value = '2';
      document.getElementById('add-fault').click();
    })()`);
    await browser.waitFor(`document.querySelector('#faults')?.textContent.includes('DetectText')`);
    expect(t.emulator.control.faults.list()).toEqual([expect.objectContaining({ operation: 'DetectText', error: 'ThrottlingException', count: 2 })]);
    await browser.screenshot(join(shots, 'test-controls.png'));
    t.emulator.control.faults.clear();
    t.emulator.control.pins.delete();
  });
});
