/**
 * The page's script, bundled for the browser by detect-faces.test.ts: what a web app does with
 * @aws-sdk/client-rekognition. It calls the emulator from another origin (so the browser runs the
 * CORS preflight) and posts what the SDK gave back to its own origin, where the test reads it.
 */
import { DescribeCollectionCommand, DetectFacesCommand, RekognitionClient } from '@aws-sdk/client-rekognition';

interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

async function run() {
  const { endpoint } = (await (await fetch('/config.json')).json()) as { endpoint: string };
  const image = new Uint8Array(await (await fetch('/face.png')).arrayBuffer());
  // A local endpoint takes any keys: never put real ones in a page.
  const client = new RekognitionClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const detected = await client.send(new DetectFacesCommand({ Image: { Bytes: image } }));
  let failure: { name: string; status?: number; requestId?: string } | undefined;
  try {
    await client.send(new DescribeCollectionCommand({ CollectionId: 'no-such-collection' }));
  } catch (err) {
    const { name, $metadata } = err as SdkError;
    failure = { name, status: $metadata?.httpStatusCode, requestId: $metadata?.requestId };
  }
  // requestId comes from the x-amzn-RequestId header: a page sees it only when the header is exposed.
  return { faces: detected.FaceDetails, requestId: detected.$metadata.requestId, failure };
}

const report = (body: unknown) => fetch('/result', { method: 'POST', body: JSON.stringify(body) });

run().then(
  (result) => report({ ok: true, ...result }),
  (err: SdkError) => report({ ok: false, error: `${err.name}: ${err.message}` }),
);
