import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Subject, asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import {
  ConfigError,
  resolveOnError,
  systemClock,
  type BreakerState,
  type Clock,
  type OnError,
  type RequestObservation,
  type Sample,
} from '@homeostat/core';
import { createConcurrencyLimiter, type ConcurrencyLimiter } from '../concurrency-limiter.js';
import { createRateLimiter, type RateLimiter } from '../rate-limiter.js';
import { LatencySketch } from '../latency-sketch.js';
import { SidecarError, type SidecarStage } from '../errors.js';
import type {
  EndpointHandler,
  ReadinessReport,
  ResolvedSidecarOptions,
  SidecarDeps,
  SidecarStats,
} from '../create-sidecar.js';
import {
  channelInUse,
  enqueue,
  releaseFinishChannel,
  retainFinishChannel,
  sendingFrom,
  settled,
  track,
  untrack,
  unseen,
  UNSENT,
  writtenBytes,
  type Tracked,
} from './connection.js';
import { every } from './every.js';
import { Fanout } from './fanout.js';
import { OverloadController, createLoadProbe, type LoadProbe } from './overload.js';
import { PROMETHEUS_CONTENT_TYPE, renderText, type MetricFamily } from './prometheus.js';
import { P } from './props.js';
import { guessRoute, isPath, originForm, pathOf, underPrefix } from './route.js';

/** Key under which a sidecar exposes its engine to the adapters of this package. */
export const kEngine = Symbol('homeostat.sidecar.engine');

/**
 * The engine of `sidecar`, for an adapter being made (`source`, its name). Checked once, when
 * the adapter is made: anything but a sidecar from `createSidecar` (of this copy of the
 * package) would otherwise fail on every request, inside the host's server.
 *
 * @throws {ConfigError} naming `sidecar` when it is not one.
 */
export function engineOf(sidecar: unknown, source: string): Engine {
  const engine =
    typeof sidecar === 'object' && sidecar !== null
      ? (sidecar as { [kEngine]?: unknown })[kEngine]
      : undefined;
  if (!(engine instanceof Engine)) {
    throw new ConfigError(
      [{ path: 'sidecar', message: 'must be a sidecar made by createSidecar()' }],
      { source },
    );
  }
  return engine;
}

/** What `injectFaults` decided: run the request, the sidecar answered it, or run it later. */
const ADMIT = 0;
const HANDLED = 1;
const DELAY = 2;
type Admission = typeof ADMIT | typeof HANDLED | typeof DELAY;

/**
 * How an adapter's requests reach {@link Engine.start}: one object per adapter, passed with
 * every request.
 */
export interface Entrance {
  /**
   * A request the overload check would queue may run later, through `Engine.delay`. Without
   * it, such a request runs at once, for adapters that cannot resume a request later.
   */
  readonly canDefer: boolean;
  /**
   * The function the adapter gives its server as `request` listener, when it makes one (a
   * wrapped listener, the Fastify plugin's). On connections of a server that emits every
   * request to it, the sidecar sees every response end, so a response's bytes begin where the
   * previous response's ended (see `sendingFrom`). `undefined` for adapters that may not see
   * every request (Express middleware: routes mounted before it answer requests it never sees).
   */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- compared by identity only
  listener: Function | undefined;
}

/**
 * Resolves the route template of a finished request (Express knows it only after routing);
 * `undefined` to have it guessed from the path. Called once the response has ended, with its
 * final status.
 */
export type RouteResolver = (req: IncomingMessage, res: ServerResponse) => string | undefined;

/**
 * Per-request state, one fixed-shape object: what the observation will say, and what the
 * sidecar must undo or settle when the response ends. It is not stored on the response:
 * adding a property to a response whose prototype a framework has replaced (Express does)
 * costs V8 a new hidden class per request, microseconds each. `Engine.start` returns it to the
 * adapters.
 */
export class RequestState implements Tracked {
  slot = -1;
  /**
   * The socket's byte counter when the request started, when its response was the connection's
   * current one then (or when the response's own `close` is watched); -1 otherwise.
   */
  bytes0 = 0;
  route = '';
  resolve: RouteResolver | undefined = undefined;
  timer: Subscription | undefined = undefined;
  timedOut = false;
  threw = false;
  aborted = false;
  shed = false;
  /** Set once the response has ended (`finish` ran). */
  done = false;
  /**
   * Neither ended nor watched yet: the response was the connection's current one when the
   * request started, and `settle` decides after the handler returns.
   */
  pending = false;
  /** Its end is watched through the finish channel (counted in `Engine.watching`). */
  watched = false;
  delayMs = 0;
  /** Deferred to the turn queue by `start`; `delay` enqueues it. */
  queued = false;
  /**
   * Runs later, through `Engine.delay`: `queued`, or delayed by a latency fault. A field the
   * adapters read once per request, rather than a getter over the two.
   */
  deferred = false;
  /** When it was deferred (monotonic ms), for `maxQueueMs`. */
  queuedAt = 0;
  /** `req.url` when the request started. */
  url = '/';
  /** `req.socket` when the request started (a request keeps its socket). */
  socket: IncomingMessage['socket'] | undefined = undefined;
  /**
   * Arrival, wall-clock ms, read at the start only when a clock is injected; with the default
   * clocks the observation derives it from `start` (one double field fewer to box per request).
   */
  t = 0;
  // eslint-disable-next-line max-params -- one call site, on the per-request path
  constructor(
    readonly engine: Engine,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    /** Arrival, monotonic ms (the start of the event-loop turn that took the request in). */
    readonly start: number,
    readonly method: string,
    /** The request body's declared size (`Content-Length`), `undefined` when none is declared. */
    readonly bytesIn: number | undefined,
    /** Requests in flight when it arrived. */
    readonly inFlight: number,
  ) {}

  ended(sent: boolean, bytesOut: number): void {
    this.engine.finish(this, sent, bytesOut);
  }
}

interface RouteAgg {
  readonly route: string;
  readonly method: string;
  window: number;
  windowErrors: number;
  windowShed: number;
  idle: number;
  readonly sketch: LatencySketch;
  readonly lastQ: Float64Array;
  readonly codes: Float64Array; // totals by status class 1xx..5xx
  shedTotal: number;
  latencySumMs: number;
  latencyCount: number;
}

const noop = (): void => {};

/** The list of ended requests between flushes (see `Engine.ended`). */
const NONE_ENDED: readonly RequestObservation[] = [];
/** The list of requests to look at again after their handlers' microtasks (`Engine.rechecks`). */
const NONE_RECHECKED: readonly RequestState[] = [];
/** Settled: `then` on it queues a microtask without Node's `queueMicrotask` bookkeeping. */
const RESOLVED = Promise.resolve();

/** `process.hrtime`, taken once (see {@link hrClock}). */
const hrtime = process.hrtime;

/**
 * Monotonic milliseconds for latencies, from `process.hrtime()`. Only differences are used,
 * so the epoch does not matter (core's `monotonicClock` adds `performance.timeOrigin` on every
 * call). `performance.now()` reads the same clock, but first checks that it was called on a
 * `Performance` object (a call to V8's `hasOwnProperty` builtin): counted under cachegrind,
 * about 205 instructions a call against 115 here, where V8 inlines `hrtime` and never builds
 * its array. At a millisecond scale the sum keeps sub-nanosecond precision for years of uptime.
 */
const hrClock: Clock = {
  now: () => {
    const t = hrtime();
    return t[0] * 1e3 + t[1] * 1e-6;
  },
};

