import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import {
  parseOptions,
  type BreakerState,
  type Clock,
  type OperatorDeps,
  type RequestObservation,
  type Sample,
} from '@homeostat/core';
import {
  concurrencyLimiterOptionsSchema,
  type ConcurrencyLimiterStats,
} from './concurrency-limiter.js';
import { rateLimiterOptionsSchema, type RateLimiterStats } from './rate-limiter.js';
import { Engine, kEngine, quantileName } from './internal/engine.js';
import type { LoadProbe } from './internal/overload.js';

/** The longest delay Node's timers take, ms (2^31 − 1). */
const MAX_TIMER_MS = 2_147_483_647;
const pathPrefix = z.string().startsWith('/', { message: 'must start with "/"' });
const percent = z.number().min(0).max(100);
/**
 * A timer's delay, ms: at most 2^31 − 1, the longest Node's timers take (a longer one fires
 * after 1 ms instead, with a `TimeoutOverflowWarning`).
 */
const timerMs = (min: number) =>
  z
    .number()
    .int()
    .min(min)
    .max(MAX_TIMER_MS, {
      message: `must be at most ${MAX_TIMER_MS} ms (2^31 − 1, the longest timer Node.js sets)`,
    });

/** zod schema of {@link SidecarOptions}. */
export const sidecarOptionsSchema = z.strictObject({
  /** Service name put on observations, samples and metrics. */
  service: z.string().min(1).optional(),
  /**
   * Period of the per-route aggregates (samples and the metrics' quantile window), ms (integer,
   * 10 to 2^31 − 1).
   */
  intervalMs: timerMs(10).default(10_000),
  /** Most (route, method) pairs tracked; more are folded into route `(other)` and counted. */
  maxRoutes: z.number().int().min(1).default(200),
  /** A route unseen for this many intervals is forgotten. */
  idleIntervals: z.number().int().min(1).default(6),
  /**
   * Latency quantiles emitted per route, each different, and different to 0.1 of a percent
   * (they name the sample series `latency_p<percent>`: `0.999` is `latency_p99_9`).
   */
  quantiles: z
    .array(z.number().gt(0).lt(1))
    .min(1)
    .max(8)
    .superRefine((qs, ctx) => {
      const seen = new Map<string, number>();
      qs.forEach((q, i) => {
        const name = quantileName(q);
        const first = seen.get(name);
        if (first === undefined) seen.set(name, q);
        else {
          ctx.addIssue({
            code: 'custom',
            path: [i],
            message:
              first === q
                ? `repeats quantile ${q}`
                : `quantile ${q} would share the series latency_p${name} with ${first} (series are named to 0.1 of a percent)`,
          });
        }
      });
    })
    .default([0.5, 0.9, 0.99]),
  /** Relative accuracy of the latency sketch. */
  relativeAccuracy: z.number().gt(0).lt(0.5).default(0.02),
  /** `Retry-After` on shed (503) responses, seconds. */
  retryAfterSeconds: z.number().int().min(0).default(1),
  /** Adaptive concurrency limiter, or `false` for none. */
  limiter: z.union([z.literal(false), concurrencyLimiterOptionsSchema]).prefault({}),
  /** Shedding on event-loop delay and heap, or `false` for none. */
  overload: z
    .union([
      z.literal(false),
      z.strictObject({
        /** How often load is measured and the shed fraction adjusted, ms (5 to 2^31 − 1). */
        checkIntervalMs: timerMs(5).default(100),
        /** Event-loop delay (p99 over a check interval) above which load is shed, ms. */
        maxEventLoopDelayMs: z.number().positive().default(50),
        /** Sampling period of `monitorEventLoopDelay`, ms. */
        resolutionMs: z.number().int().min(1).default(10),
        /** Heap used / heap limit above which every sheddable request is shed; `false` for none. */
        maxHeapRatio: z.union([z.literal(false), z.number().gt(0).max(1)]).default(0.95),
        /**
         * Sheds a request that starts more than this many ms after the current event-loop turn
         * began handling requests (work queued ahead of it in the same turn); `false` for none.
         * It reacts within one turn, which the delay controller (sampled every check) cannot.
         */
        maxTurnDelayMs: z.union([z.literal(false), z.number().positive()]).default(100),
        /**
         * A request that would be shed by `maxTurnDelayMs` waits instead in a FIFO queue that
         * runs in the following turns (one turn's budget of work each), as long as the work
         * already queued (measured per request) fits in this many ms; one that still waits
         * longer is shed when its turn comes. `false` (or 0) sheds at once. It fills the idle
         * gaps between bursts that shedding alone would leave, at a bounded cost in latency.
         */
        maxQueueMs: z.union([z.literal(false), z.number().min(0)]).default(50),
        /** Largest fraction of sheddable requests refused for event-loop delay. */
        maxShedFraction: z.number().gt(0).max(1).default(0.95),
        /** How fast the shed fraction grows per check while the delay is over target. */
        increase: z.number().gt(0).max(1).default(0.1),
        /** How fast it decays per check once the delay is under half the target. */
        decrease: z.number().gt(0).max(1).default(0.05),
      }),
    ])
    .prefault({}),
  /** Per-key token-bucket rate limiting (key from `deps.rateLimitKey`, default client address). */
  rateLimit: rateLimiterOptionsSchema.optional(),
  /** Per-route timeouts: the sidecar answers 503 when the handler hasn't answered in time. */
  timeouts: z
    .strictObject({
      /**
       * Timeout of every admitted request whose path matches no entry of `routes`, ms (integer,
       * 1 to 2^31 − 1). No timeout when omitted. On expiry the sidecar answers 503 with
       * `Retry-After` (without the headers the handler had set, which belonged to its own
       * answer), or destroys the connection when the handler has already sent headers; later
       * header and write calls by the handler (`setHeader`, `appendHeader`, `writeHead`,
       * `write`, `end`, …) are ignored (their callbacks are still called, without an error),
       * and the concurrency limiter counts the request as dropped.
       */
      defaultMs: timerMs(1).optional(),
      /** Per-path timeouts, checked in order: the first matching path prefix wins. Default `[]`. */
      routes: z
        .array(
          z.strictObject({
            /**
             * Path prefix (starts with `/`); matches the path itself and anything under it
             * (`/api` matches `/api/x`, not `/apix`).
             */
            prefix: pathPrefix,
            /** Timeout for requests under `prefix`, ms (integer, 1 to 2^31 − 1). */
            ms: timerMs(1),
          }),
        )
        .default([]),
    })
    .optional(),
  /** Fault injection for chaos experiments; nothing is injected unless this is set. */
  faults: z
    .strictObject({
      /** Path prefixes faults apply to; default every path (never the sidecar's endpoints). */
      routes: z.array(pathPrefix).optional(),
      /** Delays the handler of a random share of requests; off when omitted. */
      latency: z
        .strictObject({
          /** Share of eligible requests delayed, percent (0..100), drawn per request. */
          percent,
          /** Delay before the handler runs, ms (integer, 0..600 000); counts in the latency observed. */
          ms: z.number().int().min(0).max(600_000),
        })
        .optional(),
      /** Answers a random share of requests with an error status instead of running the handler. */
      error: z
        .strictObject({
          /** Share of eligible requests answered with `status`, percent (0..100), drawn per request. */
          percent,
          /** Status answered, 400..599. Default 500. */
          status: z.number().int().min(400).max(599).default(500),
        })
        .optional(),
      /**
       * Destroys the connection of a random share of requests without answering (observed as a
       * 500). It takes precedence over `error`, which takes precedence over `latency`.
       */
      abort: z
        .strictObject({
          /** Share of eligible requests aborted, percent (0..100), drawn per request. */
          percent,
        })
        .optional(),
      /**
       * A request header that triggers faults on that request: `latency=200`, `error=503`,
       * `abort`, comma-separated. Off unless named.
       */
      header: z.string().min(1).toLowerCase().optional(),
    })
    .optional(),
  /** Where the sidecar answers liveness, readiness and metrics (`false` turns one off). */
  endpoints: z
    .strictObject({
      /**
       * Path of the liveness endpoint (exact path, query ignored), or `false` for none. Default
       * `/healthz`.
       */
      liveness: z.union([z.literal(false), pathPrefix]).default('/healthz'),
      /**
       * Path of the readiness endpoint (exact path, query ignored), or `false` for none. Default
       * `/readyz`.
       */
      readiness: z.union([z.literal(false), pathPrefix]).default('/readyz'),
      /**
       * Path of the Prometheus metrics endpoint (exact path, query ignored), or `false` for
       * none. Default `/metrics`.
       */
      metrics: z.union([z.literal(false), pathPrefix]).default('/metrics'),
      /**
       * Token required as `Authorization: Bearer <token>` on the endpoints listed in `protect`:
       * visible ASCII characters only (no spaces), which is all a header can carry as sent.
       */
      token: z
        .string()
        .regex(/^[\x21-\x7e]+$/, {
          message:
            'must be non-empty visible ASCII (no spaces or other characters): it is compared with the Authorization header as sent',
        })
        .optional(),
      /**
       * Endpoints that require `token` (401 without it); ignored when no `token` is set.
       * Default `['metrics']`.
       */
      protect: z.array(z.enum(['liveness', 'readiness', 'metrics'])).default(['metrics']),
    })
    .prefault({}),
  /** Path prefixes never shed, rate limited or faulted (health checks of the host's own). */
  neverShed: z.array(pathPrefix).default([]),
  /** What makes readiness fail. */
  readiness: z
    .strictObject({
      /** Unready while load is being shed for event-loop delay or heap. */
      overload: z.boolean().default(true),
      /** Unready while any breaker from `deps.breakerStates` is open or forced open. */
      openBreakers: z.boolean().default(true),
    })
    .prefault({}),
});

