import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sidecar } from './create-sidecar.js';
import { ConfigError } from '@homeostat/core';
import {
  engineOf,
  type Entrance,
  type RequestState,
  type RouteResolver,
} from './internal/engine.js';

/** Options of {@link wrapListener}. */
export interface WrapListenerOptions {
  /**
   * The route template of a request (`/users/:id`), called when the response ends. Default:
   * guessed from the path, with id-like segments replaced by `:id`; also the route of a request
   * for which this returns `undefined` or throws (reported through `onError`).
   */
  readonly route?: RouteResolver;
}

/**
 * Wraps a `node:http` request listener with a sidecar: observes every request, sheds load,
 * serves the sidecar's endpoints, and applies rate limits, timeouts and faults.
 *
 * @remarks
 * A listener that throws (or whose promise rejects) is observed as a 500 and the error is
 * re-thrown unchanged, so the host's own error handling still sees it. A listener that runs
 * later, from the overload turn queue, and throws is observed the same way, and its error is
 * thrown again on its own (from `process.nextTick`), reaching the process's
 * `uncaughtException` handling as a throw from a server's `request` listener does. A failure
 * inside the sidecar is reported through `onError` and the listener runs anyway.
 * @throws {ConfigError} when `sidecar` is not a sidecar from `createSidecar`, or `listener` not
 * a function.
 * @example
 * ```ts
 * const sidecar = createSidecar({ service: 'api' });
 * http.createServer(wrapListener(sidecar, (req, res) => res.end('ok'))).listen(3000);
 * ```
 */
export function wrapListener(
  sidecar: Sidecar,
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
  options?: WrapListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => unknown;
/**
 * Wraps a request listener whose request and response are subclasses of Node's (a server
 * created with its own `IncomingMessage`/`ServerResponse` classes) with a sidecar, keeping
 * those types; otherwise the same as the first overload.
 *
 * @remarks
 * A listener that accepts plain Node.js objects, such as an Express app, gets the first
 * overload, whose result `http.createServer` accepts as it is.
 * @example
 * ```ts
 * class TracedRequest extends http.IncomingMessage {
 *   traceId = '';
 * }
 * const listener = wrapListener(sidecar, (req: TracedRequest, res: http.ServerResponse) =>
 *   res.end(req.traceId),
 * );
 * http.createServer({ IncomingMessage: TracedRequest }, listener).listen(3000);
 * ```
 */
export function wrapListener<Req extends IncomingMessage, Res extends ServerResponse>(
  sidecar: Sidecar,
  listener: (req: Req, res: Res) => unknown,
  options?: WrapListenerOptions,
): (req: Req, res: Res) => unknown;
export function wrapListener<Req extends IncomingMessage, Res extends ServerResponse>(
  sidecar: Sidecar,
  listener: (req: Req, res: Res) => unknown,
  options: WrapListenerOptions = {},
): (req: Req, res: Res) => unknown {
  const engine = engineOf(sidecar, 'wrapListener');
  if (typeof listener !== 'function') {
    throw new ConfigError([{ path: 'listener', message: 'must be a request listener function' }], {
      source: 'wrapListener',
    });
  }
  const route = options.route;
  const run = (req: Req, res: Res, st: RequestState | undefined): unknown => {
    let result: unknown;
    try {
      result = listener(req, res);
    } catch (error) {
      engine.markThrew(st);
      engine.settle(st);
      throw error;
    }
    engine.settle(st);
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as Promise<unknown>).then === 'function'
    ) {
      return (result as Promise<unknown>).then(undefined, (error: unknown) => {
        engine.markThrew(st);
        throw error;
      });
    }
    return result;
  };
  // When the host gives this function to its server as the `request` listener, the sidecar
  // sees every request on the server's connections (see `Entrance.listener`).
  const entrance: Entrance = { canDefer: true, listener: undefined };
  const wrapped = (req: Req, res: Res): unknown => {
    const st = engine.start(req, res, route, entrance);
    if (st === null) return undefined; // answered by the sidecar
    if (st?.deferred !== true) return run(req, res, st);
    engine.delay(st, () => void run(req, res, st));
    return undefined;
  };
  entrance.listener = wrapped;
  return wrapped;
}