export class Engine {
  // The fields read on every request come first, roughly in the order `start` and `finish`
  // read them: V8 lays an object's fields out in the order they are defined, and between two
  // requests Node's own request path evicts the sidecar's data from the CPU's first-level
  // cache, so each further cache line these fields span is one more miss per request.
  private turnOpen = false;
  private turnStart = 0;
  /**
   * Marks, one bit per char code 0–127 in four 32-bit words, the second character of every
   * endpoint path and never-shed prefix: a URL whose second character is not marked can match
   * none of them, so `start` skips both scans for it (most requests). All marked when a prefix
   * is shorter than two characters. Fields of the engine rather than a typed array, whose
   * object and backing store would be two more cache lines to load per request.
   */
  private special0 = 0;
  private special1 = 0;
  private special2 = 0;
  private special3 = 0;
  /**
   * Something beyond the concurrency limiter may refuse, defer or time a request (a rate
   * limit, overload shedding, critical requests, partitions, timeouts, faults): when false,
   * `start` admits through the limiter alone.
   */
  private readonly rare: boolean;
  inFlight = 0;
  readonly limiter: ConcurrencyLimiter | undefined;
  private readonly mono: Clock;
  /**
   * With the default clocks, wall time minus monotonic time, so a request's wall timestamp
   * costs no second clock read (re-anchored every aggregation tick, so it follows wall-clock
   * adjustments within one interval). `undefined` when either clock is injected.
   */
  private wallBase: number | undefined;
  /** Latencies of the requests released since the last flush: their sum (ms) and count. */
  private turnLatencySum = 0;
  private turnLatencies = 0;
  private lastUrl: string | undefined = undefined;
  private lastGuess = '';
  // Options read on every request, copied out of the parsed options object into this
  // fixed-shape class.
  private readonly service: string | undefined;
  /**
   * Requests whose responses ended in this event-loop turn, not yet aggregated or delivered:
   * that work runs once per turn ({@link flush}), in a tight loop over the turn's requests,
   * instead of between Node's own steps for each response, where its code and data would have
   * been evicted from the CPU's caches by the time the next response came (measured: about
   * three points of a hello-world server's throughput).
   *
   * A new list each turn, made by the turn's first observation as `[obs]` (an array of
   * objects from the start: `push` onto an empty array changed its element kind at the first
   * object, a call into V8's runtime). A list kept across turns would be in the old
   * generation, and every store of a new observation into it would take V8's write barrier's
   * slow path (about 40 instructions a store in the callgrind profiles; with the same change to
   * `start`, the count per request fell by about 20 in all).
   */
  private ended: RequestObservation[] = NONE_ENDED as RequestObservation[];
  private endedCount = 0;
  /** A flush is due: at the end of the open turn, or by its own setImmediate. */
  private flushDue = false;

  /** One value per request: a light multicast (see {@link Fanout}) rather than a Subject. */
  readonly observations = new Fanout<RequestObservation>();
  readonly samples$ = new Subject<Sample>();
  readonly livenessHandler: EndpointHandler;
  readonly readinessHandler: EndpointHandler;
  readonly metricsHandler: EndpointHandler;

  private shedByLimiter = 0;
  private shedByOverload = 0;
  private observed = 0;
  private shedByTurnDelay = 0;
  private readonly maxTurnDelayMs: number;
  private readonly maxQueueMs: number;
  /** Requests deferred past a spent turn, oldest first (bounded by `maxQueueMs` of work). */
  private readonly queue: QueuedRequest[] = [];
  private queueHead = 0;
  /** Moving average of the synchronous time one queued request takes to run, ms. */
  private queuedCostMs: number;
  private deferred = 0;
  private readonly endTurn = (): void => {
    this.turnOpen = false;
    if (this.queueHead < this.queue.length) this.drain();
    if (this.flushDue) this.flush();
  };
  /** How far the running flush has got in `ended`. */
  private flushed = 0;
  private readonly flushLater = (): void => {
    if (this.flushDue) this.flush();
  };
  /**
   * Requests whose responses had not ended when their handlers returned, but were their
   * connections' current ones: put in their connections' queues without the finish channel,
   * and looked at again once the microtasks queued so far have run ({@link recheck}). An
   * `async` handler's result is sent then (Fastify sends it from the handler's promise); the
   * channel would cost Node 300–500 instructions for every response of the process while it
   * has a subscriber (the benchmark's reference counts). A new list each time, as `ended` is.
   */
  private rechecks: RequestState[] = NONE_RECHECKED as RequestState[];
  private recheckCount = 0;
  // A reaction that threw would reject a promise no one handles, which Node turns into an
  // uncaught exception by default.
  private readonly recheckLater = (): void => {
    try {
      this.recheck();
    } catch (cause) {
      this.report('observe', cause);
    }
  };
  /** Holds a subscription to Node's finish channel (see {@link watch}). */
  private channelHeld = false;
  /** Requests whose end the finish channel will report, in flight. */
  private watching = 0;
  /** A request was watched since the last tick (the channel is kept a tick longer). */
  private watchedSinceTick = false;
  private rateLimited = 0;
  private timedOut = 0;
  private faultsInjected = 0;
  private internalErrors = 0;
  private routesOverflowed = 0;
  private routesEvicted = 0;

  private readonly clock: Clock;
  readonly scheduler: SchedulerLike;
  private readonly onError: OnError;
  private readonly rateLimiter: RateLimiter | undefined;
  private readonly overload: OverloadController | undefined;
  private readonly probe: LoadProbe | undefined;
  private readonly routes = new Map<string, Map<string, RouteAgg>>();
  private readonly other = new Map<string, RouteAgg>();
  private aggCount = 0;
  private lastTick: number;
  private readonly subs: Subscription[] = [];
  private closed = false;
  private readonly endpointPaths: [string, EndpointHandler, boolean][] = [];
  private readonly neverShed: readonly string[];
  /** Route templates guessed from URLs, by URL (bounded: cleared when full). */
  private readonly guessed = new Map<string, string>();
  // The aggregate the last observation went to: consecutive requests to one route skip the
  // two map lookups. Forgotten at every tick, which is when aggregates are dropped.
  private lastAgg: RouteAgg | undefined = undefined;
  private lastRoute = '';
  private lastMethod = '';
  private readonly expectedAuth: Buffer | undefined;
  private readonly random: () => number;
  private readonly onTimeout: (this: unknown, st?: RequestState) => void;
  private readonly families: FamilyDef[];

  constructor(
    readonly o: ResolvedSidecarOptions,
    private readonly deps: SidecarDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    this.mono = deps.monotonic ?? hrClock;
    this.wallBase =
      deps.clock === undefined && deps.monotonic === undefined
        ? this.clock.now() - this.mono.now()
        : undefined;
    this.scheduler = deps.scheduler ?? asyncScheduler;
    this.onError = resolveOnError(deps);
    this.random = deps.random ?? Math.random;
    this.limiter = o.limiter === false ? undefined : createConcurrencyLimiter(o.limiter);
    this.rateLimiter =
      o.rateLimit === undefined ? undefined : createRateLimiter(o.rateLimit, { clock: this.mono });
    this.lastTick = this.mono.now();
    this.maxTurnDelayMs =
      o.overload === false || o.overload.maxTurnDelayMs === false
        ? Infinity
        : o.overload.maxTurnDelayMs;
    this.maxQueueMs =
      o.overload === false || o.overload.maxQueueMs === false || this.maxTurnDelayMs === Infinity
        ? 0
        : o.overload.maxQueueMs;
    // Until a queued request has been timed, assume each costs one turn's budget: a request
    // is only deferred once at least that much work ran ahead of it.
    this.queuedCostMs = Number.isFinite(this.maxTurnDelayMs) ? this.maxTurnDelayMs : 0;

    const timeout = (st: RequestState): void => this.timeout(st);
    this.onTimeout = function (st?: RequestState) {
      if (st) timeout(st);
    };

    this.livenessHandler = (req, res) => this.serveEndpoint('liveness', req, res);
    this.readinessHandler = (req, res) => this.serveEndpoint('readiness', req, res);
    this.metricsHandler = (req, res) => this.serveEndpoint('metrics', req, res);
    const ep = o.endpoints;
    if (ep.liveness !== false) this.endpointPaths.push([ep.liveness, this.livenessHandler, false]);
    if (ep.readiness !== false)
      this.endpointPaths.push([ep.readiness, this.readinessHandler, false]);
    if (ep.metrics !== false) this.endpointPaths.push([ep.metrics, this.metricsHandler, false]);
    this.expectedAuth = ep.token === undefined ? undefined : Buffer.from(`Bearer ${ep.token}`);
    this.service = o.service;
    this.neverShed = o.neverShed;
    for (const p of [...this.endpointPaths.map((e) => e[0]), ...o.neverShed]) {
      const c = p.charCodeAt(1);
      if (p.length < 2 || c > 127) {
        this.special0 = this.special1 = this.special2 = this.special3 = -1;
      } else if (c < 32) this.special0 |= 1 << c;
      else if (c < 64) this.special1 |= 1 << (c - 32);
      else if (c < 96) this.special2 |= 1 << (c - 64);
      else this.special3 |= 1 << (c - 96);
    }

    this.families = this.familyDefs();
    if (deps.prometheus) this.registerPrometheus(deps.prometheus);

    if (o.overload !== false) {
      const ov = o.overload;
      this.overload = new OverloadController(ov);
      this.probe = deps.loadProbe ?? createLoadProbe(ov.resolutionMs);
      const probe = this.probe;
      const controller = this.overload;
      this.subs.push(
        every(this.scheduler, ov.checkIntervalMs, () => {
          try {
            controller.update(probe.eventLoopDelayMs(), probe.heapRatio());
          } catch (cause) {
            this.report('overload-check', cause);
          }
        }),
      );
    }
    this.rare =
      deps.isCritical !== undefined ||
      deps.partition !== undefined ||
      this.rateLimiter !== undefined ||
      this.maxTurnDelayMs !== Infinity ||
      this.overload !== undefined ||
      o.timeouts !== undefined ||
      o.faults !== undefined;
    this.subs.push(
      every(this.scheduler, o.intervalMs, () => {
        try {
          this.tick();
        } catch (cause) {
          this.report('aggregate', cause);
        }
      }),
    );
  }