/** Options of {@link createSidecar}. */
export type SidecarOptions = z.input<typeof sidecarOptionsSchema>;
/** Parsed options (defaults applied). */
export type ResolvedSidecarOptions = z.output<typeof sidecarOptionsSchema>;

/** Configuration the sidecar passes to prom-client's metric constructors. */
export interface PromMetricConfig {
  /** Metric name, for example `homeostat_http_requests_total`. */
  name: string;
  /** One-line description shown as the metric's `# HELP`. */
  help: string;
  /** Label names of the metric (`service` when set, then for example `route`, `method`). */
  labelNames?: readonly string[];
  /** The registry given in `deps.prometheus` (typed `never` so prom-client's own types fit). */
  registers?: never[];
  /**
   * Called by prom-client on each scrape: the sidecar resets the metric and refills it from its
   * own counters, so nothing is recorded into prom-client between scrapes.
   */
  collect?: () => void;
}

/** A prom-client `Gauge` constructor, as far as the sidecar uses it. */
export interface PromGaugeConstructor {
  new (config: PromMetricConfig): {
    /** Sets the gauge's value for one label set. */
    set(labels: Record<string, string>, value: number): void;
    /** Removes every label set's value (before each refill in `collect`). */
    reset(): void;
  };
}

/** A prom-client `Counter` constructor, as far as the sidecar uses it. */
export interface PromCounterConstructor {
  new (config: PromMetricConfig): {
    /** Adds `value` (≥ 0) to the counter for one label set. */
    inc(labels: Record<string, string>, value: number): void;
    /** Removes every label set's value (before each refill in `collect`). */
    reset(): void;
  };
}

