/**
 * The JSON 1.1 framing: X-Amz-Target names the operation, SigV4 names the caller, the body goes to
 * the emulator as bytes, and its answer goes back with AWS's headers. Nothing here knows about
 * validation, handlers or models.
 */
import type { NextFunction, Request, Response } from 'express';
import { errors, RekognitionError } from '../src/api/errors';
import { targetPrefix } from '../src/api/generated/model';
import type { Emulator, WireResponse } from '../src/emulator';
import { accountFor, parseAuthorization, verifySignature, type ParsedAuthorization } from './sigv4';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Sends the emulator's answer with AWS's exact Content-Type (a Buffer, so express appends no `; charset=utf-8`). */
export function send(res: Response, answer: WireResponse): void {
  res.set('x-amzn-RequestId', answer.requestId);
  if (answer.errorType) res.set('x-amzn-ErrorType', answer.errorType);
  res.status(answer.status).set('Content-Type', CONTENT_TYPE).send(Buffer.from(answer.body, 'utf8'));
}

/** The operation an X-Amz-Target names, or '' (for load shedding, before the target is checked). */
export function operationName(target: string | undefined): string {
  const prefix = `${targetPrefix}.`;
  return target?.startsWith(prefix) ? target.slice(prefix.length) : '';
}

/**
 * Load shedding, before the body is read: a refused request costs neither a read nor a parse. The
 * place is given back when the answer has gone out or the client went away.
 */
export function admission(emulator: Emulator) {
  return (req: Request, res: Response, next: NextFunction): void => {
    let release: () => void;
    try {
      release = emulator.admit(operationName(req.get('x-amz-target')));
    } catch (err) {
      return send(res, emulator.errorResponse(err instanceof RekognitionError ? err : errors.internal()));
    }
    res.once('close', release);
    next();
  };
}

function operationFor(target: string | undefined): string {
  const prefix = `${targetPrefix}.`;
  if (!target || !target.startsWith(prefix)) throw errors.unknownOperation(target ?? '');
  return target.slice(prefix.length);
}

/** Under --strict-auth a malformed Authorization header is refused as AWS refuses it. */
function strictAuthorization(req: Request): ParsedAuthorization | undefined {
  return parseAuthorization(req.get('authorization'), req.get('x-amz-date') !== undefined || req.get('date') !== undefined);
}

/** Otherwise any key is accepted: a header that does not parse just leaves the default account and region. */
function lenientAuthorization(req: Request): ParsedAuthorization | undefined {
  try {
    return parseAuthorization(req.get('authorization'));
  } catch {
    return undefined;
  }
}

export function protocolHandler(emulator: Emulator) {
  const { config, clock } = emulator.runtime;
  return async (req: Request, res: Response): Promise<void> => {
    let answer: WireResponse;
    try {
      const operation = operationFor(req.get('x-amz-target'));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = config.strictAuth ? strictAuthorization(req) : lenientAuthorization(req);
      if (config.strictAuth) {
        await verifySignature({ method: req.method, path: req.originalUrl, headers: req.headers, body }, auth, config, clock.now());
      }
      const caller = { account: accountFor(auth?.accessKeyId, config), region: auth?.region ?? config.defaultRegion };
      answer = await emulator.dispatch(operation, body, caller);
    } catch (err) {
      answer = emulator.errorResponse(err instanceof RekognitionError ? err : errors.internal());
    }
    send(res, answer);
  };
}
