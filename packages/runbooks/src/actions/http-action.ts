import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import { defineAction, type Action } from '../action.js';
import { ActionError } from '../errors.js';

/** zod schema of {@link HttpActionOptions}. */
export const httpActionOptionsSchema = z.strictObject({
  /** Name the action is registered under, as steps name it (non-empty). Default `'http'`. */
  name: z.string().min(1).default('http'),
  /** Hosts that may be called: `host` (any port) or `host:port`. Required, non-empty. */
  allowHosts: z.array(z.string().min(1)).min(1, 'list at least one allowed host'),
  /**
   * Methods this action may use (at least one). Default `['GET', 'HEAD']`; with only GET and HEAD
   * the action is read-only.
   */
  methods: z
    .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']))
    .min(1)
    .default(['GET', 'HEAD']),
  /** Per-request timeout in ms (1–600,000), on top of the step timeout. Default 10,000. */
  timeoutMs: z.number().int().min(1).max(600_000).default(10_000),
  /** Largest response body kept in the result, in characters (0–1,000,000). Default 2,000. */
  maxBodyChars: z.number().int().min(0).max(1_000_000).default(2000),
});

/** Options of {@link httpAction}. */
export type HttpActionOptions = z.input<typeof httpActionOptionsSchema>;

/** The global `fetch` signature the action uses; injectable for tests. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const paramsSchema = z.strictObject({
  /** URL to call: `http:` or `https:`, on a host in `allowHosts`. Redirects are not followed. */
  url: z.string().url(),
  /** HTTP method; it must be one of the action's `methods`. Default `'GET'`. */
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  /** Request headers. Default `{}`. */
  headers: z.record(z.string(), z.string()).default({}),
  /** Request body: a string as is, or an object or array sent as JSON. None when absent. */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  /** Statuses that count as success (each 100–599, at least one); default any 2xx. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
});

/**
 * An HTTP call to an allow-listed host, with a timeout. Read-only when its methods are only GET
 * and HEAD (then it runs in dry runs and works as a probe). Non-2xx (or not `expectStatus`) fails.
 *
 * @throws {ConfigError} on invalid options (no allowed hosts, bad timeout).
 * @example
 * ```ts
 * const health = httpAction({ name: 'http.get', allowHosts: ['checkout.internal:8080'] });
 * ```
 */
export function httpAction(
  options: HttpActionOptions,
  deps: { readonly fetch?: FetchLike } = {},
): Action {
  const opts = parseOptions(httpActionOptionsSchema, options, { source: 'httpAction' });
  const allowed = new Set(opts.allowHosts.map((h) => h.toLowerCase()));
  const doFetch: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init));
  const readOnly = opts.methods.every((m) => m === 'GET' || m === 'HEAD');
  return defineAction({
    name: opts.name,
    description: `HTTP ${opts.methods.join('/')} to ${opts.allowHosts.join(', ')}`,
    readOnly,
    params: paramsSchema,
    async run({ url, method, headers, body, expectStatus }, { signal }) {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        throw new ActionError('ACTION_FORBIDDEN', `protocol ${u.protocol} is not allowed`, {
          action: opts.name,
        });
      }
      const host = u.hostname.toLowerCase();
      if (!allowed.has(host) && !allowed.has(u.host.toLowerCase())) {
        throw new ActionError('ACTION_FORBIDDEN', `host ${u.host} is not in allowHosts`, {
          action: opts.name,
        });
      }
      if (!opts.methods.includes(method)) {
        throw new ActionError(
          'ACTION_FORBIDDEN',
          `method ${method} is not allowed (allowed: ${opts.methods.join(', ')})`,
          { action: opts.name },
        );
      }
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const init: RequestInit = {
        method,
        headers:
          body !== undefined && typeof body !== 'string'
            ? { 'content-type': 'application/json', ...headers }
            : headers,
        signal: AbortSignal.any([signal, timeout]),
        redirect: 'manual',
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      let res: Response;
      try {
        res = await doFetch(url, init);
      } catch (cause) {
        if (timeout.aborted)
          throw new ActionError(
            'ACTION_TIMEOUT',
            `${method} ${url} timed out after ${opts.timeoutMs} ms`,
            { action: opts.name, cause },
          );
        throw cause;
      }
      const text = method === 'HEAD' ? '' : (await res.text()).slice(0, opts.maxBodyChars);
      const good = expectStatus
        ? expectStatus.includes(res.status)
        : res.status >= 200 && res.status < 300;
      const detail = `${method} ${url} → ${res.status}`;
      if (!good)
        throw new ActionError('ACTION_FAILED', `${detail} (unexpected status)`, {
          action: opts.name,
        });
      return { detail, data: { status: res.status, body: text } };
    },
  });
}
