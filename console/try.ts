/** "Try an image": pick or drop a photo, run an operation through the API, see the answer drawn on it. */
import { call, get } from './api';
import { h, json, show, svg } from './dom';
import { listedFor, shapesFor, type Shape } from './overlay';
import { awsCli, boto3 } from './snippets';

export const OPERATIONS: Record<string, { needs?: 'target' | 'collection'; input: (image: Record<string, unknown>, extra: { target?: Record<string, unknown>; collection?: string }) => Record<string, unknown> }> = {
  DetectFaces: { input: (Image) => ({ Image, Attributes: ['ALL'] }) },
  DetectLabels: { input: (Image) => ({ Image, Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'] }) },
  DetectText: { input: (Image) => ({ Image }) },
  DetectModerationLabels: { input: (Image) => ({ Image }) },
  DetectProtectiveEquipment: {
    input: (Image) => ({ Image, SummarizationAttributes: { MinConfidence: 80, RequiredEquipmentTypes: ['FACE_COVER', 'HAND_COVER', 'HEAD_COVER'] } }),
  },
  RecognizeCelebrities: { input: (Image) => ({ Image }) },
  CompareFaces: { needs: 'target', input: (SourceImage, { target }) => ({ SourceImage, TargetImage: target }) },
  SearchFacesByImage: { needs: 'collection', input: (Image, { collection }) => ({ CollectionId: collection, Image }) },
  IndexFaces: { needs: 'collection', input: (Image, { collection }) => ({ CollectionId: collection, Image, DetectionAttributes: ['DEFAULT'] }) },
};

function base64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

/**
 * The image with its shapes drawn in an SVG of the image's own pixel size. An S3 image is not read
 * by the console (it reaches nothing the API does not return), so its shapes go on a blank frame.
 */
async function figure(file: File | undefined, shapes: Shape[], title: string): Promise<HTMLElement> {
  let picture: HTMLElement;
  let [W, H] = [640, 480];
  if (file) {
    const img = h('img', { src: URL.createObjectURL(file), alt: title });
    await img.decode().catch(() => undefined);
    [W, H] = [img.naturalWidth || 1, img.naturalHeight || 1];
    picture = img;
  } else {
    picture = h('div', { class: 'blank' }, 'the console does not read S3 objects: the answer is drawn on a blank 4:3 frame');
  }
  const overlay = svg('svg', { class: 'overlay', viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', 'data-width': W, 'data-height': H });
  const stroke = Math.max(2, Math.round(Math.max(W, H) / 300));
  const font = Math.max(12, Math.round(Math.max(W, H) / 50));
  for (const s of shapes) {
    let anchor: [number, number] | undefined;
    if (s.kind === 'box') {
      const [x, y, w, hh] = [s.box.Left * W, s.box.Top * H, s.box.Width * W, s.box.Height * H];
      overlay.appendChild(svg('rect', { class: `shape ${s.kindClass}`, x, y, width: w, height: hh, 'stroke-width': stroke }));
      anchor = [x, y];
    } else if (s.kind === 'polygon') {
      const points = s.points.map((p) => `${p.X * W},${p.Y * H}`).join(' ');
      overlay.appendChild(svg('polygon', { class: `shape ${s.kindClass}`, points, 'stroke-width': s.kindClass === 'word' ? stroke / 2 : stroke }));
      if (s.points[0]) anchor = [s.points[0].X * W, s.points[0].Y * H];
    } else {
      overlay.appendChild(svg('circle', { class: `shape ${s.kindClass}`, cx: s.X * W, cy: s.Y * H, r: stroke * 1.5 }, svg('title', {}, s.caption ?? '')));
    }
    if (anchor && s.caption) overlay.appendChild(svg('text', { class: `caption ${s.kindClass}`, x: anchor[0] + stroke, y: Math.max(font, anchor[1] - stroke), 'font-size': font }, s.caption));
  }
  return h('figure', {}, h('div', { class: 'stage' }, picture, overlay), h('figcaption', {}, title));
}

export function tryPage(root: HTMLElement): void {
  const operation = h('select', { id: 'operation' }, Object.keys(OPERATIONS).map((name) => h('option', { value: name }, name)));
  const imageInput = h('input', { type: 'file', id: 'image-file', accept: 'image/jpeg,image/png' });
  const targetInput = h('input', { type: 'file', id: 'target-file', accept: 'image/jpeg,image/png' });
  const collection = h('input', { id: 'collection', list: 'collection-ids', placeholder: 'collection id' });
  const collectionIds = h('datalist', { id: 'collection-ids' });
  const targetRow = h('label', { class: 'field' }, 'Target photo ', targetInput);
  const collectionRow = h('label', { class: 'field' }, 'Collection ', collection, collectionIds);
  const run = h('button', { id: 'run', type: 'button' }, 'Run');
  const status = h('span', { id: 'run-status', class: 'muted' });
  const result = h('div', { id: 'result' });
  const s3Bucket = h('input', { id: 's3-bucket', placeholder: 'bucket', size: 14 });
  const s3Key = h('input', { id: 's3-key', placeholder: 'key', size: 24 });
  const drop = h('div', { class: 'drop', id: 'drop' }, 'Drop a JPEG or PNG here, or pick one: ', imageInput);
  const s3Row = h('label', { class: 'field' }, 'or an S3 object the emulator reads: ', s3Bucket, ' ', s3Key);

  const refreshFields = () => {
    const needs = OPERATIONS[operation.value].needs;
    targetRow.hidden = needs !== 'target';
    collectionRow.hidden = needs !== 'collection';
    if (needs === 'collection') {
      void get<{ collections: { CollectionId: string }[] }>('state/collections').then(({ collections }) =>
        show(collectionIds, collections.map((c) => h('option', { value: c.CollectionId }))),
      );
    }
  };
  operation.addEventListener('change', refreshFields);
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer?.files.length) imageInput.files = e.dataTransfer.files;
  });

  run.addEventListener('click', async () => {
    const file = imageInput.files?.[0];
    const op = OPERATIONS[operation.value];
    const target = targetInput.files?.[0];
    const s3 = s3Bucket.value.trim() && s3Key.value.trim() ? { S3Object: { Bucket: s3Bucket.value.trim(), Name: s3Key.value.trim() } } : undefined;
    if (!file && !s3) return void (status.textContent = 'pick a photo (or name an S3 object) first');
    if (op.needs === 'target' && !target) return void (status.textContent = 'pick the target photo too');
    run.disabled = true;
    status.textContent = 'running…';
    try {
      const input = op.input(file ? { Bytes: await base64(file) } : s3!, { target: target && { Bytes: await base64(target) }, collection: collection.value });
      const answer = await call(operation.value, input);
      status.textContent = `${answer.status === 200 ? 'done' : 'failed'} in ${Math.round(answer.ms)} ms · request id ${answer.requestId ?? '?'}`;
      const endpoint = location.origin;
      const region = (document.getElementById('region') as HTMLInputElement | null)?.value || 'us-east-1';
      const shapes = answer.status === 200 ? shapesFor(operation.value, answer.body) : [];
      const figures = [await figure(file, shapes.filter((s) => s.image === 0), operation.value === 'CompareFaces' ? 'source' : file ? file.name : `s3://${s3!.S3Object.Bucket}/${s3!.S3Object.Name}`)];
      if (target && op.needs === 'target') figures.push(await figure(target, shapes.filter((s) => s.image === 1), 'target'));
      const listed = answer.status === 200 ? listedFor(operation.value, answer.body) : [];
      show(
        result,
        answer.status === 200 ? null : h('p', { class: 'error', id: 'call-error' }, `${answer.body.__type ?? 'error'}: ${answer.body.Message ?? answer.body.message ?? ''}`),
        h('div', { class: 'figures', 'data-operation': operation.value }, figures),
        listed.length ? h('ul', { class: 'listed' }, listed.map((line) => h('li', {}, line))) : null,
        h('div', { class: 'columns' },
          h('section', {}, h('h3', {}, 'Response'), h('pre', { class: 'json', id: 'response-json' }, JSON.stringify(answer.body, null, 2))),
          h('section', {},
            h('h3', {}, 'AWS CLI'), h('pre', { class: 'code', id: 'cli-snippet' }, awsCli(operation.value, input, endpoint, region)),
            h('h3', {}, 'boto3'), h('pre', { class: 'code', id: 'boto3-snippet' }, boto3(operation.value, input, endpoint, region)),
          ),
        ),
      );
    } catch (err) {
      status.textContent = `failed: ${(err as Error).message}`;
      show(result, json({ error: String(err) }));
    } finally {
      run.disabled = false;
    }
  });

  show(
    root,
    h('h2', {}, 'Try an image'),
    h('div', { class: 'form' }, h('label', { class: 'field' }, 'Operation ', operation), drop, s3Row, targetRow, collectionRow, h('div', {}, run, ' ', status)),
    result,
  );
  refreshFields();
}