/** The parts of the `prom-client` module the sidecar uses (pass the module itself). */
export interface PromClientLike {
  /** prom-client's `Gauge` class; used for in-flight, limit, shed fraction and the other levels. */
  readonly Gauge: PromGaugeConstructor;
  /** prom-client's `Counter` class; used for request, shed and event totals. */
  readonly Counter: PromCounterConstructor;
}

/** The parts of a `prom-client` `Registry` the sidecar uses. */
export interface PromRegistryLike {
  /** Every metric of the registry in the exposition format; the body served at `/metrics`. */
  metrics(): Promise<string> | string;
  /** The `Content-Type` header sent with `metrics()`. */
  readonly contentType: string;
}

/** Capabilities of {@link createSidecar}: time, callbacks and hooks into the host. */
export interface SidecarDeps extends OperatorDeps {
  /** Wall time for observation and sample timestamps. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Monotonic time for latencies (only differences are used). Default: `performance.now()`. */
  readonly monotonic?: Clock;
  /** Breaker states reported by readiness (for example from `@homeostat/circuit-breaker`). */
  readonly breakerStates?: () => Readonly<Record<string, BreakerState>>;
  /** The limiter partition of a request (see `limiter.partitions`). */
  readonly partition?: (req: IncomingMessage) => string | undefined;
  /** True for requests that must never be shed (in addition to `neverShed` paths). */
  readonly isCritical?: (req: IncomingMessage) => boolean;
  /** Rate-limit key of a request. Default: the client's address. */
  readonly rateLimitKey?: (req: IncomingMessage) => string;
  /** Random numbers in [0, 1) for percentage faults. Default: `Math.random`. */
  readonly random?: () => number;
  /** Register the sidecar's metrics in this prom-client registry and serve it at `/metrics`. */
  readonly prometheus?: {
    /** The `prom-client` module itself (its `Gauge` and `Counter` classes are used). */
    readonly client: PromClientLike;
    /**
     * The registry the sidecar's metrics are registered in; the metrics endpoint then serves
     * this whole registry (answering 500 if `metrics()` fails).
     */
    readonly registry: PromRegistryLike;
  };
  /** Where event-loop delay and heap are read from. Default: `perf_hooks` and `v8`. */
  readonly loadProbe?: LoadProbe;
}