  private report(stage: SidecarStage, cause: unknown): void {
    this.internalErrors++;
    this.onError(new SidecarError(stage, { cause }));
  }

  /**
   * Starts observing a request and decides whether it runs. `route` is the template when known
   * now, or a resolver called when the response closes. `entrance` says what the calling
   * adapter allows (deferring) and whether it sees every request of its server.
   *
   * Returns `null` when the sidecar answered the request itself (shed, rate limited, one of its
   * endpoints, an injected error or abort); otherwise the request runs, now, or through
   * {@link delay} when its state says `deferred`. `undefined` (the request runs, unobserved)
   * only after a failure of the sidecar's own before the state was made.
   * The state is returned, not left in a field: a store of a new object into the engine, which
   * lives in V8's old generation, takes the write barrier's slow path (about 40 instructions a
   * store in the callgrind profiles).
   */
  // eslint-disable-next-line max-params -- the per-request entry point: an options object would be one more allocation per request
  start(
    req: IncomingMessage,
    res: ServerResponse,
    route: string | RouteResolver | undefined,
    entrance: Entrance,
  ): RequestState | null | undefined {
    let st: RequestState | undefined;
    try {
      let url = req[P.url] ?? '/';
      // A target in absolute form (`http://host/path`, rare: sent through proxies) is matched
      // and guessed by its path.
      if (url.charCodeAt(0) !== 47 /* / */) url = originForm(url);
      // 0 (never marked, unless every URL is) for a URL shorter than two characters: reading
      // past its end would make V8 drop the inlined `charCodeAt` for a call to the builtin.
      const c = url.length > 1 ? url.charCodeAt(1) : 0;
      const special =
        c > 127 ||
        ((c < 64
          ? c < 32
            ? this.special0 >>> c
            : this.special1 >>> (c - 32)
          : c < 96
            ? this.special2 >>> (c - 64)
            : this.special3 >>> (c - 96)) &
          1) ===
          1;
      if (special) {
        for (let i = 0; i < this.endpointPaths.length; i++) {
          const e = this.endpointPaths[i]!;
          if (isPath(url, e[0])) {
            unseen(req[P.socket]);
            e[1](req, res);
            return null;
          }
        }
      }
      // A request's arrival is the start of the event-loop turn that took it in: every request
      // of a turn was readable when the turn began, so time spent behind earlier requests of
      // the same turn counts as latency (it is latency to the client). The clock is read when
      // a turn opens (the turn ends in the check phase, see `openTurn`); with overload
      // shedding on, the turn-delay check below also reads it for each later request.
      let start: number;
      let first = false;
      if (this.turnOpen) start = this.turnStart;
      else {
        start = this.mono.now();
        this.openTurn(start);
        first = true;
      }
      st = new RequestState(
        this,
        req,
        res,
        start,
        req[P.method] ?? 'GET',
        contentLength(req[P.rawHeaders]),
        this.inFlight,
      );
      if (this.wallBase === undefined) st.t = this.clock.now();
      st.url = url;
      if (typeof route === 'string') st.route = route;
      else if (route !== undefined) st.resolve = route;
      const socket = req[P.socket];
      st.socket = socket;
      this.inFlight++;
      const bytes0 = sendingFrom(socket, res, entrance.listener);
      if (bytes0 >= 0) {
        st.bytes0 = bytes0;
        st.pending = true;
      } else {
        st.bytes0 = -1;
        this.watch(st);
      }

      let critical = false;
      if (!this.rare && !special) {
        // The common configuration: the limiter alone decides.
        if (this.limiter !== undefined) {
          const slot = this.limiter.tryAcquire();
          if (slot < 0) return this.shedByLimit(st, res);
          st.slot = slot;
        }
        return st;
      }
      if (special) {
        const neverShed = this.neverShed;
        for (let i = 0; i < neverShed.length; i++) {
          if (underPrefix(url, neverShed[i]!)) {
            critical = true;
            break;
          }
        }
      }
      if (!critical && this.deps.isCritical !== undefined) critical = this.deps.isCritical(req);

      if (critical) {
        if (this.limiter !== undefined)
          st.slot = this.limiter.forceAcquire(this.deps.partition?.(req));
      } else {
        if (this.rateLimiter !== undefined) {
          const key = this.deps.rateLimitKey?.(req) ?? socket?.remoteAddress ?? '';
          const waitMs = this.rateLimiter.take(key);
          if (waitMs > 0) {
            this.rateLimited++;
            retryAfter(res, Math.ceil(waitMs / 1000));
            respond(res, 429, 'Too Many Requests\n');
            return this.answered(st);
          }
        }
        if (this.maxTurnDelayMs !== Infinity) {
          // Requests handled later in a turn waited this long behind the work ahead of them
          // (the first request of a turn, which opened it, waited for none).
          // With `maxQueueMs`, a late request (or any request while others wait, to keep
          // order) is deferred to a FIFO queue that runs in later turns, as long as the work
          // already queued fits in `maxQueueMs`; otherwise it is shed.
          const now = first ? start : this.mono.now();
          if (this.queueHead < this.queue.length || now - this.turnStart > this.maxTurnDelayMs) {
            const waiting = this.queue.length - this.queueHead;
            if (waiting * this.queuedCostMs < this.maxQueueMs) {
              if (entrance.canDefer) {
                st.queued = true;
                st.deferred = true;
                st.queuedAt = now;
                this.deferred++;
              }
            } else {
              this.shedByTurnDelay++;
              st.shed = true;
              this.unavailable(res, 'Service Unavailable: overloaded\n');
              return this.answered(st);
            }
          }
        }
        if (this.overload?.shouldShed() === true) {
          this.shedByOverload++;
          st.shed = true;
          this.unavailable(res, 'Service Unavailable: overloaded\n');
          return this.answered(st);
        }
        if (this.limiter !== undefined) {
          const slot = this.limiter.tryAcquire(this.deps.partition?.(req));
          if (slot < 0) return this.shedByLimit(st, res);
          st.slot = slot;
        }
      }

      const timeouts = this.o.timeouts;
      if (timeouts !== undefined) {
        let ms = timeouts.defaultMs;
        for (let i = 0; i < timeouts.routes.length; i++) {
          const t = timeouts.routes[i]!;
          if (underPrefix(url, t.prefix)) {
            ms = t.ms;
            break;
          }
        }
        if (ms !== undefined) st.timer = this.scheduler.schedule(this.onTimeout, ms, st);
      }

      if (this.o.faults !== undefined && !critical) {
        if (this.injectFaults(req, res, st) === HANDLED) {
          return this.answered(st);
        }
      }
      // The response of a deferred request may end before it runs (a timeout, the client
      // leaving).
      if (st.deferred && st.pending) this.watch(st);
      return st;
    } catch (cause) {
      if (st === undefined) {
        try {
          unseen(req[P.socket]);
        } catch {
          // Only a socket that throws on a property read; the report below covers it.
        }
      } else if (st.deferred && st.pending) {
        // Deferred before the throw (a host callback such as `partition` or `random`): the
        // request runs later, and the adapters that resume it do not settle it then, so its
        // end must be watched from now, as for any deferred request.
        try {
          this.watch(st);
        } catch {
          // The report below covers it.
        }
      }
      this.report('admit', cause);
      return st;
    }
  }

