import diagnosticsChannel from 'node:diagnostics_channel';
import { Observable } from 'rxjs';
import { z } from 'zod';
import {
  monotonicClock,
  parseOptions,
  resolveOnError,
  systemClock,
  type Clock,
  type DependencyObservation,
  type OperatorDeps,
} from '@homeostat/core';
import { SidecarError } from './errors.js';

/** zod schema of {@link ObserveOutgoingOptions}. */
export const observeOutgoingOptionsSchema = z.strictObject({
  /** Service name put on every observation. */
  service: z.string().min(1).optional(),
  /** Observe `fetch` and undici (`undici:request:*` channels). */
  undici: z.boolean().default(true),
  /** Observe `http.request` / `https.request` (`http.client.*` channels). */
  http: z.boolean().default(true),
  /** Targets (`host:port`) not to report, for example the metrics backend. */
  ignoreTargets: z.array(z.string().min(1)).default([]),
});

/** Options of {@link observeOutgoing}. */
export type ObserveOutgoingOptions = z.input<typeof observeOutgoingOptionsSchema>;

/** Capabilities of {@link observeOutgoing}. */
export interface ObserveOutgoingDeps extends Pick<OperatorDeps, 'onError' | 'logger'> {
  /** Wall time for `t`. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Monotonic time for latency. Default: `monotonicClock`. */
  readonly monotonic?: Clock;
}

/**
 * A request stamped by subscriptions: under symbols of each subscription's own, so that every
 * subscription (of one observable or of several) times and reports each request by itself.
 */
interface Stamped {
  [stamp: symbol]: number | undefined;
}

interface UndiciRequestLike extends Stamped {
  origin?: unknown;
  method?: unknown;
}

interface HttpRequestLike extends Stamped {
  host?: unknown;
  method?: unknown;
  socket?: { remotePort?: number } | null;
  protocol?: unknown;
  getHeader?(name: string): unknown;
}

function targetOfOrigin(origin: unknown): string | undefined {
  if (typeof origin !== 'string' && !(origin instanceof URL)) return undefined;
  try {
    const u = typeof origin === 'string' ? new URL(origin) : origin;
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.hostname}:${port}`;
  } catch {
    return undefined;
  }
}

function targetOfHttp(req: HttpRequestLike): string | undefined {
  const hostHeader = typeof req.getHeader === 'function' ? req.getHeader('host') : undefined;
  if (typeof hostHeader === 'string' && hostHeader.length > 0) {
    if (hostHeader.includes(':') && !hostHeader.endsWith(']')) return hostHeader;
    return `${hostHeader}:${req.protocol === 'https:' ? 443 : 80}`;
  }
  if (typeof req.host === 'string') return `${req.host}:${req.protocol === 'https:' ? 443 : 80}`;
  return undefined;
}

/**
 * Observes outgoing HTTP calls made by this process — `fetch` and undici, and `http.request` —
 * through `node:diagnostics_channel`, and emits one {@link DependencyObservation} per call.
 *
 * @remarks
 * Cold: channels are subscribed when the observable is subscribed and unsubscribed on teardown,
 * and every subscription observes every call by itself. No code is patched. Latency runs from the start of the request to the response headers
 * (time to first byte), for undici/`fetch` and for `http.request` alike. A network error
 * or a 5xx status sets `error`. A throw while building an observation is reported through
 * `onError` and never reaches the caller making the request.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * observeOutgoing({ service: 'checkout' }).subscribe((d) => graph.addEdge('checkout', d.target));
 * ```
 */
export function observeOutgoing(
  options: ObserveOutgoingOptions = {},
  deps: ObserveOutgoingDeps = {},
): Observable<DependencyObservation> {
  const o = parseOptions(observeOutgoingOptionsSchema, options, { source: 'observeOutgoing' });
  const clock = deps.clock ?? systemClock;
  const mono = deps.monotonic ?? monotonicClock;
  const onError = resolveOnError(deps);
  const ignored = new Set(o.ignoreTargets);

  return new Observable<DependencyObservation>((subscriber) => {
    // When the request started (monotonic, cleared once reported) and its wall time.
    const kStart = Symbol('homeostat.outgoing.start');
    const kT = Symbol('homeostat.outgoing.t');
    const emit = (
      target: string | undefined,
      req: Stamped,
      extra: { method?: unknown; status?: number; error: boolean },
    ): void => {
      const start = req[kStart];
      if (start === undefined || target === undefined || ignored.has(target)) return;
      req[kStart] = undefined;
      const obs: {
        t: number;
        service?: string;
        target: string;
        method?: string;
        status?: number;
        latencyMs: number;
        error: boolean;
      } = {
        t: req[kT] ?? clock.now(),
        target,
        latencyMs: Math.max(0, mono.now() - start),
        error: extra.error,
      };
      if (o.service !== undefined) obs.service = o.service;
      if (typeof extra.method === 'string') obs.method = extra.method;
      if (extra.status !== undefined) obs.status = extra.status;
      subscriber.next(obs);
    };
    const guard =
      <T>(fn: (message: T) => void) =>
      (message: unknown): void => {
        try {
          fn(message as T);
        } catch (cause) {
          onError(new SidecarError('outgoing', { cause }));
        }
      };

    const subs: [string, (message: unknown) => void][] = [];
    if (o.undici) {
      subs.push(
        [
          'undici:request:create',
          guard<{ request: UndiciRequestLike }>(({ request }) => {
            request[kStart] = mono.now();
            request[kT] = clock.now();
          }),
        ],
        [
          'undici:request:headers',
          guard<{ request: UndiciRequestLike; response: { statusCode: number } }>(
            ({ request, response }) => {
              emit(targetOfOrigin(request.origin), request, {
                method: request.method,
                status: response.statusCode,
                error: response.statusCode >= 500,
              });
            },
          ),
        ],
        [
          'undici:request:error',
          guard<{ request: UndiciRequestLike }>(({ request }) => {
            emit(targetOfOrigin(request.origin), request, { method: request.method, error: true });
          }),
        ],
      );
    }
    if (o.http) {
      subs.push(
        [
          'http.client.request.start',
          guard<{ request: HttpRequestLike }>(({ request }) => {
            request[kStart] = mono.now();
            request[kT] = clock.now();
          }),
        ],
        [
          'http.client.response.finish',
          guard<{ request: HttpRequestLike; response: { statusCode?: number } }>(
            ({ request, response }) => {
              const status = response.statusCode;
              emit(targetOfHttp(request), request, {
                method: request.method,
                ...(status === undefined ? {} : { status }),
                error: (status ?? 0) >= 500,
              });
            },
          ),
        ],
        [
          'http.client.request.error',
          guard<{ request: HttpRequestLike }>(({ request }) => {
            emit(targetOfHttp(request), request, { method: request.method, error: true });
          }),
        ],
      );
    }
    for (const [name, fn] of subs) diagnosticsChannel.subscribe(name, fn);
    return () => {
      for (const [name, fn] of subs) diagnosticsChannel.unsubscribe(name, fn);
    };
  });
}
