import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Sidecar } from './create-sidecar.js';
import { ADMIT, DELAY, HANDLED, kEngine } from './internal/engine.js';

/** The parts of a Fastify request the plugin reads. */
export interface FastifyRequestLike {
  /** The underlying Node.js request. */
  readonly raw: IncomingMessage;
  /** Options of the route Fastify matched. */
  readonly routeOptions?: {
    /**
     * The matched route template (`/users/:id`), used as the observation's route; requests
     * without one (no route matched) are observed as route `(unmatched)`.
     */
    readonly url?: string | undefined;
  };
}

/** The parts of a Fastify reply the plugin uses. */
export interface FastifyReplyLike {
  /** The underlying Node.js response, which the sidecar observes and may answer directly. */
  readonly raw: ServerResponse;
  /**
   * Tells Fastify not to send a reply; called when the sidecar has answered the request itself
   * (its endpoints; shed, rate-limited, error-faulted or aborted requests).
   */
  hijack(): unknown;
}

/** The parts of a Fastify instance the plugin uses. */
export interface FastifyInstanceLike {
  /** Adds an application hook; the plugin adds one `onRequest` hook when registered. */
  addHook(
    name: 'onRequest',
    hook: (
      request: FastifyRequestLike,
      reply: FastifyReplyLike,
      done: (err?: Error) => void,
    ) => void,
  ): unknown;
}

/** A Fastify plugin (callback style, not encapsulated: its hook applies to the whole app). */
export type FastifySidecarPlugin = ((
  instance: FastifyInstanceLike,
  options: unknown,
  done: (err?: Error) => void,
) => void) & { readonly [key: symbol]: unknown };

/**
 * A Fastify plugin for a sidecar: `app.register(fastifySidecar(sidecar))`. It adds one
 * `onRequest` hook to the whole application (it is not encapsulated), observes each request
 * with its route template (`request.routeOptions.url`), sheds load before the handler runs and
 * answers the sidecar's endpoints.
 *
 * @remarks
 * Fastify's own error handling is unchanged: a throwing handler is answered (500 by default)
 * and observed with that status.
 * @example
 * ```ts
 * const app = Fastify();
 * await app.register(fastifySidecar(createSidecar({ service: 'api' })));
 * app.get('/users/:id', async () => ({ ok: true }));
 * ```
 */
export function fastifySidecar(sidecar: Sidecar): FastifySidecarPlugin {
  const engine = sidecar[kEngine];
  // `request.routeOptions` builds a dozen-field object on every read, which costs about as
  // much as the sidecar's own admission. The route's template is also on the route context
  // Fastify keeps on each request under its `fastify.context` symbol (`config.url`, the same
  // value `routeOptions.url` reads); that symbol is looked up once and used when present,
  // with `routeOptions` as the fallback for any version that stores it differently.
  let contextKey: symbol | null | undefined;
  const routeOf = (request: FastifyRequestLike): string => {
    if (contextKey === undefined) {
      contextKey =
        Object.getOwnPropertySymbols(request).find((k) => k.description === 'fastify.context') ??
        null;
    }
    if (contextKey !== null) {
      const context = (request as unknown as Record<symbol, { config?: { url?: unknown } }>)[
        contextKey
      ];
      const url = context?.config?.url;
      if (typeof url === 'string') return url;
    }
    return request.routeOptions?.url ?? '(unmatched)';
  };
  const plugin = (
    instance: FastifyInstanceLike,
    _options: unknown,
    done: (err?: Error) => void,
  ): void => {
    instance.addHook('onRequest', (request, reply, next) => {
      const admission = engine.start(request.raw, reply.raw, routeOf(request));
      if (admission === ADMIT) next();
      else if (admission === HANDLED) reply.hijack();
      else if (admission === DELAY) engine.delay(engine.current, () => next());
    });
    done();
  };
  // Fastify's convention for plugins whose hooks apply outside their own encapsulation context.
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), {
    value: '@homeostat/sidecar',
  });
  return plugin as FastifySidecarPlugin;
}
