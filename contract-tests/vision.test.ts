/**
 * Image understanding on both targets: DetectLabels (labels, parents, instances, filters, image
 * properties), DetectModerationLabels and DetectProtectiveEquipment, against the ground truth in
 * fixtures/images/vision-ground-truth.json. Values only the emulator can promise (exact messages,
 * calibrated numbers) are asserted under `isEmulator`.
 */
import {
  DetectLabelsCommand,
  DetectModerationLabelsCommand,
  DetectProtectiveEquipmentCommand,
  type DetectLabelsCommandOutput,
  type Label,
  type RekognitionClient,
} from '@aws-sdk/client-rekognition';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServiceError, fixtureBytes, isEmulator, rawRequest, rekognitionClient, s3Image } from './support/client';
import { fixturesDir, type FixtureName } from './support/target';

interface Truth {
  labels: string[];
  parents?: Record<string, string[]>;
  instances?: Record<string, number>;
  absent?: string[];
  persons?: number;
  ppe?: { bodyParts: string[]; equipment: string[]; noEquipment?: string[] };
  moderation?: string[];
}

const truth = (JSON.parse(readFileSync(`${fixturesDir}/images/vision-ground-truth.json`, 'utf8')) as { images: Record<string, Truth> }).images;
const fixture = (file: string) => fixtureBytes(`images/${file}` as FixtureName);
const names = (labels: Label[] | undefined) => (labels ?? []).map((l) => l.Name);

let client: RekognitionClient;
const labelsOf = new Map<string, DetectLabelsCommandOutput>();

beforeAll(async () => {
  client = rekognitionClient();
  for (const file of Object.keys(truth)) labelsOf.set(file, await client.send(new DetectLabelsCommand({ Image: { Bytes: fixture(file) } })));
});

afterAll(() => client.destroy());

