import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sidecar } from './create-sidecar.js';
import {
  engineOf,
  type Entrance,
  type RequestState,
  type RouteResolver,
} from './internal/engine.js';

/** The parts of a Fastify request the plugin reads. */
export interface FastifyRequestLike {
  /** The underlying Node.js request. */
  readonly raw: IncomingMessage;
}

/** The parts of a Fastify reply the plugin uses. */
export interface FastifyReplyLike {
  /** The underlying Node.js response, which the sidecar observes and may answer directly. */
  readonly raw: ServerResponse;
  /**
   * Tells Fastify not to send a reply; called when the sidecar has answered a request that did
   * not come through the server (`fastify.inject`) itself.
   */
  hijack(): unknown;
}

/** A route handler, as Fastify calls it (bound to the instance that declared the route). */
export type FastifyHandlerLike = (
  this: unknown,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
) => unknown;

/** The parts of a route's options an `onRoute` hook sees that the plugin uses. */
export interface FastifyRouteOptionsLike {
  /** The route's template with its prefix (`/v1/users/:id`), the observations' route. */
  url?: unknown;
  /** The route's handler, which the plugin wraps to learn which route a request matched. */
  handler?: unknown;
}

type RequestListenerLike = (req: IncomingMessage, res: ServerResponse) => unknown;

/** The parts of the HTTP server under a Fastify instance the plugin uses (checked when used). */
interface ServerLike {
  listeners(event: 'request'): unknown[];
  removeListener(event: 'request', listener: (...args: never[]) => unknown): unknown;
  on(event: 'request', listener: (req: IncomingMessage, res: ServerResponse) => void): unknown;
}

function isServerLike(server: unknown): server is ServerLike {
  const s = server as Partial<Record<keyof ServerLike, unknown>> | null | undefined;
  return (
    typeof s?.listeners === 'function' &&
    typeof s.removeListener === 'function' &&
    typeof s.on === 'function'
  );
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  /**
   * The HTTP server (an event emitter of `request`s); its `request` listeners are wrapped when
   * the plugin is registered. Without one, requests are admitted when they reach a handler.
   */
  readonly server?: unknown;
  /** Adds an application hook; the plugin adds one `onRoute` hook when registered. */
  addHook(name: 'onRoute', hook: (routeOptions: FastifyRouteOptionsLike) => void): unknown;
}

/** A Fastify plugin (callback style, not encapsulated: its hook applies to the whole app). */
export type FastifySidecarPlugin = ((
  instance: FastifyInstanceLike,
  options: unknown,
  done: (err?: Error) => void,
) => void) & { readonly [key: symbol]: unknown };

/** The route of a request no route handler saw, answered 404 (by Fastify's not-found handler). */
const UNMATCHED = '(unmatched)';
/**
 * A request that reached its handler without passing the server: Fastify has already started
 * on it, so it cannot be deferred.
 */
const INJECTED: Entrance = { canDefer: false, listener: undefined };

/**
 * A Fastify plugin for a sidecar: `app.register(fastifySidecar(sidecar))`, before the routes.
 * The sidecar admits each request before Fastify sees it (it wraps the server's `request`
 * listener, Fastify's router), so a shed request or one of the sidecar's endpoints costs Fastify
 * nothing, and learns each request's route template from the route's handler (it wraps each
 * handler declared after it, through one `onRoute` hook).
 *
 * @remarks
 * - Routes: a request whose route handler ran is observed with the route's template (with its
 *   prefix, as `request.routeOptions.url`). One answered before its handler ran — shed by the
 *   sidecar, or answered by a hook, a failed validation, a body that could not be parsed — is
 *   observed with the route guessed from its path, as `wrapListener` does by default; one
 *   answered 404 without a handler (no route matched) as `(unmatched)`. Routes declared before
 *   the plugin are not seen: register it first.
 * - Fastify's own error handling is unchanged: a throwing handler is answered (500 by default)
 *   and observed with that status.
 * - Requests made with `fastify.inject` do not pass through the server: the sidecar sees them
 *   only when they reach a route handler, and admits and observes them there; its endpoints are
 *   served through the server only.
 * - This adds no Fastify hook to the request path: an `onRequest` hook, the usual way, makes
 *   Fastify run its hook machinery on every request (about 280 instructions a request under
 *   callgrind, a tenth of the sidecar's whole cost; see docs/benchmarks/sidecar-history.md).
 * @throws {ConfigError} when `sidecar` is not a sidecar from `createSidecar`.
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(fastifySidecar(createSidecar({ service: 'api' })));
 * app.get('/users/:id', async () => ({ ok: true }));
 * ```
 */
