import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sidecar } from './create-sidecar.js';
import { engineOf, type Engine, type Entrance, type RequestState } from './internal/engine.js';
import { P } from './internal/props.js';

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

/**
 * The route template Express matched for a request (`req.baseUrl + req.route.path`; a route
 * declared with several paths gives them joined by `|`), or `(unmatched)` when no route
 * handled it (404s, and requests answered before routing). Read when the response ends.
 *
 * {@link expressSidecar} uses it; pass it to {@link wrapListener} to wrap a whole Express app
 * instead of mounting middleware, which skips Express's per-request cost of a middleware layer:
 *
 * @example
 * ```ts
 * const app = express();
 * app.get('/users/:id', handler);
 * http.createServer(wrapListener(sidecar, app, { route: expressRoute })).listen(3000);
 * ```
 */
export function expressRoute(req: IncomingMessage): string {
  // Keyed reads: Express gives every request a hidden class of its own (see `P`).
  const r = req as ExpressRequestLike;
  const path = r[P.route]?.path;
  if (typeof path === 'string') return (r[P.baseUrl] ?? '') + path;
  if (path instanceof RegExp) return (r[P.baseUrl] ?? '') + String(path);
  if (Array.isArray(path)) return (r[P.baseUrl] ?? '') + path.map(String).join('|');
  return '(unmatched)';
}

/**
 * Runs a request the turn queue deferred. A throw from `next()` goes to `next(error)`: run at
 * once, it would have left the middleware for Express's router, which does that with it. Out of
 * the middleware, so the per-request function stays as small as it was.
 */
function runLater(engine: Engine, st: RequestState, next: (error?: unknown) => void): void {
  engine.delay(st, () => {
    try {
      next();
    } catch (error) {
      next(error);
    }
  });
}

/** Middleware may not see every request: routes mounted before it answer some themselves. */
const MIDDLEWARE: Entrance = { canDefer: true, listener: undefined };

/**
 * Express middleware for a sidecar. Mount it first (`app.use(expressSidecar(sidecar))`): routes
 * are taken from Express's matched route ({@link expressRoute}) when the response ends;
 * shedding happens before routing.
 *
 * Where the host creates the HTTP server itself, wrapping the app does the same with less
 * overhead (Express spends about a microsecond per request on any middleware layer):
 * `http.createServer(wrapListener(sidecar, app, { route: expressRoute }))`.
 *
 * @remarks
 * Errors thrown by handlers are left to Express's error handling; the observation carries the
 * status Express answered with (500 by default). A failure inside the sidecar is reported
 * through `onError` and `next()` is called anyway.
 * @throws {ConfigError} when `sidecar` is not a sidecar from `createSidecar`.
 * @example
 * ```ts
 * const app = express();
 * app.use(expressSidecar(createSidecar({ service: 'api' })));
 * app.get('/users/:id', handler);
 * ```
 */
export function expressSidecar(sidecar: Sidecar): ExpressMiddleware {
  const engine = engineOf(sidecar, 'expressSidecar');
  return (req, res, next) => {
    const st = engine.start(req, res, expressRoute, MIDDLEWARE);
    if (st === null) return; // answered by the sidecar
    if (st?.deferred === true) runLater(engine, st, next);
    else {
      try {
        next();
      } finally {
        engine.settle(st);
      }
    }
  };
}