describe('DetectLabels on the fixture photos', () => {
  for (const [file, t] of Object.entries(truth)) {
    it(`${file}: finds ${t.labels.join(', ') || 'no required label'} and none of ${(t.absent ?? []).join(', ')}`, () => {
      const out = labelsOf.get(file)!;
      expect(out.LabelModelVersion).toBe('3.0');
      const found = names(out.Labels);
      for (const name of t.labels) expect(found, `${file} lacks ${name}`).toContain(name);
      for (const name of t.absent ?? []) expect(found, `${file} has ${name}`).not.toContain(name);
      for (const [name, count] of Object.entries(t.instances ?? {})) expect(out.Labels!.find((l) => l.Name === name)?.Instances).toHaveLength(count);
      // Parent chains come from the v3 taxonomy files; AWS's own may hold more ancestors.
      for (const [name, parents] of Object.entries(t.parents ?? {})) {
        const label = out.Labels!.find((l) => l.Name === name)!;
        if (isEmulator) expect(label.Parents!.map((p) => p.Name)).toEqual(parents);
        else expect(label.Parents!.map((p) => p.Name)).toEqual(expect.arrayContaining(parents));
      }
    });
  }

  it('sorts by confidence (then name), lists every parent as a label at least as confident, and keeps MinConfidence 55', () => {
    for (const [file, out] of labelsOf) {
      const labels = out.Labels!;
      for (let i = 1; i < labels.length; i++) {
        const [a, b] = [labels[i - 1], labels[i]];
        expect(a.Confidence! > b.Confidence! || (a.Confidence === b.Confidence && a.Name! < b.Name!), `${file}: ${a.Name} before ${b.Name}`).toBe(true);
      }
      for (const label of labels) {
        expect(label.Confidence).toBeGreaterThanOrEqual(55);
        expect(label.Categories).toHaveLength(1);
        for (const parent of label.Parents!) {
          const own = labels.find((l) => l.Name === parent.Name);
          expect(own, `${file}: parent ${parent.Name} of ${label.Name} is not a label`).toBeDefined();
          expect(own!.Confidence).toBeGreaterThanOrEqual(label.Confidence!);
        }
        for (const instance of label.Instances!) {
          const b = instance.BoundingBox!;
          for (const v of [b.Left!, b.Top!, b.Width!, b.Height!]) expect(v).toBeGreaterThanOrEqual(0);
          expect(b.Left! + b.Width!).toBeLessThanOrEqual(1.0000001);
          expect(b.Top! + b.Height!).toBeLessThanOrEqual(1.0000001);
        }
      }
    }
  });

  it('sends label members in the order Name, Confidence, Instances, Parents, Aliases, Categories', async () => {
    const res = await rawRequest('DetectLabels', { Image: { Bytes: fixture('coffee.png').toString('base64') } });
    expect(res.status).toBe(200);
    const first = (res.json.Labels as Record<string, unknown>[])[0];
    expect(Object.keys(first)).toEqual(['Name', 'Confidence', 'Instances', 'Parents', 'Aliases', 'Categories']);
    expect(Object.keys(res.json)).toEqual(['Labels', 'LabelModelVersion']);
  });

  it('applies MinConfidence and MaxLabels to the same ranking', async () => {
    const all = labelsOf.get('astronaut.png')!.Labels!;
    const top = await client.send(new DetectLabelsCommand({ Image: { Bytes: fixture('astronaut.png') }, MaxLabels: 2 }));
    expect(names(top.Labels)).toEqual(names(all.slice(0, 2)));
    const strict = await client.send(new DetectLabelsCommand({ Image: { Bytes: fixture('astronaut.png') }, MinConfidence: 90 }));
    expect(names(strict.Labels)).toEqual(names(all.filter((l) => l.Confidence! >= 90)));
  });

  it('filters labels, not instances: a label that passes MinConfidence keeps all its boxes', async () => {
    // AWS's CLI example returns Car instances at 52.38 under the default 55; here Person (from the
    // face, at about 99.9) must keep its box at MinConfidence 96 whatever that box's own confidence.
    const all = labelsOf.get('astronaut.png')!.Labels!;
    const strict = await client.send(new DetectLabelsCommand({ Image: { Bytes: fixture('astronaut.png') }, MinConfidence: 96 }));
    const person = strict.Labels!.find((l) => l.Name === 'Person');
    expect(person?.Instances?.length).toBeGreaterThan(0);
    for (const label of strict.Labels!) {
      const boxes = (l: Label | undefined) => (l?.Instances ?? []).map((i) => i.BoundingBox);
      expect(boxes(label), label.Name).toEqual(boxes(all.find((l) => l.Name === label.Name)));
    }
  });

  it('filters by label and by category, exclusions first', async () => {
    const image = { Bytes: fixture('astronaut.png') };
    const only = await client.send(new DetectLabelsCommand({ Image: image, Settings: { GeneralLabels: { LabelInclusionFilters: ['Person'] } } }));
    expect(names(only.Labels)).toEqual(['Person']);
    const noPeople = await client.send(new DetectLabelsCommand({ Image: image, Settings: { GeneralLabels: { LabelCategoryExclusionFilters: ['Person Description'] } } }));
    expect(noPeople.Labels!.every((l) => l.Categories![0].Name !== 'Person Description')).toBe(true);
    const both = await client.send(
      new DetectLabelsCommand({ Image: image, Settings: { GeneralLabels: { LabelCategoryInclusionFilters: ['Person Description'], LabelExclusionFilters: ['Face'] } } }),
    );
    expect(names(both.Labels)).toContain('Person');
    expect(names(both.Labels)).not.toContain('Face');
    expect(both.Labels!.every((l) => l.Categories![0].Name === 'Person Description')).toBe(true);
  });

  it('reads the image from S3', async () => {
    const out = await client.send(new DetectLabelsCommand({ Image: s3Image('images/coffee.png') }));
    expect(names(out.Labels)).toEqual(names(labelsOf.get('coffee.png')!.Labels));
  });

  it('refuses an S3 Version the bucket does not hold with InvalidS3ObjectException', async () => {
    const image = s3Image('images/coffee.png');
    const missingVersion = { S3Object: { ...image.S3Object, Version: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo' } };
    const err = await expectServiceError(client.send(new DetectLabelsCommand({ Image: missingVersion })), 'InvalidS3ObjectException', { status: 400 });
    // No capture shows the message for a missing version; the emulator gives the missing-object one.
    if (isEmulator) expect(err.message).toBe('Unable to get object metadata from S3. Check object key, region and/or access permissions.');
  });

  it('reports image properties, with colours on Person\'s instances and DominantColors: [] on its derived labels\'', async () => {
    const out = await client.send(
      new DetectLabelsCommand({ Image: { Bytes: fixture('astronaut.png') }, Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'], Settings: { ImageProperties: { MaxDominantColors: 4 } } }),
    );
    const props = out.ImageProperties!;
    for (const v of [props.Quality!.Brightness!, props.Quality!.Sharpness!, props.Quality!.Contrast!]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(props.DominantColors!.length).toBeGreaterThan(0);
    expect(props.DominantColors!.length).toBeLessThanOrEqual(4);
    for (const c of props.DominantColors!) {
      expect(c.HexCode).toMatch(/^#[0-9a-f]{6}$/);
      expect(c.HexCode).toBe(`#${[c.Red!, c.Green!, c.Blue!].map((v) => v.toString(16).padStart(2, '0')).join('')}`);
      expect(c.PixelPercent).toBeGreaterThan(0);
    }
    expect(props.Foreground!.Quality!.Brightness).toBeDefined();
    expect(props.Background!.DominantColors!.length).toBeGreaterThan(0);
    const person = out.Labels!.find((l) => l.Name === 'Person')!;
    expect(person.Instances!.length).toBeGreaterThan(0);
    for (const i of person.Instances!) expect(i.DominantColors!.length).toBeGreaterThan(0);
    // Adult, Female, Woman...: Person's box again, without its colours (a recorded v3 response).
    const derived = out.Labels!.filter((l) => l.Categories![0]?.Name === 'Person Description' && l.Parents!.some((p) => p.Name === 'Person') && l.Instances!.length);
    expect(derived.length).toBeGreaterThan(0);
    for (const label of derived) {
      for (const i of label.Instances!) {
        expect(i.DominantColors, label.Name).toEqual([]);
        expect(person.Instances!.map((p) => p.BoundingBox)).toContainEqual(i.BoundingBox);
      }
    }
  });

  it('returns only image properties when only IMAGE_PROPERTIES is asked for', async () => {
    const out = await client.send(new DetectLabelsCommand({ Image: { Bytes: fixture('hubble_deep_field.jpg') }, Features: ['IMAGE_PROPERTIES'] }));
    expect(out.Labels ?? []).toEqual([]);
    // The deep field is mostly black and dark.
    expect(out.ImageProperties!.DominantColors![0].SimplifiedColor).toBe('black');
    expect(out.ImageProperties!.Quality!.Brightness).toBeLessThan(20);
  });

  it('refuses sides over 10000 px', async () => {
    const wide = await sharp({ create: { width: 10001, height: 100, channels: 3, background: '#808080' } }).png().toBuffer();
    await expectServiceError(client.send(new DetectLabelsCommand({ Image: { Bytes: wide } })), 'ImageTooLargeException', {
      message: isEmulator ? 'Input image dimensions 10001 x 100 exceed maximum dimension size of 10000 pixels' : undefined,
    });
  });
});

describe('DetectModerationLabels', () => {
  it('finds nothing unsafe in any fixture photo', async () => {
    for (const [file, t] of Object.entries(truth)) {
      const out = await client.send(new DetectModerationLabelsCommand({ Image: { Bytes: fixture(file) } }));
      expect(out.ModerationLabels, file).toEqual(t.moderation ?? []);
      expect(out.ModerationModelVersion).toBe('7.0');
      if (isEmulator) expect(out.ContentTypes, file).toEqual([]);
    }
  });

  it('refuses an adapter that does not exist', async () => {
    const version = 'arn:aws:rekognition:us-east-1:000000000000:project/none/version/none.2024-01-01T00.00.00/1704067200000';
    await expectServiceError(client.send(new DetectModerationLabelsCommand({ Image: { Bytes: fixture('coffee.png') }, ProjectVersion: version })), 'ResourceNotFoundException');
  });

  it.skipIf(!isEmulator)('evaluates a human loop and starts none when no label is found', async () => {
    const out = await client.send(
      new DetectModerationLabelsCommand({
        Image: { Bytes: fixture('coffee.png') },
        HumanLoopConfig: { HumanLoopName: 'review-1', FlowDefinitionArn: 'arn:aws:sagemaker:us-east-1:000000000000:flow-definition/moderation' },
      }),
    );
    expect(out.HumanLoopActivationOutput!.HumanLoopArn).toBeUndefined();
    const results = JSON.parse(out.HumanLoopActivationOutput!.HumanLoopActivationConditionsEvaluationResults!) as { Conditions: { EvaluationResult: boolean }[] };
    expect(results.Conditions[0].EvaluationResult).toBe(false);
  });
});

describe('DetectProtectiveEquipment', () => {
  for (const file of ['astronaut.png', 'kit-harington-gloves.jpg', 'coffee.png']) {
    const t = truth[file];
    it(`${file}: ${t.persons} person(s), body parts ${t.ppe?.bodyParts.join(', ') ?? 'none'}, equipment ${t.ppe?.equipment.join(', ') || 'none'}`, async () => {
      const out = await client.send(new DetectProtectiveEquipmentCommand({ Image: { Bytes: fixture(file) } }));
      expect(out.ProtectiveEquipmentModelVersion).toBe('1.0');
      expect(out.Persons).toHaveLength(t.persons!);
      expect(out.Summary).toBeUndefined();
      if (!t.ppe) return;
      const person = out.Persons![0];
      expect(person.Id).toBe(0);
      const parts: string[] = person.BodyParts!.map((b) => b.Name!);
      for (const part of t.ppe.bodyParts) expect(parts).toContain(part);
      // AWS's order, with undetected parts left out.
      const order = ['FACE', 'LEFT_HAND', 'RIGHT_HAND', 'HEAD'];
      expect(parts).toEqual(order.filter((p) => parts.includes(p)));
      const equipment = person.BodyParts!.flatMap((b) => b.EquipmentDetections!.map((e) => e.Type!));
      for (const type of t.ppe.equipment) expect(equipment).toContain(type);
      for (const type of t.ppe.noEquipment ?? []) expect(equipment).not.toContain(type);
      if (!t.ppe.equipment.length) expect(equipment).toEqual([]);
      for (const b of person.BodyParts!) expect(b.Confidence).toBeGreaterThanOrEqual(50);
    });
  }

  it('summarises required equipment per person', async () => {
    const gloves = await client.send(
      new DetectProtectiveEquipmentCommand({ Image: { Bytes: fixture('kit-harington-gloves.jpg') }, SummarizationAttributes: { MinConfidence: 50, RequiredEquipmentTypes: ['HAND_COVER'] } }),
    );
    expect(gloves.Summary).toEqual({ PersonsWithRequiredEquipment: [0], PersonsWithoutRequiredEquipment: [], PersonsIndeterminate: [] });
    const mask = await client.send(
      new DetectProtectiveEquipmentCommand({ Image: { Bytes: fixture('astronaut.png') }, SummarizationAttributes: { MinConfidence: 80, RequiredEquipmentTypes: ['FACE_COVER'] } }),
    );
    expect(mask.Summary).toEqual({ PersonsWithRequiredEquipment: [], PersonsWithoutRequiredEquipment: [0], PersonsIndeterminate: [] });
  });

  it('takes images from 64 px and up to 4096 px a side', async () => {
    const small = await sharp(fixture('coffee.png')).resize(70, 70).png().toBuffer();
    expect((await client.send(new DetectProtectiveEquipmentCommand({ Image: { Bytes: small } }))).Persons).toEqual([]);
    const tiny = await sharp(fixture('coffee.png')).resize(60, 60).png().toBuffer();
    await expectServiceError(client.send(new DetectProtectiveEquipmentCommand({ Image: { Bytes: tiny } })), 'InvalidParameterException');
    const big = await sharp({ create: { width: 4097, height: 100, channels: 3, background: '#808080' } }).png().toBuffer();
    await expectServiceError(client.send(new DetectProtectiveEquipmentCommand({ Image: { Bytes: big } })), 'ImageTooLargeException', {
      message: isEmulator ? 'Input image dimensions 4097 x 100 exceed maximum dimension size of 4096 pixels' : undefined,
    });
  });
});
