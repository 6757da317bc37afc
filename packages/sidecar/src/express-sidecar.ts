import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sidecar } from './create-sidecar.js';
import { ADMIT, DELAY, kEngine } from './internal/engine.js';

/** An Express-compatible middleware (Express 4 and 5). */
export type ExpressMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

interface ExpressRequestLike extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** The matched Express route (`baseUrl` + route path), or `(unmatched)` for 404s. */
function expressRoute(req: IncomingMessage): string {
  const r = req as ExpressRequestLike;
  const path = r.route?.path;
  if (typeof path === 'string') return (r.baseUrl ?? '') + path;
  if (path instanceof RegExp) return (r.baseUrl ?? '') + String(path);
  if (Array.isArray(path)) return (r.baseUrl ?? '') + path.map(String).join('|');
  return '(unmatched)';
}

/**
 * Express middleware for a sidecar. Mount it first (`app.use(expressSidecar(sidecar))`): routes
 * are taken from Express's matched route (`req.baseUrl + req.route.path`) when the response
 * closes; shedding happens before routing.
 *
 * @remarks
 * Errors thrown by handlers are left to Express's error handling; the observation carries the
 * status Express answered with (500 by default). A failure inside the sidecar is reported
 * through `onError` and `next()` is called anyway.
 * @example
 * ```ts
 * const app = express();
 * app.use(expressSidecar(createSidecar({ service: 'api' })));
 * app.get('/users/:id', handler);
 * ```
 */
export function expressSidecar(sidecar: Sidecar): ExpressMiddleware {
  const engine = sidecar[kEngine];
  return (req, res, next) => {
    const admission = engine.start(req, res, expressRoute);
    if (admission === ADMIT) next();
    else if (admission === DELAY) engine.delay(engine.current, () => next());
  };
}