  /** Refuses a request the concurrency limiter has no slot for. */
  private shedByLimit(st: RequestState, res: ServerResponse): null {
    this.shedByLimiter++;
    st.shed = true;
    this.unavailable(res, 'Service Unavailable: concurrency limit\n');
    return this.answered(st);
  }

  /** The sidecar answered the request itself: its observation is settled, and `start` says so. */
  private answered(st: RequestState): null {
    this.settle(st);
    return null;
  }

  /**
   * Called by the adapters once a request's handler has returned (or thrown): a response it
   * ended and sent in full is finished now, with its latency and size read here; any other
   * response's end is watched (see {@link watch}). A no-op for requests already watched.
   */
  settle(st: RequestState | undefined): void {
    if (st === undefined || !st.pending) return;
    st.pending = false;
    try {
      if (completed(st.res)) this.finish(st, true, SIZED_AT_FINISH);
      else this.unended(st);
    } catch (cause) {
      this.report('observe', cause);
    }
  }

  /**
   * A request whose response had not ended when its handler returned: looked at again after
   * the microtasks queued so far when the response is its connection's current one and the
   * finish channel has no subscriber (see `rechecks`), watched otherwise. While the channel
   * has one, Node publishes every response's end anyway, and a second look would cost more
   * than the channel's report (a service whose handlers do I/O keeps it). Out of
   * {@link settle}, which V8 inlines into the adapters' per-request code together with the
   * host's handler.
   */
  private unended(st: RequestState): void {
    if (st.bytes0 < 0 || this.closed || channelInUse() || !enqueue(st, st.socket, st.bytes0)) {
      this.watch(st);
    } else if (this.recheckCount === 0) {
      this.rechecks = [st];
      this.recheckCount = 1;
      void RESOLVED.then(this.recheckLater);
    } else this.rechecks[this.recheckCount++] = st;
  }

  /**
   * Looks again at the requests {@link settle} left in their connections' queues: a response
   * that has ended and been handed to the socket is finished now, with its latency read here;
   * the finish channel reports the others' ends, as for any watched request.
   */
  private recheck(): void {
    const list = this.rechecks;
    const n = this.recheckCount;
    this.rechecks = NONE_RECHECKED as RequestState[];
    this.recheckCount = 0;
    for (let i = 0; i < n; i++) {
      const st = list[i]!;
      // The channel may have reported it already (held for other requests).
      if (st.done) continue;
      try {
        if (completed(st.res)) {
          untrack(st, st.socket);
          this.finish(st, true, SIZED_AT_FINISH);
        } else {
          // As in `watch`: through the channel when this sidecar holds it (always, unless it
          // has closed since), else through the response's own `close`.
          this.holdChannel();
          if (this.channelHeld) {
            st.watched = true;
            this.watching++;
          } else {
            untrack(st, st.socket);
            this.listenForClose(st);
          }
        }
      } catch (cause) {
        this.report('observe', cause);
      }
    }
  }

  /**
   * Subscribes to Node's finish channel for a request whose end it is to report. A closed
   * sidecar does not subscribe again, but keeps a subscription it held when it closed until
   * the responses it watched then have ended (see {@link finish}).
   */
  private holdChannel(): void {
    if (!this.channelHeld && !this.closed) {
      this.channelHeld = true;
      retainFinishChannel();
    }
    this.watchedSinceTick = true;
  }

  /**
   * Watches for the end of a response that did not end while its handler ran: through Node's
   * finish channel (subscribed while this sidecar has such responses) and the connection's
   * `close`, or, for responses Node's HTTP/1 server does not send (and those of a closed
   * sidecar that no longer holds the channel), the response's own `close`.
   */
  private watch(st: RequestState): void {
    st.pending = false;
    this.holdChannel();
    // Not held only once closed: another sidecar's subscription may end at any time.
    if (this.channelHeld && track(st, st.socket, st.bytes0)) {
      st.watched = true;
      this.watching++;
      return;
    }
    this.listenForClose(st);
  }

  /** Watches a response's end through its own `close` (see {@link watch}). */
  private listenForClose(st: RequestState): void {
    if (st.bytes0 < 0) st.bytes0 = writtenBytes(st.socket);
    addListener.call(st.res, 'close', () =>
      this.finish(st, false, writtenBytes(st.socket) - st.bytes0),
    );
  }

  private injectFaults(req: IncomingMessage, res: ServerResponse, st: RequestState): Admission {
    const f = this.o.faults!;
    const url = st.url;
    if (f.routes !== undefined && !f.routes.some((p) => underPrefix(url, p))) return ADMIT;
    let latency = 0;
    let error = 0;
    let abort = false;
    if (f.header !== undefined) {
      const h = req.headers[f.header];
      if (typeof h === 'string') {
        for (const part of h.split(',')) {
          const [k, v] = part.trim().split('=');
          if (k === 'abort') abort = true;
          else if (k === 'latency' && v !== undefined)
            latency = Math.min(600_000, Math.max(0, Number(v) || 0));
          else if (k === 'error') {
            const s = Number(v ?? 500);
            error = Number.isInteger(s) && s >= 400 && s <= 599 ? s : 500;
          }
        }
      }
    }
    if (f.abort !== undefined && this.random() * 100 < f.abort.percent) abort = true;
    if (f.error !== undefined && this.random() * 100 < f.error.percent) error = f.error.status;
    if (f.latency !== undefined && this.random() * 100 < f.latency.percent) latency = f.latency.ms;
    if (abort) {
      this.faultsInjected++;
      st.aborted = true;
      req.socket?.destroy();
      res.destroy();
      return HANDLED;
    }
    if (error > 0) {
      this.faultsInjected++;
      respond(res, error, 'Injected fault\n');
      return HANDLED;
    }
    if (latency > 0) {
      this.faultsInjected++;
      st.delayMs = latency;
      st.deferred = true;
      return DELAY;
    }
    return ADMIT;
  }

  /**
   * Runs `fn` for a request whose state `start` returned `deferred`: after the request's turn in
   * the queue, then after the latency fault chosen for it, if any.
   */
  delay(st: RequestState | undefined, fn: () => void): void {
    const ms = st?.delayMs ?? 0;
    const run = ms > 0 ? () => void this.scheduler.schedule(fn, ms) : fn;
    if (st?.queued === true) this.queue.push({ st, run, host: run === fn });
    else run();
  }

  /** Answers 503 with `Retry-After` (every refusal of the sidecar's own: shed, timed out). */
  private unavailable(res: ServerResponse, body: string): void {
    retryAfter(res, this.o.retryAfterSeconds);
    respond(res, 503, body);
  }

  /**
   * Opens an event-loop turn at `now`: the first request of a turn (or a drain) does. A
   * check-phase callback closes it once the turn's I/O callbacks have run; setImmediate, not
   * the scheduler, because the end of the turn is what is wanted, not a delay.
   */
  private openTurn(now: number): void {
    this.turnOpen = true;
    this.turnStart = now;
    setImmediate(this.endTurn);
  }