export function fastifySidecar(sidecar: Sidecar): FastifySidecarPlugin {
  const engine = engineOf(sidecar, 'fastifySidecar');
  // A route handler learns its request's state in one of two ways. While the server listener
  // runs (the usual case: Fastify calls a GET's handler synchronously) it is `running`. A
  // request whose handler has not run when the listener returns (a body still to parse, an
  // async hook) is marked with its state under this plugin's own symbol, so that sidecars
  // nested on one app each see every request. Marking every request instead would add a
  // property to each request object, a new property backing store per request.
  // A request with neither did not come through the server (`fastify.inject`).
  const kState = Symbol('homeostat.sidecar.state');
  type Marked = IncomingMessage & { [kState]?: RequestState | null };
  let running: RequestState | undefined;
  const routeOf: RouteResolver = (_req, res) => (res.statusCode === 404 ? UNMATCHED : undefined);

  const admitFirst = (listener: RequestListenerLike, server: unknown): RequestListenerLike => {
    // Given to the server in the listener's place, so it sees every request of the server.
    const entrance: Entrance = { canDefer: true, listener: undefined };
    const admit = (req: IncomingMessage, res: ServerResponse): void => {
      const st = engine.start(req, res, routeOf, entrance);
      if (st === null) return; // answered by the sidecar
      if (st === undefined) {
        // Admitted, unobserved (a failure of the sidecar's own, reported).
        (req as Marked)[kState] = null;
        listener.call(server, req, res);
        return;
      }
      if (st.deferred) {
        (req as Marked)[kState] = st;
        engine.delay(st, () => listener.call(server, req, res));
        return;
      }
      const outer = running;
      running = st;
      try {
        listener.call(server, req, res);
      } finally {
        running = outer;
        engine.settle(st);
        if (!st.done && st.route === '') (req as Marked)[kState] = st;
      }
    };
    entrance.listener = admit;
    return admit;
  };

  const wrapHandler = (handler: FastifyHandlerLike, route: string): FastifyHandlerLike => {
    /** A request that reached its handler without passing the server (`fastify.inject`). */
    const admitLate = (self: unknown, request: FastifyRequestLike, reply: FastifyReplyLike) => {
      const raw = request.raw;
      // Not deferrable: Fastify has already started on the request, and a handler that sends
      // its reply later cannot be told apart from one that sent nothing.
      const st = engine.start(raw, reply.raw, route, INJECTED);
      if (st === null) {
        reply.hijack(); // answered by the sidecar
        return undefined;
      }
      if (st?.deferred !== true) {
        try {
          return handler.call(self, request, reply);
        } finally {
          engine.settle(st);
        }
      }
      // A latency fault: the handler runs once it has passed; Fastify awaits the promise, which
      // settles with the handler's own result, or when the response ends if the handler sends
      // its reply itself.
      return new Promise((resolve, reject) => {
        engine.delay(st, () => {
          try {
            const result = handler.call(self, request, reply);
            if (result !== undefined || reply.raw.writableEnded) resolve(result);
            else reply.raw.once('close', () => resolve(undefined));
          } catch (error) {
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the handler's own throw, passed to Fastify unchanged
            reject(error);
          }
        });
      });
    };
    return function (this: unknown, request, reply) {
      const raw = request.raw as Marked;
      let st = running;
      if (st === undefined || st.req !== raw) {
        const marked = raw[kState];
        if (marked === undefined) return admitLate(this, request, reply);
        st = marked ?? undefined;
      }
      if (st !== undefined) st.route = route;
      return handler.call(this, request, reply);
    };
  };

  const plugin = (
    instance: FastifyInstanceLike,
    _options: unknown,
    done: (err?: Error) => void,
  ): void => {
    instance.addHook('onRoute', (routeOptions) => {
      const { handler, url } = routeOptions;
      if (typeof handler === 'function' && typeof url === 'string') {
        routeOptions.handler = wrapHandler(handler as FastifyHandlerLike, url);
      }
    });
    const server = instance.server;
    if (isServerLike(server)) {
      for (const listener of server.listeners('request')) {
        if (typeof listener !== 'function') continue;
        const l = listener as RequestListenerLike;
        server.removeListener('request', l);
        server.on('request', admitFirst(l, server));
      }
    }
    done();
  };
  // Fastify's convention for plugins whose hooks apply outside their own encapsulation context.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), {
    value: '@homeostat/sidecar',
  });
  return plugin as FastifySidecarPlugin;
}
