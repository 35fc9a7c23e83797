/**
 * The JSON 1.1 framing: X-Amz-Target names the operation, SigV4 names the caller, the body goes to
 * the emulator as bytes, and its answer goes back with AWS's headers. Nothing here knows about
 * validation, handlers or models.
 */
import type { Request, Response } from 'express';
import { errors, RekognitionError } from '../src/api/errors';
import { targetPrefix } from '../src/api/generated/model';
import type { Emulator, WireResponse } from '../src/emulator';
import { accountFor, parseAuthorization, verifySignature } from './sigv4';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Sends the emulator's answer with AWS's exact Content-Type (a Buffer, so express appends no `; charset=utf-8`). */
export function send(res: Response, answer: WireResponse): void {
  res.set('x-amzn-RequestId', answer.requestId);
  if (answer.errorType) res.set('x-amzn-ErrorType', answer.errorType);
  res.status(answer.status).set('Content-Type', CONTENT_TYPE).send(Buffer.from(answer.body, 'utf8'));
}

function operationFor(target: string | undefined): string {
  const prefix = `${targetPrefix}.`;
  if (!target || !target.startsWith(prefix)) throw errors.unknownOperation(target ?? '');
  return target.slice(prefix.length);
}

export function protocolHandler(emulator: Emulator) {
  const { config } = emulator.runtime;
  return async (req: Request, res: Response): Promise<void> => {
    let answer: WireResponse;
    try {
      const operation = operationFor(req.get('x-amz-target'));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = parseAuthorization(req.get('authorization'));
      if (config.strictAuth) {
        await verifySignature({ method: req.method, path: req.originalUrl, headers: req.headers, body }, auth, config);
      }
      const caller = { account: accountFor(auth?.accessKeyId, config), region: auth?.region ?? config.defaultRegion };
      answer = await emulator.dispatch(operation, body, caller);
    } catch (err) {
      answer = emulator.errorResponse(err instanceof RekognitionError ? err : errors.internal());
    }
    send(res, answer);
  };
}
