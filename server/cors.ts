/**
 * CORS as Rekognition answers browsers (the browser SDK and Amplify call it directly): a preflight
 * OPTIONS on any path gets 200, the request's headers echoed as allowed and a 2-day max age; every
 * response carries Access-Control-Allow-Origin and exposes the request id, error type and date, so
 * the SDK can read them from a page. `--cors-origins` narrows `*` to a list of exact origins.
 */
import cors from 'cors';
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Emulator } from '../src/emulator';

/** What AWS JSON services expose to scripts, in AWS's spelling and order. */
export const EXPOSED_HEADERS = ['x-amzn-RequestId', 'x-amzn-ErrorType', 'x-amzn-ErrorMessage', 'Date'];
/** AWS's preflight answer may be cached for 172800 s (browsers cap it lower). */
export const PREFLIGHT_MAX_AGE_SECONDS = 172_800;

export function corsHandlers(emulator: Emulator): RequestHandler[] {
  const { corsOrigins } = emulator.runtime.config;
  const handlers: RequestHandler[] = [];
  if (corsOrigins !== '*') {
    // The browser only says "blocked by CORS policy": the emulator's log says why, once per origin.
    const reported = new Set<string>();
    handlers.push((req, _res, next) => {
      const origin = req.get('origin');
      if (origin && !corsOrigins.includes(origin) && !reported.has(origin)) {
        reported.add(origin);
        emulator.runtime.log.warn(`CORS: origin ${origin} is not in --cors-origins; browsers will block its calls`, { allowed: corsOrigins });
      }
      next();
    });
  }
  // AWS gives a preflight a request id too; a random one leaves the seeded ids (control plane) to API calls.
  handlers.push((req, res, next) => {
    if (req.method === 'OPTIONS') res.set('x-amzn-RequestId', randomUUID());
    next();
  });
  handlers.push(
    cors({
      origin: corsOrigins,
      // The Rekognition protocol is POST; the control plane also answers GET, PUT and DELETE.
      methods: ['GET', 'POST', 'PUT', 'DELETE'],
      // allowedHeaders left unset: the requested headers are echoed back, as AWS does.
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      optionsSuccessStatus: 200,
    }),
  );
  return handlers;
}