  /**
   * Runs queued requests at the end of a turn (check phase): a new turn starts, and requests
   * run oldest first until the turn's budget is spent; the rest wait for the next turn, so
   * I/O is polled in between. A request that waited more than `maxQueueMs` is shed instead.
   */
  private drain(): void {
    const start = this.mono.now();
    this.openTurn(start);
    const q = this.queue;
    let now = start;
    while (this.queueHead < q.length && now - start <= this.maxTurnDelayMs) {
      const item = q[this.queueHead]!;
      q[this.queueHead++] = undefined as unknown as QueuedRequest;
      const { st } = item;
      const res = st.res;
      if (st.done || res.writableEnded || res.destroyed) continue; // client left
      if (now - st.queuedAt > this.maxQueueMs) {
        this.shedByTurnDelay++;
        st.shed = true;
        if (st.slot >= 0 && this.limiter !== undefined) {
          // Never ran: give the slot back without a latency sample.
          this.limiter.release(st.slot, Number.NaN);
          st.slot = -1;
        }
        this.unavailable(res, 'Service Unavailable: overloaded\n');
        continue;
      }
      try {
        item.run();
      } catch (cause) {
        // The adapter's continuation (the host's handler) threw: run at once, that throw would
        // have left the server's `request` event (the adapter has already observed it as it
        // would then). It is the host's, not the sidecar's: thrown again on its own, outside
        // this loop, which goes on with the requests behind it. Anything else is ours.
        if (item.host) process.nextTick(rethrow, cause);
        else this.report('admit', cause);
      }
      const after = this.mono.now();
      this.queuedCostMs += 0.2 * (after - now - this.queuedCostMs);
      now = after;
    }
    if (this.queueHead === q.length) {
      q.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 1024 && this.queueHead * 2 > q.length) {
      q.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** Marks a request whose handler threw: it is observed as a 500 at least. */
  markThrew(st: RequestState | undefined): void {
    if (st !== undefined) st.threw = true;
  }

  private timeout(st: RequestState): void {
    try {
      const res = st.res;
      st.timer = undefined;
      if (res.writableEnded || st.done) return;
      this.timedOut++;
      st.timedOut = true;
      // The handler may still write; make that harmless instead of an uncaught error.
      res.on('error', noop);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      forget(res);
      this.unavailable(res, 'Service Unavailable: timed out\n');
      neuter(res);
    } catch (cause) {
      this.report('timeout', cause);
    }
  }

  /**
   * A request's response has ended: `sent` when Node finished sending it, `bytesOut` what the
   * connection wrote for it. Settles what must be settled now (in-flight count, limiter slot,
   * timer, status, latency) and leaves aggregation and delivery to the end of the turn.
   */
  finish(st: RequestState, sent: boolean, bytesOut: number): void {
    if (st.done) return;
    st.done = true;
    st.pending = false;
    try {
      // Sized here rather than in `settle`, which V8 inlines into the adapters' per-request
      // code together with the host's handler.
      if (bytesOut === SIZED_AT_FINISH) {
        const framed = framedSize(st.res);
        bytesOut = framed >= 0 ? framed : writtenBytes(st.socket) - st.bytes0;
      }
      // Where the connection's next response begins, for the next request's start.
      if (sent && st.bytes0 >= 0) settled(st.socket, st.bytes0 + bytesOut);
      this.inFlight--;
      if (st.watched && --this.watching === 0 && this.closed) this.releaseChannel();
      const latency = Math.max(0, this.mono.now() - st.start);
      const timer = st.timer;
      if (timer !== undefined) {
        st.timer = undefined;
        timer.unsubscribe();
      }
      const res = st.res;
      let status = res[P.statusCode];
      if (!sent && !completed(res)) status = unendedStatus(st, status, bytesOut);
      if (st.threw && status < 500) status = 500;
      if (st.timedOut) status = 503;
      if (st.slot >= 0 && this.limiter !== undefined) {
        if (st.timedOut) this.limiter.release(st.slot, latency, true);
        else {
          // The slot is free now; its latency joins the turn's, which the limiter takes in one
          // step at the flush.
          this.limiter.release(st.slot, Number.NaN);
          this.turnLatencySum += latency;
          this.turnLatencies++;
        }
      }
      // After the request's place was given back: a resolver of the host's may throw.
      if (st.route === '') st.route = this.routeOf(st);
      this.observed++;
      // The observation, not the state, waits for the flush: the state holds the request and
      // response, which would otherwise survive any scavenge until the end of the turn. Tried
      // the other way (the states waiting, with status, route and observation made in the
      // flush's loop, where their code stays cached): the node:http instruction harness counted
      // about 990 more instructions a request, 870 of them in the scavenger copying requests
      // and responses, against about 20 fewer instruction-cache misses.
      const wallBase = this.wallBase;
      const obs = observationOf(
        st,
        wallBase === undefined ? st.t : wallBase + st.start,
        this.service,
        status < 100 || status > 599 ? 500 : status,
        latency,
        bytesOut > 0 ? bytesOut : 0,
      );
      if (this.endedCount === 0) {
        this.ended = [obs];
        this.endedCount = 1;
      } else this.ended[this.endedCount++] = obs;
      if (!this.flushDue) {
        this.flushDue = true;
        if (!this.turnOpen) setImmediate(this.flushLater);
      }
    } catch (cause) {
      this.report('observe', cause);
    }
  }

  /**
   * Aggregates the requests that ended since the last flush and delivers their observations,
   * in the order they ended. Runs at the end of each event-loop turn in which a response ended,
   * and before anything reads the aggregates (a window closing, the sidecar closing).
   */
  private flush(): void {
    this.flushDue = false;
    const limiter = this.limiter;
    if (this.turnLatencies > 0 && limiter !== undefined) {
      const n = this.turnLatencies;
      const mean = this.turnLatencySum / n;
      this.turnLatencies = 0;
      this.turnLatencySum = 0;
      try {
        limiter.recordLatency(mean, n);
      } catch (cause) {
        this.report('observe', cause);
      }
    }
    if (this.endedCount === 0) return;
    const deliver = this.observations.observed;
    // The list and both positions are read afresh on every step: a subscriber that ends a
    // response appends to the list, and a flush started from inside one (through `tick` or
    // `close`) continues where this one is and may replace the list when it is done.
    while (this.flushed < this.endedCount) {
      const obs = this.ended[this.flushed++]!;
      try {
        this.aggregate(obs);
      } catch (cause) {
        this.report('aggregate', cause);
      }
      if (deliver) this.observations.next(obs);
    }
    this.flushed = 0;
    this.endedCount = 0;
    this.ended = NONE_ENDED as RequestObservation[];
  }

  /**
   * The route of a finished request: what its resolver gives (Express's matched route, say), or
   * the one guessed from its path. A resolver that throws is reported, and the route guessed.
   */
  private routeOf(st: RequestState): string {
    const resolve = st.resolve;
    if (resolve !== undefined) {
      try {
        const route = resolve(st.req, st.res);
        if (route !== undefined) return route;
      } catch (cause) {
        this.report('observe', cause);
      }
    }
    return this.guess(st.url);
  }

  /** {@link guessRoute}, remembered per URL (at most 1,024 URLs, then forgotten at once). */
  private guess(url: string): string {
    // Consecutive requests to one URL (a common case) skip hashing it.
    if (url === this.lastUrl) return this.lastGuess;
    let route = this.guessed.get(url);
    if (route === undefined) {
      route = guessRoute(url);
      if (this.guessed.size >= 1024) this.guessed.clear();
      this.guessed.set(url, route);
    }
    this.lastUrl = url;
    this.lastGuess = route;
    return route;
  }

  private aggregate(obs: RequestObservation): void {
    if (
      this.lastAgg !== undefined &&
      obs.route === this.lastRoute &&
      obs.method === this.lastMethod
    ) {
      this.record(this.lastAgg, obs);
      return;
    }
    let byMethod = this.routes.get(obs.route);
    let agg = byMethod?.get(obs.method);
    if (agg === undefined) {
      if (this.aggCount >= this.o.maxRoutes) {
        // Not remembered as the last aggregate: every observation folded into `(other)`
        // is counted.
        this.routesOverflowed++;
        agg = this.other.get(obs.method);
        if (agg === undefined) {
          agg = this.newAgg('(other)', obs.method);
          this.other.set(obs.method, agg);
        }
        this.record(agg, obs);
        return;
      }
      if (byMethod === undefined) {
        byMethod = new Map();
        this.routes.set(obs.route, byMethod);
      }
      agg = this.newAgg(obs.route, obs.method);
      byMethod.set(obs.method, agg);
      this.aggCount++;
    }
    this.lastAgg = agg;
    this.lastRoute = obs.route;
    this.lastMethod = obs.method;
    this.record(agg, obs);
  }

  private record(agg: RouteAgg, obs: RequestObservation): void {
    agg.window++;
    // Integer division (statuses are integers from 100 to 599 here).
    const cls = ((obs.status / 100) | 0) - 1;
    if (cls >= 0 && cls < 5) agg.codes[cls]!++;
    if (obs.shed) {
      agg.windowShed++;
      agg.shedTotal++;
      return;
    }
    if (obs.status >= 500) agg.windowErrors++;
    agg.sketch.record(obs.latencyMs);
    agg.latencySumMs += obs.latencyMs;
    agg.latencyCount++;
  }

  private newAgg(route: string, method: string): RouteAgg {
    return {
      route,
      method,
      window: 0,
      windowErrors: 0,
      windowShed: 0,
      idle: 0,
      sketch: new LatencySketch({ relativeAccuracy: this.o.relativeAccuracy, minValue: 0.001 }),
      lastQ: new Float64Array(this.o.quantiles.length).fill(Number.NaN),
      codes: new Float64Array(5),
      shedTotal: 0,
      latencySumMs: 0,
      latencyCount: 0,
    };
  }

  /** Every aggregate, with the requests that ended in this turn already folded in. */
  private allAggs(): RouteAgg[] {
    this.flush();
    const out: RouteAgg[] = [];
    for (const m of this.routes.values()) for (const a of m.values()) out.push(a);
    for (const a of this.other.values()) out.push(a);
    return out;
  }

  /** Closes one aggregation window: emits samples and forgets idle routes. */
  tick(): void {
    this.flush();
    // The channel costs every response of every server in the process: given up once nothing
    // needed it for a whole interval.
    if (!this.watchedSinceTick && this.watching === 0) this.releaseChannel();
    this.watchedSinceTick = false;
    this.lastAgg = undefined;
    const now = this.mono.now();
    const seconds = Math.max(1e-3, (now - this.lastTick) / 1000);
    this.lastTick = now;
    const t = this.clock.now();
    if (this.wallBase !== undefined) this.wallBase = t - now;
    const prefix = this.o.service ?? 'http';
    const out: Sample[] = [];
    const push = (agg: RouteAgg | undefined, metric: string, value: number): void => {
      if (!Number.isFinite(value)) return;
      const labels: Record<string, string> = { metric };
      if (this.o.service !== undefined) labels.service = this.o.service;
      if (agg !== undefined) {
        labels.route = agg.route;
        labels.method = agg.method;
      }
      const series =
        agg === undefined
          ? `${prefix}:${metric}`
          : `${prefix}:${agg.method} ${agg.route}:${metric}`;
      out.push({ series, t, value, labels });
    };
    for (const [route, byMethod] of this.routes) {
      for (const [method, agg] of byMethod) {
        if (agg.window === 0) {
          agg.idle++;
          if (agg.idle >= this.o.idleIntervals) {
            byMethod.delete(method);
            this.aggCount--;
            this.routesEvicted++;
            continue;
          }
        } else agg.idle = 0;
        this.closeWindow(agg, seconds, push);
      }
      if (byMethod.size === 0) this.routes.delete(route);
    }
    for (const agg of this.other.values()) this.closeWindow(agg, seconds, push);
    push(undefined, 'in_flight', this.inFlight);
    if (this.limiter !== undefined) push(undefined, 'concurrency_limit', this.limiter.limit);
    if (this.overload !== undefined) {
      push(undefined, 'shed_fraction', this.overload.shedFraction);
      push(undefined, 'event_loop_delay_ms', this.overload.lastDelayMs);
    }
    for (const s of out) this.samples$.next(s);
  }

  private closeWindow(
    agg: RouteAgg,
    seconds: number,
    push: (agg: RouteAgg, metric: string, value: number) => void,
  ): void {
    push(agg, 'rate', agg.window / seconds);
    const served = agg.window - agg.windowShed;
    push(agg, 'error_ratio', served > 0 ? agg.windowErrors / served : 0);
    push(agg, 'shed_ratio', agg.window > 0 ? agg.windowShed / agg.window : 0);
    if (agg.sketch.count > 0) {
      this.o.quantiles.forEach((q, i) => {
        const v = agg.sketch.quantile(q);
        agg.lastQ[i] = v;
        push(agg, `latency_p${quantileName(q)}`, v);
      });
    }
    agg.window = 0;
    agg.windowErrors = 0;
    agg.windowShed = 0;
    agg.sketch.reset();
  }

  ready(): ReadinessReport {
    const reasons: string[] = [];
    let breakers: Readonly<Record<string, BreakerState>> = {};
    if (this.closed) reasons.push('sidecar closed');
    const ov = this.overload;
    if (this.o.readiness.overload && ov?.overloaded === true) {
      if (ov.heapOver) reasons.push(`heap at ${(ov.lastHeapRatio * 100).toFixed(1)}% of its limit`);
      if (ov.shedFraction > 0) {
        reasons.push(
          `shedding ${(ov.shedFraction * 100).toFixed(0)}% of requests: event-loop delay ${ov.lastDelayMs.toFixed(1)} ms`,
        );
      }
    }
    if (this.deps.breakerStates !== undefined) {
      try {
        breakers = this.deps.breakerStates();
        if (this.o.readiness.openBreakers) {
          for (const [name, state] of Object.entries(breakers)) {
            if (state === 'open' || state === 'forced-open')
              reasons.push(`breaker ${name} is ${state}`);
          }
        }
      } catch (cause) {
        this.report('endpoint', cause);
        reasons.push('breaker states unavailable');
      }
    }
    return { ready: reasons.length === 0, reasons, breakers };
  }

  private authorized(req: IncomingMessage, which: 'liveness' | 'readiness' | 'metrics'): boolean {
    if (this.expectedAuth === undefined || !this.o.endpoints.protect.includes(which)) return true;
    const got = req.headers.authorization;
    if (typeof got !== 'string') return false;
    const b = Buffer.from(got);
    return b.length === this.expectedAuth.length && timingSafeEqual(b, this.expectedAuth);
  }

  private serveEndpoint(
    which: 'liveness' | 'readiness' | 'metrics',
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    try {
      if (!this.authorized(req, which)) {
        res.statusCode = 401;
        res.setHeader('www-authenticate', 'Bearer');
        res.setHeader('content-type', 'text/plain; charset=utf-8');
        res.end('Unauthorized\n');
        return;
      }
      res.setHeader('cache-control', 'no-store');
      if (which === 'liveness') {
        sendJson(res, 200, { status: 'ok' });
      } else if (which === 'readiness') {
        const r = this.ready();
        sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'unready', ...r });
      } else {
        const prom = this.deps.prometheus;
        if (prom === undefined) {
          res.statusCode = 200;
          res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
          res.end(this.metricsText());
          return;
        }
        Promise.resolve()
          .then(() => prom.registry.metrics())
          .then(
            (text) => {
              res.statusCode = 200;
              res.setHeader('content-type', prom.registry.contentType);
              res.end(text);
            },
            (cause: unknown) => {
              this.report('endpoint', cause);
              if (!res.headersSent) respond(res, 500, 'metrics unavailable\n');
            },
          );
      }
    } catch (cause) {
      this.report('endpoint', cause);
      if (!res.headersSent) respond(res, 500, 'endpoint failed\n');
    }
  }