/** A Node.js request handler for the sidecar's endpoints, mountable on any router. */
export type EndpointHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What readiness reports. */
export interface ReadinessReport {
  /** True when nothing makes the service unready (`reasons` is empty). */
  readonly ready: boolean;
  /** Why not ready, in words; empty when ready. */
  readonly reasons: readonly string[];
  /**
   * Every state returned by `deps.breakerStates`, by breaker name, open or not (also when
   * `readiness.openBreakers` is `false`); empty when that dependency is absent or threw.
   */
  readonly breakers: Readonly<Record<string, BreakerState>>;
}

/** Counters and state of a sidecar. */
export interface SidecarStats {
  /**
   * Requests started and not yet closed, including ones waiting in the turn queue or a latency
   * fault; requests to the sidecar's own endpoints are not counted.
   */
  readonly inFlight: number;
  /**
   * Requests observed since creation (count): every closed request except those to the
   * sidecar's endpoints, shed, rate-limited and faulted ones included.
   */
  readonly observed: number;
  /** Requests answered 503 by the limiter or the overload controller. */
  readonly shed: number;
  /** Requests answered 503 because the concurrency limiter was full (count). */
  readonly shedByLimiter: number;
  /** Shed by the event-loop delay controller or heap pressure. */
  readonly shedByOverload: number;
  /**
   * Shed because too much work was queued ahead of them in the same event-loop turn, or in
   * the turn queue (`maxQueueMs`).
   */
  readonly shedByTurnDelay: number;
  /** Requests deferred to the turn queue instead of shed (total). */
  readonly deferred: number;
  /** Requests waiting in the turn queue now. */
  readonly queued: number;
  /** Requests answered 429 by the rate limiter (count). */
  readonly rateLimited: number;
  /** Requests that hit their `timeouts` limit (answered 503, or cut off if headers were sent). */
  readonly timedOut: number;
  /** Requests given an injected fault, by percentage or header (one per request, count). */
  readonly faultsInjected: number;
  /** Failures inside the sidecar (reported through `onError`; requests were served anyway). */
  readonly internalErrors: number;
  /** Observations folded into route `(other)` because `maxRoutes` was reached. */
  readonly routesOverflowed: number;
  /** (route, method) pairs forgotten after `idleIntervals` intervals without a request (count). */
  readonly routesEvicted: number;
  /** (route, method) pairs tracked now, at most `maxRoutes` (route `(other)` not included). */
  readonly routes: number;
  /**
   * Fraction of sheddable requests the event-loop delay controller refuses now, a ratio from
   * 0 to `overload.maxShedFraction`. Heap pressure, which sheds every sheddable request, is not
   * reflected here. 0 when `overload` is `false`.
   */
  readonly shedFraction: number;
  /**
   * Event-loop delay measured at the last overload check (p99 lag beyond the sampling
   * resolution), ms. 0 before the first check and when `overload` is `false`.
   */
  readonly eventLoopDelayMs: number;
  /**
   * Heap used / heap limit at the last overload check, ratio 0..1. 0 before the first check and
   * when `overload` is `false`.
   */
  readonly heapRatio: number;
  /** The concurrency limiter's stats; absent when `limiter` is `false`. */
  readonly limiter?: ConcurrencyLimiterStats;
  /** The rate limiter's stats; absent unless `rateLimit` is set. */
  readonly rateLimiter?: RateLimiterStats;
}

