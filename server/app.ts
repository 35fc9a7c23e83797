/** The HTTP application: CORS, the control plane under /_rekognition/, the Rekognition protocol on POST /. */
import express, { type NextFunction, type Request, type Response } from 'express';
import { errors } from '../src/api/errors';
import type { Emulator } from '../src/emulator';
import { consoleRoutes } from './console';
import { controlPlane } from './control-plane';
import { corsHandlers } from './cors';
import { admission, protocolHandler, send } from './protocol';

export function createApp(emulator: Emulator): express.Express {
  const { maxBodyBytes } = emulator.runtime.config;
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  // First, so that every answer below (errors included) carries the CORS headers and preflights end here.
  app.use(corsHandlers(emulator));
  // The web console first: the control plane answers 404 to paths it does not know.
  app.use('/_rekognition/console', consoleRoutes(emulator));
  app.use('/_rekognition', controlPlane(emulator));

  // Bodies are bounded before they are read; the emulator parses the JSON itself.
  app.post('/', admission(emulator), express.raw({ type: () => true, limit: maxBodyBytes }), protocolHandler(emulator));

  app.use((req: Request, res: Response) => send(res, emulator.errorResponse(errors.unknownOperation(req.get('x-amz-target') ?? ''))));

  // Body-parser failures (too large, aborted) and anything else: JSON, never HTML.
  app.use((err: { type?: string; status?: number }, req: Request, res: Response, _next: NextFunction) => {
    if (req.path.startsWith('/_rekognition')) return res.status(err.status ?? 400).json({ error: String((err as Error).message ?? err) });
    if (err.type === 'entity.too.large') return send(res, emulator.errorResponse(errors.requestTooLarge(maxBodyBytes)));
    if (err.status && err.status < 500) return send(res, emulator.errorResponse(errors.serialization('Unable to read the request body')));
    send(res, emulator.errorResponse(errors.internal()));
  });
  return app;
}
