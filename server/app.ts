/** The HTTP application: control plane under /_rekognition/, the Rekognition protocol on POST /. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { errors } from '../src/api/errors';
import type { Services } from '../src/operations/context';
import { controlPlane } from './control-plane';
import { PinStore } from './pins';
import { protocolHandler, sendError } from './protocol';

export function createApp(services: Services): express.Express {
  const app = express();
  const pins = new PinStore();
  app.disable('x-powered-by');
  app.disable('etag');

  app.use('/_rekognition', controlPlane(services, pins));

  // Bodies are bounded before they are read; the protocol layer parses the JSON itself.
  app.post('/', express.raw({ type: () => true, limit: services.config.maxBodyBytes }), protocolHandler(services, pins));

  app.use((req: Request, res: Response) => {
    res.set('x-amzn-RequestId', services.ids.uuid());
    sendError(res, errors.unknownOperation(req.get('x-amz-target') ?? ''));
  });

  // Body-parser failures (too large, aborted) and anything else: JSON, never HTML.
  app.use((err: { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    res.set('x-amzn-RequestId', services.ids.uuid());
    if (err.type === 'entity.too.large') return sendError(res, errors.requestTooLarge(services.config.maxBodyBytes));
    if (req.path.startsWith('/_rekognition')) return res.status(err.status ?? 400).json({ error: String((err as Error).message ?? err) });
    if (err.status && err.status < 500) return sendError(res, errors.serialization('Unable to read the request body'));
    sendError(res, errors.internal());
  });
  return app;
}
