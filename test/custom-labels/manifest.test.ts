/** Ground Truth manifest parsing, the UpdateDatasetEntries merge, label statistics and the 80/20 split. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelStats, mergeEntry, parseManifest, parseManifestLine, parseS3Uri, splitForTest, useCaseOf } from '../../src/analysis/custom-labels';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'custom-labels');

const classification = (ref: string, name: string, id = 0) =>
  JSON.stringify({
    'source-ref': ref,
    animal: id,
    'animal-metadata': { confidence: 0.9, 'class-name': name, 'human-annotated': 'yes', 'creation-date': '2024-01-01T00:00:00', type: 'groundtruth/image-classification', 'job-name': 'labeling-job/animals' },
  });

const detection = {
  'source-ref': 's3://bucket/images/IMG_1186.png',
  'bounding-box': {
    image_size: [{ width: 640, height: 480, depth: 3 }],
    annotations: [
      { class_id: 1, top: 251, left: 399, width: 155, height: 101 },
      { class_id: 0, top: 65, left: 86, width: 220, height: 334 },
    ],
  },
  'bounding-box-metadata': {
    objects: [{ confidence: 1 }, { confidence: 1 }],
    'class-map': { '0': 'Echo', '1': 'Echo Dot' },
    type: 'groundtruth/object-detection',
    'human-annotated': 'yes',
    'creation-date': '2013-11-18T02:53:27',
    'job-name': 'my job',
  },
};

describe('parseS3Uri', () => {
  it('splits s3://bucket/key and refuses anything else', () => {
    expect(parseS3Uri('s3://my-bucket/a/b c.jpg')).toEqual({ bucket: 'my-bucket', key: 'a/b c.jpg' });
    expect(parseS3Uri('https://my-bucket/a.jpg')).toBeUndefined();
    expect(parseS3Uri('s3://bucket-only')).toBeUndefined();
    expect(parseS3Uri(42)).toBeUndefined();
  });
});

describe('parseManifestLine', () => {
  it('reads an image-classification attribute', () => {
    const { entry } = parseManifestLine(classification('s3://b/cat.jpg', 'cat'));
    expect(entry?.sourceRef).toBe('s3://b/cat.jpg');
    expect(entry?.labels).toEqual(['cat']);
    expect(entry?.boxes).toEqual([]);
    expect(entry?.errors).toEqual([]);
  });

  it('reads several classification attributes and a multi-label one', () => {
    const line = {
      'source-ref': 's3://b/x.jpg',
      colour: 1,
      'colour-metadata': { 'class-name': 'red', type: 'groundtruth/image-classification' },
      tags: [0, 2],
      'tags-metadata': { 'class-map': { '0': 'indoor', '1': 'outdoor', '2': 'night' }, type: 'groundtruth/image-classification-multilabel' },
      note: 'not a label attribute',
    };
    const { entry } = parseManifestLine(JSON.stringify(line));
    expect(entry?.labels).toEqual(['red', 'indoor', 'night']);
    expect(entry?.line).toEqual(line);
  });

  it('reads object-detection boxes with their class-map', () => {
    const { entry } = parseManifestLine(JSON.stringify(detection));
    expect(entry?.labels).toEqual(['Echo Dot', 'Echo']);
    expect(entry?.boxes).toEqual([
      { label: 'Echo Dot', left: 399, top: 251, width: 155, height: 101 },
      { label: 'Echo', left: 86, top: 65, width: 220, height: 334 },
    ]);
    expect(entry?.imageSize).toEqual({ width: 640, height: 480 });
    expect(useCaseOf([entry!])).toBe('OBJECT_LOCALIZATION');
  });

  it('keeps a line with a bad box, flags the box and drops it', () => {
    const bad = structuredClone(detection);
    bad['bounding-box'].annotations[0].left = 600; // 600 + 155 > 640
    bad['bounding-box'].annotations.push({ class_id: 7, top: 1, left: 1, width: 5, height: 5 });
    const { entry } = parseManifestLine(JSON.stringify(bad));
    expect(entry?.boxes.map((b) => b.label)).toEqual(['Echo']);
    expect(entry?.errors.map((e) => e.code)).toEqual(['ERROR_INVALID_BOUNDING_BOX', 'ERROR_MISSING_CLASS_MAP_ID']);
    expect((entry?.line.errors as { code: string }[]).map((e) => e.code)).toEqual(['ERROR_INVALID_BOUNDING_BOX', 'ERROR_MISSING_CLASS_MAP_ID']);
  });

  it('treats a line without label attributes as an unlabeled image', () => {
    const { entry } = parseManifestLine('{"source-ref":"s3://b/u.png"}');
    expect(entry?.labels).toEqual([]);
    expect(useCaseOf([entry!])).toBe('NOT_DETERMINED');
  });

  it('flags metadata without a class-name and an unknown type', () => {
    const noName = parseManifestLine(JSON.stringify({ 'source-ref': 's3://b/a.jpg', c: 0, 'c-metadata': { type: 'groundtruth/image-classification' } }));
    expect(noName.entry?.errors.map((e) => e.code)).toEqual(['ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT']);
    expect(noName.entry?.labels).toEqual([]);
    const other = parseManifestLine(JSON.stringify({ 'source-ref': 's3://b/a.jpg', c: 0, 'c-metadata': { type: 'groundtruth/semantic-segmentation' } }));
    expect(other.entry?.errors.map((e) => e.code)).toEqual(['ERROR_UNSUPPORTED_USE_CASE_TYPE']);
  });

  it('rejects lines that cannot be entries', () => {
    expect(parseManifestLine('{not json', 4).rejected).toEqual({ code: 'ERROR_INVALID_JSON_LINE', message: 'Line 5 is not valid JSON.' });
    expect(parseManifestLine('[1,2]').rejected?.code).toBe('ERROR_INVALID_JSON_LINE');
    expect(parseManifestLine('{"a":1}').rejected?.code).toBe('ERROR_MISSING_SOURCE_REF');
    expect(parseManifestLine('{"source-ref":"https://x/y.jpg"}').rejected?.code).toBe('ERROR_INVALID_SOURCE_REF_FORMAT');
  });
});

describe('parseManifest', () => {
  it('skips blank lines, counts rejects, lets a later line replace an earlier one', () => {
    const text = [classification('s3://b/1.jpg', 'cat'), '', 'garbage', classification('s3://b/2.jpg', 'dog', 1), classification('s3://b/1.jpg', 'dog', 1), ''].join('\n');
    const parsed = parseManifest(text);
    expect(parsed.totalLines).toBe(4);
    expect(parsed.rejected.map((r) => [r.index, r.error.code])).toEqual([[2, 'ERROR_INVALID_JSON_LINE']]);
    expect(parsed.entries.map((e) => [e.sourceRef, e.labels[0]])).toEqual([
      ['s3://b/2.jpg', 'dog'],
      ['s3://b/1.jpg', 'dog'],
    ]);
  });

  it('reads the committed fixture manifests', () => {
    const train = parseManifest(readFileSync(join(fixtures, 'train.manifest'), 'utf8'));
    expect(train.rejected).toEqual([]);
    expect(labelStats(train.entries).map((s) => [s.label, s.entryCount])).toEqual([
      ['circle', 16],
      ['portrait', 20],
      ['square', 16],
      ['stripes', 16],
    ]);
    expect(useCaseOf(train.entries)).toBe('IMAGE_LEVEL_LABELS');
  });
});

describe('mergeEntry', () => {
  it('replaces a label attribute given again and keeps the others', () => {
    const first = parseManifestLine(
      JSON.stringify({
        'source-ref': 's3://b/x.jpg',
        colour: 0,
        'colour-metadata': { 'class-name': 'red', type: 'groundtruth/image-classification' },
        size: 0,
        'size-metadata': { 'class-name': 'small', type: 'groundtruth/image-classification' },
      }),
    ).entry!;
    const update = parseManifestLine(JSON.stringify({ 'source-ref': 's3://b/x.jpg', colour: 1, 'colour-metadata': { 'class-name': 'blue', type: 'groundtruth/image-classification' } })).entry!;
    const merged = mergeEntry(first, update);
    expect(merged.labels.sort()).toEqual(['blue', 'small']);
    expect(merged.errors).toEqual([]);
  });

  it('clears errors that the update fixes', () => {
    const broken = parseManifestLine(JSON.stringify({ 'source-ref': 's3://b/x.jpg', c: 0, 'c-metadata': { type: 'groundtruth/image-classification' } })).entry!;
    expect(broken.errors.length).toBe(1);
    const fixed = mergeEntry(broken, parseManifestLine(JSON.stringify({ 'source-ref': 's3://b/x.jpg', 'c-metadata': { 'class-name': 'ok', type: 'groundtruth/image-classification' } })).entry!);
    expect(fixed.errors).toEqual([]);
    expect(fixed.labels).toEqual(['ok']);
    expect(fixed.line.errors).toBeUndefined();
  });
});

describe('labelStats', () => {
  it('counts entries and boxes per label', () => {
    const { entry } = parseManifestLine(JSON.stringify(detection));
    const second = structuredClone(detection);
    second['source-ref'] = 's3://bucket/images/2.png';
    second['bounding-box'].annotations = [second['bounding-box'].annotations[1], { ...second['bounding-box'].annotations[1], left: 300 }];
    const stats = labelStats([entry!, parseManifestLine(JSON.stringify(second)).entry!]);
    expect(stats).toEqual([
      { label: 'Echo', entryCount: 2, boundingBoxCount: 3 },
      { label: 'Echo Dot', entryCount: 1, boundingBoxCount: 1 },
    ]);
  });
});

describe('splitForTest', () => {
  const entries = Array.from({ length: 50 }, (_, i) => ({ sourceRef: `s3://b/${i}.jpg`, labels: [i % 5 === 0 ? 'rare' : i % 2 ? 'odd' : 'even'] }));

  it('moves about 20% per label, deterministic for a salt, different for another', () => {
    const a = splitForTest(entries, 'salt-1');
    const b = splitForTest(entries, 'salt-1');
    const c = splitForTest(entries, 'salt-2');
    expect(a.test.map((e) => e.sourceRef)).toEqual(b.test.map((e) => e.sourceRef));
    expect(a.test.map((e) => e.sourceRef)).not.toEqual(c.test.map((e) => e.sourceRef));
    expect(a.train.length + a.test.length).toBe(50);
    const count = (list: typeof entries, label: string) => list.filter((e) => e.labels[0] === label).length;
    for (const label of ['rare', 'odd', 'even']) {
      const total = count(entries, label);
      expect(count(a.test, label)).toBe(Math.round(total * 0.2));
    }
  });

  it('never moves the only image of a label', () => {
    const { train, test } = splitForTest([{ sourceRef: 's3://b/1', labels: ['solo'] }, ...entries.slice(0, 10)], 's');
    expect(train.some((e) => e.labels[0] === 'solo')).toBe(true);
    expect(test.some((e) => e.labels[0] === 'solo')).toBe(false);
  });
});
