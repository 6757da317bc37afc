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
import { Engine, kEngine } from './internal/engine.js';
import type { LoadProbe } from './internal/overload.js';

const pathPrefix = z.string().startsWith('/', { message: 'must start with "/"' });
const percent = z.number().min(0).max(100);

/** zod schema of {@link SidecarOptions}. */
export const sidecarOptionsSchema = z.object({
  /** Service name put on observations, samples and metrics. */
  service: z.string().min(1).optional(),
  /** Period of the per-route aggregates (samples and the metrics' quantile window), ms. */
  intervalMs: z.number().int().min(10).default(10_000),
  /** Most (route, method) pairs tracked; more are folded into route `(other)` and counted. */
  maxRoutes: z.number().int().min(1).default(200),
  /** A route unseen for this many intervals is forgotten. */
  idleIntervals: z.number().int().min(1).default(6),
  /** Latency quantiles emitted per route. */
  quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(8).default([0.5, 0.9, 0.99]),
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
      z.object({
        /** How often load is measured and the shed fraction adjusted, ms. */
        checkIntervalMs: z.number().int().min(5).default(100),
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
    .object({
      defaultMs: z.number().int().positive().optional(),
      /** First matching path prefix wins. */
      routes: z
        .array(z.object({ prefix: pathPrefix, ms: z.number().int().positive() }))
        .default([]),
    })
    .optional(),
  /** Fault injection for chaos experiments; nothing is injected unless this is set. */
  faults: z
    .object({
      /** Path prefixes faults apply to; default every path (never the sidecar's endpoints). */
      routes: z.array(pathPrefix).optional(),
      latency: z.object({ percent, ms: z.number().int().min(0).max(600_000) }).optional(),
      error: z
        .object({ percent, status: z.number().int().min(400).max(599).default(500) })
        .optional(),
      abort: z.object({ percent }).optional(),
      /**
       * A request header that triggers faults on that request: `latency=200`, `error=503`,
       * `abort`, comma-separated. Off unless named.
       */
      header: z.string().min(1).toLowerCase().optional(),
    })
    .optional(),
  /** Where the sidecar answers liveness, readiness and metrics (`false` turns one off). */
  endpoints: z
    .object({
      liveness: z.union([z.literal(false), pathPrefix]).default('/healthz'),
      readiness: z.union([z.literal(false), pathPrefix]).default('/readyz'),
      metrics: z.union([z.literal(false), pathPrefix]).default('/metrics'),
      /** Token required as `Authorization: Bearer <token>` on the endpoints listed in `protect`. */
      token: z.string().min(1).optional(),
      protect: z.array(z.enum(['liveness', 'readiness', 'metrics'])).default(['metrics']),
    })
    .prefault({}),
  /** Path prefixes never shed, rate limited or faulted (health checks of the host's own). */
  neverShed: z.array(pathPrefix).default([]),
  /** What makes readiness fail. */
  readiness: z
    .object({
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
  name: string;
  help: string;
  labelNames?: readonly string[];
  /** The registry given in `deps.prometheus` (typed `never` so prom-client's own types fit). */
  registers?: never[];
  collect?: () => void;
}

/** A prom-client `Gauge` constructor, as far as the sidecar uses it. */
export interface PromGaugeConstructor {
  new (config: PromMetricConfig): {
    set(labels: Record<string, string>, value: number): void;
    reset(): void;
  };
}

/** A prom-client `Counter` constructor, as far as the sidecar uses it. */
export interface PromCounterConstructor {
  new (config: PromMetricConfig): {
    inc(labels: Record<string, string>, value: number): void;
    reset(): void;
  };
}

/** The parts of the `prom-client` module the sidecar uses (pass the module itself). */
export interface PromClientLike {
  readonly Gauge: PromGaugeConstructor;
  readonly Counter: PromCounterConstructor;
}

/** The parts of a `prom-client` `Registry` the sidecar uses. */
export interface PromRegistryLike {
  metrics(): Promise<string> | string;
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
  readonly prometheus?: { readonly client: PromClientLike; readonly registry: PromRegistryLike };
  /** Where event-loop delay and heap are read from. Default: `perf_hooks` and `v8`. */
  readonly loadProbe?: LoadProbe;
}

/** A Node.js request handler for the sidecar's endpoints, mountable on any router. */
export type EndpointHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** What readiness reports. */
export interface ReadinessReport {
  readonly ready: boolean;
  /** Why not ready, in words; empty when ready. */
  readonly reasons: readonly string[];
  readonly breakers: Readonly<Record<string, BreakerState>>;
}

/** Counters and state of a sidecar. */
export interface SidecarStats {
  readonly inFlight: number;
  readonly observed: number;
  /** Requests answered 503 by the limiter or the overload controller. */
  readonly shed: number;
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
  readonly rateLimited: number;
  readonly timedOut: number;
  readonly faultsInjected: number;
  /** Failures inside the sidecar (reported through `onError`; requests were served anyway). */
  readonly internalErrors: number;
  /** Observations folded into route `(other)` because `maxRoutes` was reached. */
  readonly routesOverflowed: number;
  readonly routesEvicted: number;
  readonly routes: number;
  readonly shedFraction: number;
  readonly eventLoopDelayMs: number;
  readonly heapRatio: number;
  readonly limiter?: ConcurrencyLimiterStats;
  readonly rateLimiter?: RateLimiterStats;
}

/**
 * The sidecar: measures every request, protects the service from overload, and serves health
 * and metrics. Attach it with {@link wrapListener}, {@link expressSidecar} or
 * {@link fastifySidecar}.
 */
export interface Sidecar {
  /** One observation per request (shed ones included), hot: subscribe before traffic. */
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
  stats(): SidecarStats;
  /** Stops timers and load probes and completes the streams. Idempotent. */
  close(): void;
  /** @internal */
  readonly [kEngine]: Engine;
}

/**
 * Creates a {@link Sidecar}.
 *
 * @remarks
 * Hot path: per request, one observation object and one `close` listener; no timers unless a
 * timeout or a latency fault applies. Admission order: endpoints → `neverShed` → rate limit
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
    observations$: engine.observations$,
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