  metricsText(): string {
    return renderText(
      this.families.map((f) => ({ name: f.name, help: f.help, type: f.type, samples: f.build() })),
    );
  }

  private familyDefs(): FamilyDef[] {
    const svc = this.o.service;
    const base = (agg: RouteAgg): Record<string, string> =>
      svc === undefined
        ? { route: agg.route, method: agg.method }
        : { service: svc, route: agg.route, method: agg.method };
    const global = (): Record<string, string> => (svc === undefined ? {} : { service: svc });
    const svcLabel = svc === undefined ? [] : ['service'];
    const gauge = (name: string, help: string, value: () => number | undefined): FamilyDef => ({
      name,
      help,
      type: 'gauge',
      labelNames: svcLabel,
      build: () => {
        const v = value();
        return v === undefined ? [] : [{ labels: global(), value: v }];
      },
    });
    return [
      {
        name: 'homeostat_http_requests_total',
        help: 'HTTP requests seen by the sidecar, by route, method and status class.',
        type: 'counter',
        labelNames: [...svcLabel, 'route', 'method', 'code'],
        build: () =>
          this.allAggs().flatMap((a) =>
            [...a.codes].flatMap((v, i) =>
              v > 0 ? [{ labels: { ...base(a), code: `${i + 1}xx` }, value: v }] : [],
            ),
          ),
      },
      {
        name: 'homeostat_http_requests_shed_total',
        help: 'Requests answered 503 by the sidecar to protect the service.',
        type: 'counter',
        labelNames: [...svcLabel, 'route', 'method'],
        build: () => this.allAggs().map((a) => ({ labels: base(a), value: a.shedTotal })),
      },
      {
        name: 'homeostat_http_request_duration_seconds_sum',
        help: 'Total time spent serving requests that ran (not shed), seconds.',
        type: 'counter',
        labelNames: [...svcLabel, 'route', 'method'],
        build: () => this.allAggs().map((a) => ({ labels: base(a), value: a.latencySumMs / 1000 })),
      },
      {
        name: 'homeostat_http_request_duration_seconds_count',
        help: 'Requests that ran (not shed).',
        type: 'counter',
        labelNames: [...svcLabel, 'route', 'method'],
        build: () => this.allAggs().map((a) => ({ labels: base(a), value: a.latencyCount })),
      },
      {
        name: 'homeostat_http_request_latency_seconds',
        help: 'Latency quantiles over the last aggregation interval, seconds.',
        type: 'gauge',
        labelNames: [...svcLabel, 'route', 'method', 'quantile'],
        build: () =>
          this.allAggs().flatMap((a) =>
            this.o.quantiles.flatMap((q, i) => {
              const v = a.lastQ[i]!;
              return Number.isNaN(v)
                ? []
                : [{ labels: { ...base(a), quantile: String(q) }, value: v / 1000 }];
            }),
          ),
      },
      gauge('homeostat_http_in_flight', 'Requests in flight.', () => this.inFlight),
      gauge(
        'homeostat_concurrency_limit',
        'Current adaptive concurrency limit.',
        () => this.limiter?.limit,
      ),
      gauge(
        'homeostat_shed_fraction',
        'Fraction of sheddable requests refused for event-loop delay or heap.',
        () =>
          this.overload === undefined
            ? undefined
            : this.overload.heapOver
              ? 1
              : this.overload.shedFraction,
      ),
      gauge(
        'homeostat_event_loop_delay_seconds',
        'Event-loop delay (p99) over the last check.',
        () => (this.overload === undefined ? undefined : this.overload.lastDelayMs / 1000),
      ),
      gauge(
        'homeostat_heap_used_ratio',
        'Heap used over the heap limit.',
        () => this.overload?.lastHeapRatio,
      ),
      gauge('homeostat_ready', '1 when readiness passes, else 0.', () =>
        this.ready().ready ? 1 : 0,
      ),
      {
        name: 'homeostat_sidecar_events_total',
        help: 'Sidecar events: shed, deferred, rate_limited, timed_out, fault, internal_error, route_overflow.',
        type: 'counter',
        labelNames: [...svcLabel, 'event'],
        build: () =>
          (
            [
              ['shed_limiter', this.shedByLimiter],
              ['shed_overload', this.shedByOverload],
              ['shed_turn_delay', this.shedByTurnDelay],
              ['deferred', this.deferred],
              ['rate_limited', this.rateLimited],
              ['timed_out', this.timedOut],
              ['fault', this.faultsInjected],
              ['internal_error', this.internalErrors],
              ['route_overflow', this.routesOverflowed],
            ] as const
          ).map(([event, value]) => ({ labels: { ...global(), event }, value })),
      },
    ];
  }

