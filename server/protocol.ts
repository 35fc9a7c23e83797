/**
 * The JSON 1.1 protocol: X-Amz-Target dispatch, body parsing, SigV4, validation, the handler, and
 * serialisation of results and errors. Nothing here knows about models or images.
 */
import type { Request, Response } from 'express';
import { errors, RekognitionError } from '../src/api/errors';
import { operations, targetPrefix, type OperationName } from '../src/api/generated/model';
import { serializeOutput } from '../src/api/serialize';
import { validateInput } from '../src/api/validate';
import type { Services } from '../src/operations/context';
import { handlerFor } from '../src/operations/registry';
import { log } from '../src/log';
import type { PinStore } from './pins';
import { accountFor, parseAuthorization, verifySignature } from './sigv4';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** Sends JSON text with AWS's exact Content-Type (a Buffer, so express appends no `; charset=utf-8`). */
function sendJson(res: Response, status: number, text: string): void {
  res.status(status).set('Content-Type', CONTENT_TYPE).send(Buffer.from(text, 'utf8'));
}

export function sendError(res: Response, err: RekognitionError): void {
  res.set('x-amzn-ErrorType', err.type);
  sendJson(res, err.status, JSON.stringify(err.toBody()));
}

function parseBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw errors.serialization('Unexpected token received from parser');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw errors.serialization('Start of structure or map found where not expected.');
  }
  return parsed as Record<string, unknown>;
}

function operationFor(target: string | undefined): OperationName {
  const prefix = `${targetPrefix}.`;
  if (!target || !target.startsWith(prefix)) throw errors.unknownOperation(target ?? '');
  const name = target.slice(prefix.length);
  if (!Object.prototype.hasOwnProperty.call(operations, name)) throw errors.unknownOperation(target);
  return name as OperationName;
}

export function protocolHandler(services: Services, pins: PinStore) {
  return async (req: Request, res: Response): Promise<void> => {
    const requestId = services.ids.uuid();
    res.set('x-amzn-RequestId', requestId);
    let operation = '';
    try {
      operation = operationFor(req.get('x-amz-target'));
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const auth = parseAuthorization(req.get('authorization'));
      if (services.config.strictAuth) {
        await verifySignature({ method: req.method, path: req.originalUrl, headers: req.headers, body }, auth, services.config);
      }
      const model = operations[operation as OperationName];
      const input = model.input ? validateInput(parseBody(body), model.input) : {};
      const ctx = {
        ...services,
        account: accountFor(auth?.accessKeyId, services.config),
        region: auth?.region ?? services.config.defaultRegion,
        requestId,
        operation,
      };
      // A pinned response is already wire JSON, checked against the output shape when it was set.
      const pinned = pins.find(operation, input);
      let wire: string;
      if (pinned) {
        wire = JSON.stringify(pinned.response);
      } else {
        const info = handlerFor(operation as OperationName);
        if (!info) throw errors.notImplemented(operation);
        wire = serializeOutput(await info.handler(input as never, ctx), model.output);
      }
      sendJson(res, 200, wire);
      log.debug('request', { operation, requestId });
    } catch (err) {
      if (err instanceof RekognitionError) {
        log.debug('request failed', { operation, requestId, type: err.type, message: err.message });
        sendError(res, err);
      } else {
        log.error('unexpected failure', { operation, requestId, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
        sendError(res, errors.internal());
      }
    }
  };
}
