/**
 * CompareFaces over every same/different pair of the identity photos (fixtures/faces/ground-truth.json)
 * at the default threshold (AWS-BEHAVIOUR §3.4): at least 98% of pairs right and 90% of same-person
 * pairs matched. An accuracy evaluation: `npm run accuracy`. Runs on both targets.
 */
import { CompareFacesCommand, type RekognitionClient } from '@aws-sdk/client-rekognition';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, rekognitionClient } from './support/client';
import { fixturesDir, type FixtureName } from './support/target';

interface Truth {
  path: FixtureName;
  identity: string | null;
}

const truth = (JSON.parse(readFileSync(join(fixturesDir, 'faces', 'ground-truth.json'), 'utf8')) as { images: Truth[] }).images;
const withIdentity = truth.filter((t) => t.identity !== null);
const image = (name: FixtureName) => ({ Bytes: fixtureBytes(name) });

let client: RekognitionClient;
beforeAll(() => {
  client = rekognitionClient();
});
afterAll(() => client.destroy());

describe('CompareFaces over the identity photos', () => {
  it(`separates same from different people at the default threshold over every pair of the ${withIdentity.length} identity photos`, { timeout: 1_200_000 }, async () => {
    let right = 0;
    let same = 0;
    let sameRight = 0;
    const errors: string[] = [];
    for (let i = 0; i < withIdentity.length; i++) {
      for (let j = i + 1; j < withIdentity.length; j++) {
        const [a, b] = [withIdentity[i], withIdentity[j]];
        const out = await client.send(new CompareFacesCommand({ SourceImage: image(a.path), TargetImage: image(b.path) }));
        const matched = (out.FaceMatches ?? []).length > 0;
        const isSame = a.identity === b.identity;
        if (isSame) same++;
        if (matched === isSame) {
          right++;
          if (isSame) sameRight++;
        } else {
          const best = out.FaceMatches?.[0]?.Similarity;
          errors.push(`${a.path} vs ${b.path}: ${isSame ? 'same person not matched' : `different people matched at ${best?.toFixed(1)}`}`);
        }
      }
    }
    const pairs = (withIdentity.length * (withIdentity.length - 1)) / 2;
    const accuracy = right / pairs;
    console.log(
      `CompareFaces at SimilarityThreshold 80: ${right}/${pairs} pairs right (${(100 * accuracy).toFixed(2)}%); ` +
        `same-person pairs matched ${sameRight}/${same}, different-person pairs kept apart ${right - sameRight}/${pairs - same}` +
        (errors.length ? `\n  ${errors.join('\n  ')}` : ''),
    );
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    expect(sameRight / same).toBeGreaterThanOrEqual(0.9);
  });

});