  private registerPrometheus(prom: NonNullable<SidecarDeps['prometheus']>): void {
    for (const f of this.families) {
      const config = {
        name: f.name,
        help: f.help,
        labelNames: [...f.labelNames],
        registers: [prom.registry] as never[],
      };
      if (f.type === 'counter') {
        const m: { inc(l: Record<string, string>, v: number): void; reset(): void } =
          new prom.client.Counter({
            ...config,
            collect: () => {
              m.reset();
              for (const s of f.build()) m.inc(s.labels ?? {}, s.value);
            },
          });
      } else {
        const m: { set(l: Record<string, string>, v: number): void; reset(): void } =
          new prom.client.Gauge({
            ...config,
            collect: () => {
              m.reset();
              for (const s of f.build()) m.set(s.labels ?? {}, s.value);
            },
          });
      }
    }
  }

  stats(): SidecarStats {
    const shed = this.shedByLimiter + this.shedByOverload + this.shedByTurnDelay;
    return {
      inFlight: this.inFlight,
      observed: this.observed,
      shed,
      shedByLimiter: this.shedByLimiter,
      shedByOverload: this.shedByOverload,
      shedByTurnDelay: this.shedByTurnDelay,
      deferred: this.deferred,
      queued: this.queue.length - this.queueHead,
      rateLimited: this.rateLimited,
      timedOut: this.timedOut,
      faultsInjected: this.faultsInjected,
      internalErrors: this.internalErrors,
      routesOverflowed: this.routesOverflowed,
      routesEvicted: this.routesEvicted,
      routes: this.aggCount,
      shedFraction: this.overload?.shedFraction ?? 0,
      eventLoopDelayMs: this.overload?.lastDelayMs ?? 0,
      heapRatio: this.overload?.lastHeapRatio ?? 0,
      ...(this.limiter === undefined ? {} : { limiter: this.limiter.stats() }),
      ...(this.rateLimiter === undefined ? {} : { rateLimiter: this.rateLimiter.stats() }),
    };
  }

  private releaseChannel(): void {
    if (!this.channelHeld) return;
    this.channelHeld = false;
    releaseFinishChannel();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // Responses whose ends the channel is to report are still in flight: it is given up when
    // the last has ended (in `finish`), so that their places in the limiter are freed.
    if (this.watching === 0) this.releaseChannel();
    this.flush();
    for (const s of this.subs) s.unsubscribe();
    this.probe?.close();
    // Nothing measures load any more: a shed fraction left as it was would shed for good.
    this.overload?.stop();
    this.observations.complete();
    this.samples$.complete();
  }
}

interface QueuedRequest {
  readonly st: RequestState;
  readonly run: () => void;
  /** `run` is the adapter's continuation itself (no latency fault schedules it). */
  readonly host: boolean;
}

/**
 * The status of a response that ended without being sent in full (out of `finish`, which every
 * request runs). A response whose head never went out (only buffered, for one that waited
 * behind another on its connection: `bytesOut` is `UNSENT`) is the client's leaving (499), not
 * its own status.
 */