/**
 * The sidecar: measures every request, protects the service from overload, and serves health
 * and metrics. Attach it with {@link wrapListener}, {@link expressSidecar} or
 * {@link fastifySidecar}.
 */
export interface Sidecar {
  /**
   * One observation per request (shed ones included), hot: subscribe before traffic. Delivered
   * at the end of the event-loop turn in which the request's response ended, in the order the
   * responses ended.
   */
  readonly observations$: Observable<RequestObservation>;
  /**
   * Per-route aggregates every `intervalMs`: `rate` (req/s), `error_ratio` (5xx), `shed_ratio`,
   * `latency_pNN` (ms), plus process-wide `in_flight`, `concurrency_limit`, `shed_fraction`,
   * `event_loop_delay_ms`. Series are `<service|http>:<METHOD> <route>:<metric>`.
   */
  readonly samples$: Observable<Sample>;
  /** Liveness: always 200 while the process can answer. */
  readonly liveness: EndpointHandler;
  /** Readiness: 200 when ready, 503 with reasons when overloaded or a breaker is open. */
  readonly readiness: EndpointHandler;
  /** Prometheus metrics in the text format (or prom-client's registry when given). */
  readonly metrics: EndpointHandler;
  /** Readiness as data. */
  ready(): ReadinessReport;
  /** The sidecar's own metrics in the Prometheus text format. */
  metricsText(): string;
  /** A snapshot of the sidecar's counters and state (a new object each call). */
  stats(): SidecarStats;
  /**
   * Stops timers and load probes, delivers the observations of requests that have ended, and
   * completes the streams. Idempotent. Requests still reaching a closed sidecar's adapters run
   * as before, except that nothing is shed for event-loop delay or heap any more (nothing
   * measures them). Requests in flight when it closes are still seen to end, which frees their
   * places in the concurrency limiter (the finish channel is given up once they have).
   */
  close(): void;
  /** @internal */
  readonly [kEngine]: Engine;
}

/**
 * Creates a {@link Sidecar}.
 *
 * @remarks
 * Hot path: per request, a state and an observation object, no listener (the end of a response
 * comes from Node's `http.server.response.finish` diagnostics channel, to which an open sidecar
 * subscribes), and no timers unless a timeout or a latency fault applies. Admission order: endpoints → `neverShed` → rate limit
 * (429) → overload controller (503) → concurrency limiter (503) → faults → handler. Any throw
 * inside the sidecar is reported through `onError` and the request proceeds (fail open).
 * Timers (aggregation, load checks) run on `deps.scheduler` and are unref'd; call `close()`.
 * @throws {ConfigError} on bad options, naming each bad path.
 * @example
 * ```ts
 * const sidecar = createSidecar({ service: 'checkout' });
 * sidecar.samples$.subscribe((s) => console.log(s.series, s.value));
 * http.createServer(wrapListener(sidecar, handler)).listen(3000);
 * ```
 */
export function createSidecar(options: SidecarOptions = {}, deps: SidecarDeps = {}): Sidecar {
  const o = parseOptions(sidecarOptionsSchema, options, { source: 'createSidecar' });
  const engine = new Engine(o, deps);
  return {
    observations$: engine.observations.observable,
    samples$: engine.samples$,
    liveness: engine.livenessHandler,
    readiness: engine.readinessHandler,
    metrics: engine.metricsHandler,
    ready: () => engine.ready(),
    metricsText: () => engine.metricsText(),
    stats: () => engine.stats(),
    close: () => engine.close(),
    [kEngine]: engine,
  };
}
