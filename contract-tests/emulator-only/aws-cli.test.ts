/** The AWS CLI (v1, botocore) against the emulator with --endpoint-url and dummy credentials. */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { emulatorEndpoint, isEmulator, uniqueName } from '../support/client';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `aws rekognition ...` isolated from any AWS configuration on the machine. */
function aws(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  });
  return new Promise((resolve, reject) => {
    execFile('aws', ['rekognition', ...args, '--endpoint-url', emulatorEndpoint(), '--output', 'json'], { env, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error('the aws CLI is not installed (apt-get install awscli; .ci/run does it)'));
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function ok(res: CliResult): Record<string, unknown> {
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

describe.skipIf(!isEmulator)('aws CLI', () => {
  it('creates, lists, describes, tags and deletes a collection', async () => {
    const id = uniqueName('cli');
    expect(ok(await aws('create-collection', '--collection-id', id, '--tags', 'team=vision'))).toEqual({
      StatusCode: 200,
      CollectionArn: `aws:rekognition:us-east-1:000000000000:collection/${id}`,
      FaceModelVersion: '7.0',
    });

    const list = ok(await aws('list-collections'));
    expect(list.CollectionIds).toContain(id);

    const described = ok(await aws('describe-collection', '--collection-id', id));
    expect(described).toMatchObject({ FaceCount: 0, FaceModelVersion: '7.0', CollectionARN: `arn:aws:rekognition:us-east-1:000000000000:collection/${id}`, UserCount: 0 });
    // CLI v1 prints timestamps as they came on the wire: epoch seconds.
    expect(Math.abs((described.CreationTimestamp as number) * 1000 - Date.now())).toBeLessThan(60_000);

    const arn = described.CollectionARN as string;
    expect(ok(await aws('list-tags-for-resource', '--resource-arn', arn))).toEqual({ Tags: { team: 'vision' } });

    expect(ok(await aws('delete-collection', '--collection-id', id))).toEqual({ StatusCode: 200 });
  });

  it('prints the service error for an unknown collection and exits non-zero', async () => {
    const id = uniqueName('cli-missing');
    const res = await aws('delete-collection', '--collection-id', id);
    expect(res.code).toBe(255); // CLI v1's exit code for a service error
    expect(res.stderr.trim()).toBe(`An error occurred (ResourceNotFoundException) when calling the DeleteCollection operation: The collection id: ${id} does not exist`);
  });

  it('prints the validation message for a bad collection id', async () => {
    const res = await aws('create-collection', '--collection-id', 'bad id!');
    expect(res.code).toBe(255); // CLI v1's exit code for a service error
    expect(res.stderr.trim()).toBe(
      'An error occurred (ValidationException) when calling the CreateCollection operation: 1 validation error detected: ' +
        "Value 'bad id!' at 'collectionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
    );
  });
});