function unendedStatus(st: RequestState, status: number, bytesOut: number): number {
  if (st.aborted) return 500;
  if (st.timedOut) return 503;
  return st.res.headersSent && bytesOut !== UNSENT ? status : 499;
}

/** Throws `error` (from `process.nextTick`: an uncaught exception, as in a `request` listener). */
function rethrow(error: unknown): never {
  throw error;
}

interface FamilyDef {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  readonly labelNames: readonly string[];
  readonly build: () => MetricFamily['samples'];
}

/**
 * How a quantile is named in the sample series `latency_p<name>` (`0.999` → `99_9`), to 0.1 of
 * a percent: two quantiles may share a name (the options refuse that).
 */
export function quantileName(q: number): string {
  return String(Math.round(q * 1000) / 10).replace('.', '_');
}

/**
 * The observation of a finished request. `service` is in the literal rather than added
 * afterwards: a property added to an object literal lands outside the object, in a second
 * allocation.
 */
// eslint-disable-next-line max-params -- one call site, on the per-request path
function observationOf(
  st: RequestState,
  t: number,
  service: string | undefined,
  status: number,
  latencyMs: number,
  bytesOut: number,
): RequestObservation {
  return service === undefined
    ? {
        t,
        method: st.method,
        route: st.route,
        status,
        latencyMs,
        bytesIn: st.bytesIn,
        bytesOut,
        inFlight: st.inFlight,
        shed: st.shed,
      }
    : {
        t,
        service,
        method: st.method,
        route: st.route,
        status,
        latencyMs,
        bytesIn: st.bytesIn,
        bytesOut,
        inFlight: st.inFlight,
        shed: st.shed,
      };
}

/**
 * The request body's size as its `Content-Length` declares it (0 for an HTTP/1 request that
 * declares neither a length nor a transfer coding: it has no body), read from the raw header
 * list: touching `req.headers` would make Node build
 * the parsed header object for handlers that never need it.
 */
function contentLength(raw: readonly string[]): number | undefined {
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!;
    if (k.length === 14 && k.toLowerCase() === 'content-length') return Number(raw[i + 1]) || 0;
    if (k.length === 17 && k.toLowerCase() === 'transfer-encoding') chunked = true;
  }
  // Without `Content-Length`, an HTTP/1 request has a body only when it declares a transfer
  // coding (RFC 9112 §6.3), of a size known only once read; an HTTP/2 request (its header list
  // starts with pseudo-headers such as `:method`) may carry one either way. The sidecar does not
  // read bodies, so their size is unknown, not 0.
  return chunked || (raw.length > 0 && raw[0]!.charCodeAt(0) === 58) /* : */ ? undefined : 0;
}

/**
 * What `settle` passes `finish` as the size of a response it sent in full, for `finish` to
 * size (byte counts are never negative).
 */
const SIZED_AT_FINISH = -1;

/** The fields of Node's `OutgoingMessage` that {@link framedSize} reads. */
interface OutgoingFields {
  _header?: unknown;
  _contentLength?: unknown;
  _hasBody?: unknown;
  chunkedEncoding?: unknown;
  _sent100?: unknown;
}

/**
 * The size of a sent response as its head frames it: the head (status line and headers, which
 * Node writes one byte per character) plus the body length its `Content-Length` declares (Node
 * computes that header itself for `res.end(body)`), or no body where none may be sent (`HEAD`,
 * 204, 304). This is the response's length by HTTP's own rules, and what the connection wrote
 * for it whenever the header is true; it costs a few field reads where the socket's byte counter
 * costs a call into its native handle. -1 (ask the counter) when the head declares no length (a
 * chunked body, or one written before `end` without a `Content-Length`), after a `100 Continue`
 * (which the counter includes), and for objects that are not Node's.
 */
function framedSize(res: ServerResponse): number {
  // Keyed reads, as everywhere on the per-request path (see `P`).
  const r = res as unknown as OutgoingFields;
  const head = r[P.header];
  const length = r[P.contentLength];
  if (
    typeof head !== 'string' ||
    typeof length !== 'number' ||
    r[P.chunkedEncoding] !== false ||
    r[P.sent100] === true
  ) {
    return -1;
  }
  return r[P.hasBody] === false ? head.length : head.length + length;
}

/**
 * `EventEmitter.prototype.on`, called directly. A response whose prototype a framework has
 * replaced per request (Express does) makes every `res.on` lookup walk an uncached prototype
 * chain; `ServerResponse` does not override `on`, so calling the base method is the same
 * call without the lookup.
 */
// eslint-disable-next-line @typescript-eslint/unbound-method -- always called with .call(res, …)
const addListener = EventEmitter.prototype.on;

/**
 * True when the response was ended and all of it handed to the socket: what
 * `res.writableFinished` computes, read from the fields that getter reads (own properties of
 * every `OutgoingMessage`) so that no lookup walks a replaced prototype chain. Falls back to
 * the getter when those fields are missing.
 */
function completed(res: ServerResponse): boolean {
  const r = res as unknown as { finished?: unknown; outputSize?: unknown };
  const finished = r[P.finished];
  const outputSize = r[P.outputSize];
  if (typeof finished !== 'boolean' || typeof outputSize !== 'number') {
    return res.writableFinished;
  }
  if (!finished || outputSize !== 0) return false;
  const socket = res[P.socket];
  return socket === null || socket === undefined || socket.writableLength === 0;
}

function retryAfter(res: ServerResponse, seconds: number): void {
  if (!res.headersSent) res.setHeader('retry-after', String(seconds));
}

function respond(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}

/** The fields of Node's `OutgoingMessage` that `removeHeader` sets, which {@link forget} restores. */
const REMOVAL_FLAGS = ['sendDate', '_removedConnection', '_removedContLen', '_removedTE'] as const;

/**
 * Before a timeout answer whose headers have not gone out: drops every header the handler set,
 * and its status message. They belong to the handler's answer, not to the 503 (a stale
 * `Content-Length` would misframe it and stall the connection; `Content-Encoding` or
 * `Set-Cookie` would be wrong on it). Node's `removeHeader` also records that the handler did
 * not want `Connection`, `Content-Length`, `Transfer-Encoding` or `Date` generated; those flags
 * are put back as they were, so that the 503 is framed as any other.
 */
function forget(res: ServerResponse): void {
  const flags = res as unknown as Record<string, unknown>;
  const saved = REMOVAL_FLAGS.map((name) => flags[name]);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  REMOVAL_FLAGS.forEach((name, i) => {
    if (typeof saved[i] === 'boolean') flags[name] = saved[i];
  });
  // An own field of Node's HTTP/1 response; HTTP/2's compatibility response warns on any use.
  if (Object.hasOwn(res, 'statusMessage')) res.statusMessage = '';
}

/**
 * After a timeout answer, later writes by the handler become no-ops instead of errors: every
 * method of `ServerResponse` that sets headers or writes (Node throws `ERR_HTTP_HEADERS_SENT`
 * from the header setters once the 503 has gone out). The ones that take a completion callback
 * (`write`, `end`, `writeContinue`, `writeProcessing`, `writeEarlyHints`) still call it, without
 * an error and on the next tick as Node would: a handler that awaits it (backpressure-aware
 * streaming) would otherwise wait forever, holding its request.
 */
function neuter(res: ServerResponse): void {
  const self = res as unknown as Record<string, unknown>;
  const chain = (): ServerResponse => res;
  const complete = (...args: unknown[]): void => {
    const callback = args[args.length - 1];
    if (typeof callback === 'function') process.nextTick(callback);
  };
  self.writeHead = chain;
  self.setHeader = chain;
  self.appendHeader = chain;
  self.setHeaders = chain;
  self.removeHeader = noop;
  self.addTrailers = noop;
  self.flushHeaders = noop;
  self.writeContinue = complete;
  self.writeProcessing = complete;
  self.writeEarlyHints = complete;
  self.write = (...args: unknown[]): boolean => {
    complete(...args);
    return true;
  };
  self.end = (...args: unknown[]): ServerResponse => {
    complete(...args);
    return res;
  };
}

export { pathOf };
