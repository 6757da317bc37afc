import { EventEmitter } from 'eventemitter3';
import { Observable, type Subscriber } from 'rxjs';
import { z } from 'zod';
import {
  ConfigError,
  monotonicClock,
  OperatorError,
  parseOptions,
  resolveOnError,
  type BreakerEvent,
  type BreakerState,
  type Clock,
  type Logger,
  type OnError,
} from '@homeostat/core';
import { BreakerOpenError } from './errors.js';
import { plainContext, type CallContext, type Policy, type Protected } from './policy.js';
import {
  ConsecutiveWindow,
  RateRule,
  CountWindow,
  TimeWindow,
  type FailureWindow,
} from './internal/windows.js';
import { isTimeoutError } from './internal/is-timeout.js';
import { isThenable } from './internal/invoke.js';

const positive = z.number().finite().positive();
const rate = z.number().gt(0).max(1);

const windowSchema = z.discriminatedUnion('type', [
  z
    .object({
      /** Trips after `failureThreshold` failures in a row; a success resets the run. */
      type: z.literal('consecutive'),
      /** Failures in a row that trip the breaker (integer ≥ 1). Default 5. */
      failureThreshold: z.number().int().min(1).default(5),
    })
    .strict(),
  z
    .object({
      /**
       * Judges the rates of the last `size` calls (see `minimumCalls`, `failureRateThreshold`,
       * `slowCallRateThreshold`).
       */
      type: z.literal('count'),
      /** Number of most recent calls the window holds (1–1,000,000). Default 100. */
      size: z.number().int().min(1).max(1_000_000).default(100),
    })
    .strict(),
  z
    .object({
      /**
       * Judges the rates of the calls of the last `durationMs` (see `minimumCalls`,
       * `failureRateThreshold`, `slowCallRateThreshold`).
       */
      type: z.literal('time'),
      /**
       * Length of history the window covers, in ms (> 0). Default 10,000. Buckets age out whole,
       * so the window holds between `durationMs - durationMs / buckets` and `durationMs` of calls.
       */
      durationMs: positive.default(10_000),
      /** Number of equal buckets the history is divided into (1–10,000). Default 10. */
      buckets: z.number().int().min(1).max(10_000).default(10),
    })
    .strict(),
]);

const windowJsonSchema = z.discriminatedUnion('type', [
  z.object({
    /** Contents of a `consecutive` window. */
    type: z.literal('consecutive'),
    /** The current run of failures in a row (integer ≥ 0). */
    failures: z.number().int().min(0),
  }),
  z.object({
    /** Contents of a `count` window. */
    type: z.literal('count'),
    /** Size of the saved window; it must equal the configured `window.size`. */
    size: z.number().int().min(1),
    /**
     * The recorded calls, oldest first, at most `size`: 0 success, 1 failure, 2 slow success,
     * 3 slow failure.
     */
    outcomes: z.array(z.number().int().min(0).max(3)),
  }),
  z.object({
    /** Contents of a `time` window. */
    type: z.literal('time'),
    /** Bucket count of the saved window; it must equal the configured `window.buckets`. */
    buckets: z.number().int().min(1),
    /** Clock time (ms) the current bucket started; -1 when the window has seen no call yet. */
    headStart: z.number().finite(),
    /** Index of the current bucket, in `0..buckets - 1`. */
    head: z.number().int().min(0),
    /** Calls recorded in each bucket, by bucket index (`buckets` entries). */
    calls: z.array(z.number().int().min(0)),
    /** Failures in each bucket, by bucket index (`buckets` entries, each ≤ its `calls`). */
    failures: z.array(z.number().int().min(0)),
    /** Slow calls in each bucket, by bucket index (`buckets` entries, each ≤ its `calls`). */
    slow: z.array(z.number().int().min(0)),
  }),
]);

const statsSchema = z.object({
  /** Calls let through (admitted). */
  calls: z.number().int().min(0),
  /** Admitted calls that succeeded. */
  successes: z.number().int().min(0),
  /** Failed calls that counted as failures (time-outs included). */
  failures: z.number().int().min(0),
  /** Failures that were time-outs (also counted in `failures`). */
  timeouts: z.number().int().min(0),
  /** Failed calls the `isFailure` predicate excluded. */
  ignored: z.number().int().min(0),
  /** Calls at least `slowCallDurationMs` long. */
  slow: z.number().int().min(0),
  /** Calls refused without running. */
  rejected: z.number().int().min(0),
  /** Permits given back without an outcome (an unsubscribed `protect` call). */
  cancelled: z.number().int().min(0),
  /** Times the breaker went to open from closed or half-open. */
  trips: z.number().int().min(0),
});

/** zod schema of {@link CircuitBreakerJSON}, used to check `initialState`. */
export const circuitBreakerJsonSchema = z.object({
  /** Format version; always 1. */
  version: z.literal(1),
  /** The underlying state; `forced-open` is not a state here but `isolations` above 0. */
  state: z.enum(['closed', 'open', 'half-open', 'disabled']),
  /** Outstanding {@link CircuitBreaker.isolate} holds (integer ≥ 0); above 0: forced open. */
  isolations: z.number().int().min(0),
  /**
   * Clock time (ms; epoch ms with the default clock) at which an `open` breaker lets trial calls
   * through; left over from the last trip in other states (0 if it never tripped).
   */
  openUntil: z.number(),
  /**
   * Failed half-open periods since the breaker last closed (integer ≥ 0): the exponent of the
   * open-duration backoff.
   */
  reopenCount: z.number().int().min(0),
  /**
   * Half-open trial outcomes decided so far (in-flight trials are not saved). Default none of
   * either.
   */
  trials: z
    .object({
      /** Trial calls that succeeded in the current half-open period (integer ≥ 0). */
      successes: z.number().int().min(0),
      /** Trial calls that failed or were slow in the current half-open period (integer ≥ 0). */
      failures: z.number().int().min(0),
    })
    .default({ successes: 0, failures: 0 }),
  /** Contents of the failure window; its type and size must match the configured `window`. */
  window: windowJsonSchema,
  /** Cumulative counters (see {@link BreakerStats}). */
  stats: statsSchema,
});

/** zod schema of {@link CircuitBreakerOptions}. */
export const circuitBreakerOptionsSchema = z
  .object({
    /** Name used in events, errors and the registry (non-empty). Default `'breaker'`. */
    name: z.string().min(1).default('breaker'),
    /**
     * The failure window that decides when a closed breaker trips: failures in a row
     * (`consecutive`), the last `size` calls (`count`) or the last `durationMs` (`time`).
     * Default `{ type: 'consecutive', failureThreshold: 5 }`.
     */
    window: windowSchema.default({ type: 'consecutive', failureThreshold: 5 }),
    /** Sliding windows: calls needed in the window before rates are judged (≥ 1). Default 10. */
    minimumCalls: z.number().int().min(1).default(10),
    /** Sliding windows: failure rate (0, 1] at or above which the breaker trips. Default 0.5. */
    failureRateThreshold: rate.default(0.5),
    /**
     * A call at least this long (ms, > 0) is slow; in half-open, a slow trial counts as failed.
     * Unset: no call is slow.
     */
    slowCallDurationMs: positive.optional(),
    /**
     * Sliding windows: slow-call rate (0, 1] at or above which the breaker trips. Default 1.
     * Ignored while `slowCallDurationMs` is unset.
     */
    slowCallRateThreshold: rate.default(1),
    /**
     * How long the breaker stays open before letting trial calls through, in ms (> 0). Default
     * 30,000.
     */
    openDurationMs: positive.default(30_000),
    /**
     * Grows the open duration each time a half-open trial fails; reset when the breaker closes.
     * Unset: every open period lasts `openDurationMs`.
     */
    backoff: z
      .object({
        /**
         * Factor the open duration grows by per failed half-open period (≥ 1; 1 = no growth).
         * Default 2.
         */
        multiplier: z.number().finite().min(1).default(2),
        /** Upper bound on the grown open duration, in ms (> 0). Default 300,000 (5 min). */
        maxOpenDurationMs: positive.default(300_000),
      })
      .strict()
      .optional(),
    /**
     * Trial calls in the half-open state: `successThreshold` successes close the breaker, more
     * than `permits - successThreshold` failures reopen it. Default `{ permits: 1 }`.
     */
    halfOpen: z
      .object({
        /** Trial calls let through per half-open period (1–1,000,000). Default 1. */
        permits: z.number().int().min(1).max(1_000_000).default(1),
        /** Trial successes that close the breaker (≤ permits). Default: `permits`. */
        successThreshold: z.number().int().min(1).optional(),
      })
      .strict()
      .prefault({})
      .refine((h) => h.successThreshold === undefined || h.successThreshold <= h.permits, {
        message: 'successThreshold must be ≤ permits',
        path: ['successThreshold'],
      }),
    /** State saved by {@link CircuitBreaker.toJSON}, to continue where a previous process left off. */
    initialState: circuitBreakerJsonSchema.optional(),
  })
  .strict();

/** Options of {@link createCircuitBreaker} (plain data; can come from JSON or YAML). */
export type CircuitBreakerOptions = z.input<typeof circuitBreakerOptionsSchema>;

/** Capabilities of a breaker: time, the error predicate and error reporting. */
export interface CircuitBreakerDeps {
  /** Source of time for open durations, windows, slow calls and event timestamps. Default: `monotonicClock`. */
  readonly clock?: Clock;
  /**
   * Which errors count as failures. Errors for which it returns false are *ignored*: they reach the
   * caller but count neither as success nor as failure. Default: every error counts.
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Receives listener throws (as `OperatorError`). Default: log through `logger`. */
  readonly onError?: OnError;
  /** Used by the default `onError`. Default: `console`. */
  readonly logger?: Logger;
}

/** Cumulative counters of a breaker since it was created (or restored). */
export interface BreakerStats {
  /** Calls let through (admitted). */
  readonly calls: number;
  /** Admitted calls that succeeded. */
  readonly successes: number;
  /** Failed calls that counted as failures (time-outs included). */
  readonly failures: number;
  /** Failures that were time-outs (also counted in `failures`). */
  readonly timeouts: number;
  /** Failed calls the `isFailure` predicate excluded. */
  readonly ignored: number;
  /** Calls at least `slowCallDurationMs` long. */
  readonly slow: number;
  /** Calls refused without running. */
  readonly rejected: number;
  /** Permits given back without an outcome (an unsubscribed `protect` call). */
  readonly cancelled: number;
  /** Times the breaker went to open from closed or half-open. */
  readonly trips: number;
}

/** Serialised breaker state (from {@link CircuitBreaker.toJSON}). */
export type CircuitBreakerJSON = z.output<typeof circuitBreakerJsonSchema>;

/** The current contents of the failure window. */
export interface BreakerWindowSnapshot {
  /** The kind of failure window configured (`options.window.type`). */
  readonly type: 'consecutive' | 'count' | 'time';
  /** Calls in the window (for `consecutive`: the current run of failures). */
  readonly calls: number;
  /** Failures in the window (for `consecutive`: the current run, equal to `calls`). */
  readonly failures: number;
  /** Slow calls in the window (always 0 for `consecutive`). */
  readonly slow: number;
  /** failures / calls, 0 when empty. */
  readonly failureRate: number;
  /** slow / calls, 0 when empty. */
  readonly slowCallRate: number;
}

/** A point-in-time health view of one breaker. */
export interface BreakerSnapshot {
  /** Name of the breaker. */
  readonly name: string;
  /** State at the time of the snapshot (an expired `open` reads as `half-open`). */
  readonly state: BreakerState;
  /** Clock time of the snapshot. */
  readonly t: number;
  /** Milliseconds until trial calls are let through; 0 unless open, `Infinity` when forced open. */
  readonly retryAfterMs: number;
  /** Outstanding {@link CircuitBreaker.isolate} holds. */
  readonly isolations: number;
  /** Calls running now. */
  readonly inFlight: number;
  /** Contents of the failure window at `t`. */
  readonly window: BreakerWindowSnapshot;
  /** Cumulative counters at `t`. */
  readonly stats: BreakerStats;
}

/** Types a breaker emits, plus `'event'` for all of them. */
export type BreakerEventType = BreakerEvent['type'] | 'event';

/** Removes a listener or subscription. Safe to call twice. */
export type Unsubscribe = () => void;

/** Anything with a name, a state, a health snapshot and a `BreakerEvent` stream: breakers and adapters. */
export interface BreakerSource {
  /** Name used in events and the registry. */
  readonly name: string;
  /** Current state. */
  readonly state: BreakerState;
  /** A point-in-time health view: state, window contents and counters. */
  snapshot(): BreakerSnapshot;
  /** Every event of the breaker, hot: subscribers see events from when they subscribe. */
  readonly events$: Observable<BreakerEvent>;
}

/**
 * One admitted call, for code that runs the call itself (the `protect` operator). Exactly one of
 * the three methods takes effect; later calls are ignored.
 */
export interface BreakerPermit {
  /** The call succeeded. */
  success(): void;
  /** The call failed with `error` (the `isFailure` predicate decides whether it counts). */
  failure(error: unknown): void;
  /** The call was abandoned without an outcome: the permit is given back, nothing is recorded. */
  cancel(): void;
}

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const DISABLED = 3;
type Base = typeof CLOSED | typeof OPEN | typeof HALF_OPEN | typeof DISABLED;
const BASE_NAMES: readonly BreakerState[] = ['closed', 'open', 'half-open', 'disabled'];
const BASE_OF: Readonly<Record<CircuitBreakerJSON['state'], Base>> = {
  closed: CLOSED,
  open: OPEN,
  'half-open': HALF_OPEN,
  disabled: DISABLED,
};

type Parsed = z.output<typeof circuitBreakerOptionsSchema>;

function makeWindow(o: Parsed): FailureWindow {
  const rule = new RateRule(
    o.minimumCalls,
    o.failureRateThreshold,
    o.slowCallDurationMs === undefined ? Number.POSITIVE_INFINITY : o.slowCallRateThreshold,
  );
  switch (o.window.type) {
    case 'consecutive':
      return new ConsecutiveWindow(o.window.failureThreshold);
    case 'count':
      return new CountWindow(o.window.size, rule);
    case 'time':
      return new TimeWindow(o.window.durationMs, o.window.buckets, rule);
  }
}

/**
 * A circuit breaker: stops calling a failing dependency, then tests it with a few trial calls.
 *
 * @remarks
 * States: `closed` (calls run and are recorded), `open` (calls are refused with
 * {@link BreakerOpenError} until the open duration passes), `half-open` (up to `permits` trial
 * calls run; `successThreshold` successes close it, more than `permits - successThreshold`
 * failures reopen it, with backoff when configured), `forced-open` (at least one
 * {@link CircuitBreaker.isolate} hold; every call is refused) and `disabled` (calls run and
 * nothing is recorded). Open → half-open happens lazily, at the first call, `state` read or
 * snapshot after the open duration.
 *
 * A call's outcome counts only if the breaker has not changed state (other than forced-open)
 * since the call was admitted; late results of older calls go to `stats` only.
 *
 * The protected function may throw synchronously (a failure), return a plain value (a success)
 * or never settle: such a call holds its place (a half-open permit) forever, so compose the
 * breaker with {@link createTimeout} (timeout inside the breaker) when that can happen.
 *
 * Recording is O(1) and allocation-free; the clock is read only when a window, slow-call rule
 * or listener needs it, and events are built only when someone listens.
 */
export class CircuitBreaker implements Policy, BreakerSource {
  /** Name used in events, errors and the registry. */
  readonly name: string;
  private readonly clock: Clock;
  private readonly isFailureFn: ((error: unknown) => boolean) | undefined;
  private readonly onError: OnError;
  private readonly window: FailureWindow;
  private readonly openDurationMs: number;
  private readonly backoffMultiplier: number;
  private readonly maxOpenDurationMs: number;
  private readonly permits: number;
  private readonly successThreshold: number;
  private readonly slowMs: number;

  private base: Base = CLOSED;
  private generation = 0;
  private isolations = 0;
  private openUntil = 0;
  private reopenCount = 0;
  private trialAdmitted = 0;
  private trialSuccesses = 0;
  private trialFailures = 0;
  private inFlight = 0;
  /** Read the clock when a call starts: slow-call rule or listeners (event durations). */
  private timesCalls: boolean;
  /** Read the clock when a call ends: the above, or a time window. */
  private readsClockOnSettle: boolean;
  private readonly slowRule: boolean;

  private nCalls = 0;
  private nSuccesses = 0;
  private nFailures = 0;
  private nTimeouts = 0;
  private nIgnored = 0;
  private nSlow = 0;
  private nRejected = 0;
  private nCancelled = 0;
  private nTrips = 0;

  private readonly emitter = new EventEmitter();
  private emitterListeners = 0;
  private readonly subscribers = new Set<Subscriber<BreakerEvent>>();
  private listening = false;
  private handlers: SettleHandlers | undefined = undefined;
  /** While settling a call, the state change is announced after the call's own event. */
  private muted = false;

  /** Every event of this breaker, hot: subscribers see events from when they subscribe. */
  readonly events$: Observable<BreakerEvent>;

  /** Use {@link createCircuitBreaker}, which validates the options. */
  constructor(options: Parsed, deps: CircuitBreakerDeps = {}) {
    this.name = options.name;
    this.clock = deps.clock ?? monotonicClock;
    this.isFailureFn = deps.isFailure;
    this.onError = resolveOnError(deps);
    this.window = makeWindow(options);
    this.openDurationMs = options.openDurationMs;
    this.backoffMultiplier = options.backoff?.multiplier ?? 1;
    this.maxOpenDurationMs = options.backoff?.maxOpenDurationMs ?? options.openDurationMs;
    this.permits = options.halfOpen.permits;
    this.successThreshold = options.halfOpen.successThreshold ?? options.halfOpen.permits;
    this.slowMs = options.slowCallDurationMs ?? Number.POSITIVE_INFINITY;
    this.slowRule = options.slowCallDurationMs !== undefined;
    this.timesCalls = this.slowRule;
    this.readsClockOnSettle = this.slowRule || this.window.needsTime;
    this.events$ = new Observable<BreakerEvent>((subscriber) => {
      this.subscribers.add(subscriber);
      this.updateListening();
      return () => {
        this.subscribers.delete(subscriber);
        this.updateListening();
      };
    });
    if (options.initialState) this.restore(options.initialState);
  }

  /** Current state (reading it may move an expired `open` to `half-open`). */
  get state(): BreakerState {
    if (this.isolations > 0) return 'forced-open';
    if (this.base === OPEN) this.maybeHalfOpen(this.clock.now());
    return BASE_NAMES[this.base]!;
  }

  /**
   * Runs `fn` through the breaker.
   *
   * @param fn - Receives a context whose `signal` is the caller's `signal` (or one that never aborts).
   * @returns `fn`'s result; its error when it fails (synchronous throws included).
   * @throws {BreakerOpenError} (as a rejection) when the breaker refuses the call.
   * @example
   * ```ts
   * const breaker = createCircuitBreaker({ name: 'payments' });
   * const receipt = await breaker.execute(({ signal }) => fetch(url, { signal }));
   * ```
   */
  execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> {
    const gen = this.admit();
    if (gen < 0) return Promise.reject(this.refusal());
    const start = this.timesCalls ? this.clock.now() : Number.NaN;
    this.inFlight++;
    let result: T | PromiseLike<T>;
    try {
      result = fn(signal === undefined ? plainContext() : ({ signal } satisfies CallContext));
    } catch (error) {
      this.settle(gen, start, error);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own error, unchanged
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      this.settle(gen, start, NO_ERROR);
      return Promise.resolve(result);
    }
    // The caller gets the call's own promise; the outcome is recorded by a side reaction that is
    // registered first, so the breaker has counted it before the caller resumes. This costs no
    // extra microtask hop for the caller, and no closure when the call is not timed.
    const promise = Promise.resolve(result);
    if (Number.isNaN(start)) {
      const h = this.handlersFor(gen);
      promise.then(h.ok, h.fail);
    } else {
      promise.then(
        () => this.settle(gen, start, NO_ERROR),
        (error: unknown) => this.settle(gen, start, error),
      );
    }
    return promise;
  }

  /** Outcome handlers of untimed calls, shared by every call of one generation. */
  private handlersFor(gen: number): SettleHandlers {
    let h = this.handlers;
    if (h === undefined || h.gen !== gen) {
      h = {
        gen,
        ok: () => this.settle(gen, Number.NaN, NO_ERROR),
        fail: (error: unknown) => this.settle(gen, Number.NaN, error),
      };
      this.handlers = h;
    }
    return h;
  }

  /**
   * Asks for one call's admission, for code that runs the call itself (the `protect` operator).
   *
   * @returns A permit to report the outcome through, or `undefined` when the call is refused (the
   * refusal is counted and emitted; {@link CircuitBreaker.refusal} gives the error to raise).
   * @example
   * ```ts
   * const permit = breaker.tryAcquire();
   * if (!permit) throw breaker.refusal();
   * try { const value = await work(); permit.success(); return value; }
   * catch (e) { permit.failure(e); throw e; }
   * ```
   */
  tryAcquire(): BreakerPermit | undefined {
    const gen = this.admit();
    if (gen < 0) return undefined;
    const start = this.timesCalls ? this.clock.now() : Number.NaN;
    this.inFlight++;
    let done = false;
    return {
      success: () => {
        if (done) return;
        done = true;
        this.settle(gen, start, NO_ERROR);
      },
      failure: (error: unknown) => {
        if (done) return;
        done = true;
        this.settle(gen, start, error);
      },
      cancel: () => {
        if (done) return;
        done = true;
        this.inFlight--;
        this.nCancelled++;
        if (gen === this.generation && this.base === HALF_OPEN) this.trialAdmitted--;
      },
    };
  }

  /** The error for a refused call, describing the current state and when to retry. */
  refusal(): BreakerOpenError {
    const now = this.clock.now();
    return new BreakerOpenError(this.name, {
      state: this.state,
      retryAfterMs: this.retryAfter(now),
    });
  }

  private retryAfter(now: number): number {
    if (this.isolations > 0) return Number.POSITIVE_INFINITY;
    return this.base === OPEN ? Math.max(0, this.openUntil - now) : 0;
  }

  /** Returns the generation the call was admitted in, or -1 when refused. */
  private admit(): number {
    if (this.isolations === 0) {
      const base = this.base;
      if (base === CLOSED || base === DISABLED) {
        this.nCalls++;
        return this.generation;
      }
      if (base === OPEN) this.maybeHalfOpen(this.clock.now());
      if (this.base === HALF_OPEN && this.trialAdmitted < this.permits) {
        this.trialAdmitted++;
        this.nCalls++;
        return this.generation;
      }
    }
    this.nRejected++;
    if (this.listening)
      this.emit({ breaker: this.name, type: 'rejected', t: this.clock.now(), state: this.state });
    return -1;
  }

  private settle(gen: number, start: number, error: unknown): void {
    this.inFlight--;
    const failed = error !== NO_ERROR;
    let counted = true;
    if (failed && this.isFailureFn !== undefined) {
      try {
        counted = this.isFailureFn(error);
      } catch (cause) {
        this.onError(new OperatorError(`${this.name}.isFailure`, error, { cause }));
      }
    }
    const now = this.readsClockOnSettle ? this.clock.now() : Number.NaN;
    const duration = now - start;
    const slow = duration >= this.slowMs;
    let timeout = false;
    if (!failed) this.nSuccesses++;
    else if (!counted) this.nIgnored++;
    else {
      this.nFailures++;
      timeout = isTimeoutError(error);
      if (timeout) this.nTimeouts++;
    }
    if (slow && (counted || !failed)) this.nSlow++;

    const before = this.listening ? this.effective() : 'closed';
    this.muted = true;
    if (gen === this.generation) {
      if (this.base === CLOSED) {
        if ((counted || !failed) && this.window.record(failed, slow, now)) this.trip(now);
      } else if (this.base === HALF_OPEN) {
        if (failed && !counted) this.trialAdmitted--;
        else if (failed || slow) {
          this.trialFailures++;
          if (this.trialFailures > this.permits - this.successThreshold) {
            this.reopenCount++;
            this.trip(now);
          }
        } else {
          this.trialSuccesses++;
          if (this.trialSuccesses >= this.successThreshold) this.toBase(CLOSED, now);
        }
      }
    }
    if (!this.listening) {
      this.muted = false;
      return;
    }
    // Still muted: reading `state` may move an expired open period to half-open, and that change
    // is announced once, below, after the call's own event.
    const state = this.state;
    this.muted = false;
    if (counted || !failed) {
      const durationMs = Number.isNaN(duration) ? undefined : Math.max(0, duration);
      const base = { breaker: this.name, t: now, state };
      const withDuration = durationMs === undefined ? base : { ...base, durationMs };
      this.emit(
        failed
          ? { ...withDuration, type: timeout ? 'timeout' : 'failure', error: describe(error) }
          : { ...withDuration, type: 'success' },
      );
    }
    this.announce(before, now);
  }

  private currentOpenDuration(): number {
    if (this.reopenCount === 0 || this.backoffMultiplier === 1) return this.openDurationMs;
    return Math.min(
      this.maxOpenDurationMs,
      this.openDurationMs * this.backoffMultiplier ** this.reopenCount,
    );
  }

  private trip(at: number): void {
    const now = Number.isNaN(at) ? this.clock.now() : at;
    this.nTrips++;
    this.openUntil = now + this.currentOpenDuration();
    this.toBase(OPEN, now);
  }

  private maybeHalfOpen(now: number): void {
    if (now >= this.openUntil) this.toBase(HALF_OPEN, now);
  }

  private effective(): BreakerState {
    return this.isolations > 0 ? 'forced-open' : BASE_NAMES[this.base]!;
  }

  private toBase(next: Base, now: number, before: BreakerState = this.effective()): void {
    this.base = next;
    this.generation++;
    this.trialAdmitted = 0;
    this.trialSuccesses = 0;
    this.trialFailures = 0;
    if (next === CLOSED) {
      this.window.reset();
      this.reopenCount = 0;
    }
    this.announce(before, now);
  }

  private announce(before: BreakerState, now: number): void {
    if (!this.listening || this.muted) return;
    const after = this.effective();
    if (after === before) return;
    const t = Number.isNaN(now) ? this.clock.now() : now;
    this.emit({ breaker: this.name, type: 'state-change', t, state: after, from: before });
  }

  /**
   * Opens the breaker now, as if it had tripped (for runbooks). It moves to half-open after the open
   * duration, like any trip.
   */
  open(): void {
    this.trip(this.clock.now());
  }

  /** Closes the breaker now and clears its failure window (for runbooks). Isolation holds stay. */
  close(): void {
    this.toBase(CLOSED, this.clock.now());
  }

  /** Lets every call through and records nothing until {@link CircuitBreaker.enable}. */
  disable(): void {
    this.toBase(DISABLED, this.clock.now());
  }

  /** Ends {@link CircuitBreaker.disable}: the breaker closes with an empty window. No-op unless disabled. */
  enable(): void {
    if (this.base === DISABLED) this.toBase(CLOSED, this.clock.now());
  }

  /**
   * Forces the breaker open until every hold is released (a reference count, so two runbooks can
   * isolate the same dependency independently).
   *
   * @returns A release function for this hold; calling it more than once has no further effect.
   * @example
   * ```ts
   * const release = breaker.isolate();
   * await drainAndFailOver();
   * release(); // back to closed when no other hold remains
   * ```
   */
  isolate(): () => void {
    const before = this.state;
    this.isolations++;
    this.announce(before, this.clock.now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /**
   * Releases one isolation hold (for runbooks that did not keep the handle). When the last hold
   * goes, the breaker closes with an empty window (or stays disabled if it was disabled).
   *
   * @returns The number of holds left. Releasing with no hold is a no-op that returns 0.
   */
  release(): number {
    if (this.isolations === 0) return 0;
    this.isolations--;
    if (this.isolations === 0) {
      const now = this.clock.now();
      if (this.base === DISABLED) this.announce('forced-open', now);
      else this.toBase(CLOSED, now, 'forced-open');
    }
    return this.isolations;
  }

  /** Back to a fresh closed breaker: holds, window, backoff and statistics cleared. */
  reset(): void {
    const now = this.clock.now();
    const before = this.state;
    this.isolations = 0;
    this.nCalls = this.nSuccesses = this.nFailures = this.nTimeouts = 0;
    this.nIgnored = this.nSlow = this.nRejected = this.nCancelled = this.nTrips = 0;
    this.base = CLOSED;
    this.generation++;
    this.trialAdmitted = this.trialSuccesses = this.trialFailures = 0;
    this.window.reset();
    this.reopenCount = 0;
    this.announce(before, now);
  }

  /** Cumulative counters. */
  get stats(): BreakerStats {
    return {
      calls: this.nCalls,
      successes: this.nSuccesses,
      failures: this.nFailures,
      timeouts: this.nTimeouts,
      ignored: this.nIgnored,
      slow: this.nSlow,
      rejected: this.nRejected,
      cancelled: this.nCancelled,
      trips: this.nTrips,
    };
  }

  /** A health view: state, window contents and counters. */
  snapshot(): BreakerSnapshot {
    const now = this.clock.now();
    const state = this.state;
    const c = this.window.counts(now);
    return {
      name: this.name,
      state,
      t: now,
      retryAfterMs: this.retryAfter(now),
      isolations: this.isolations,
      inFlight: this.inFlight,
      window: {
        type: this.window.type,
        calls: c.calls,
        failures: c.failures,
        slow: c.slow,
        failureRate: c.calls === 0 ? 0 : c.failures / c.calls,
        slowCallRate: c.calls === 0 ? 0 : c.slow / c.calls,
      },
      stats: this.stats,
    };
  }

  /**
   * Saves the state to plain JSON; pass it back as `initialState` to continue after a restart.
   * In-flight trial calls are not saved (a restored half-open breaker starts its trials afresh).
   */
  toJSON(): CircuitBreakerJSON {
    return {
      version: 1,
      state: BASE_NAMES[this.base] as CircuitBreakerJSON['state'],
      isolations: this.isolations,
      openUntil: this.openUntil,
      reopenCount: this.reopenCount,
      trials:
        this.base === HALF_OPEN
          ? { successes: this.trialSuccesses, failures: this.trialFailures }
          : { successes: 0, failures: 0 },
      window: this.window.toJSON() as CircuitBreakerJSON['window'],
      stats: this.stats,
    };
  }

  private restore(json: CircuitBreakerJSON): void {
    const problem = this.window.restore(json.window);
    if (problem !== undefined)
      throw new ConfigError([{ path: 'initialState.window', message: problem }], {
        source: this.name,
      });
    if (json.state === 'half-open') {
      // A half-open period saved under other `halfOpen` settings may no longer fit: with its
      // trials already at `permits` no call would be admitted, and none would settle to close or
      // reopen it, so the breaker would refuse every call forever.
      const { successes, failures } = json.trials;
      const maxFailures = this.permits - this.successThreshold;
      if (
        successes + failures > this.permits ||
        successes >= this.successThreshold ||
        failures > maxFailures
      )
        throw new ConfigError(
          [
            {
              path: 'initialState.trials',
              message: `half-open trials (${successes} successes, ${failures} failures) do not fit halfOpen (permits ${this.permits}, successThreshold ${this.successThreshold}): at most ${this.permits} trials, fewer than ${this.successThreshold} successes and at most ${maxFailures} failures`,
            },
          ],
          { source: this.name },
        );
    }
    this.base = BASE_OF[json.state];
    this.isolations = json.isolations;
    this.openUntil = json.openUntil;
    this.reopenCount = json.reopenCount;
    if (this.base === HALF_OPEN) {
      this.trialSuccesses = json.trials.successes;
      this.trialFailures = json.trials.failures;
      this.trialAdmitted = json.trials.successes + json.trials.failures;
    }
    const s = json.stats;
    this.nCalls = s.calls;
    this.nSuccesses = s.successes;
    this.nFailures = s.failures;
    this.nTimeouts = s.timeouts;
    this.nIgnored = s.ignored;
    this.nSlow = s.slow;
    this.nRejected = s.rejected;
    this.nCancelled = s.cancelled;
    this.nTrips = s.trips;
  }

  /**
   * Listens to one event type, or to every event with `'event'`.
   *
   * @returns A function that removes the listener. A throwing listener is reported through
   * `onError` and does not affect the call.
   * @example
   * ```ts
   * const off = breaker.on('state-change', (e) => log.warn(`${e.breaker}: ${e.from} → ${e.state}`));
   * ```
   */
  on(type: BreakerEventType, listener: (event: BreakerEvent) => void): Unsubscribe {
    this.emitter.on(type, listener);
    this.emitterListeners++;
    this.updateListening();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.emitter.off(type, listener);
      this.emitterListeners--;
      this.updateListening();
    };
  }

  private updateListening(): void {
    this.listening = this.emitterListeners > 0 || this.subscribers.size > 0;
    this.timesCalls = this.slowRule || this.listening;
    this.readsClockOnSettle = this.timesCalls || this.window.needsTime;
  }

  private emit(event: BreakerEvent): void {
    for (const s of this.subscribers) s.next(event);
    if (this.emitterListeners === 0) return;
    try {
      this.emitter.emit(event.type, event);
      this.emitter.emit('event', event);
    } catch (cause) {
      this.onError(new OperatorError(`${this.name} listener`, event, { cause }));
    }
  }
}

const NO_ERROR: unique symbol = Symbol('no error');

interface SettleHandlers {
  readonly gen: number;
  readonly ok: () => void;
  readonly fail: (error: unknown) => void;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return 'unprintable error';
  }
}

/**
 * Creates a {@link CircuitBreaker}.
 *
 * @param options - Window, thresholds, open duration, half-open trials (see the README table).
 * @param deps - Clock, `isFailure` predicate, `onError`.
 * @throws {ConfigError} when an option is invalid (the issue names the field, e.g. `window.size`)
 * or `initialState` does not fit the configured window (or, half-open, `halfOpen`).
 * @example
 * ```ts
 * const breaker = createCircuitBreaker({
 *   name: 'payments',
 *   window: { type: 'time', durationMs: 10_000, buckets: 10 },
 *   minimumCalls: 20,
 *   failureRateThreshold: 0.5,
 *   openDurationMs: 5_000,
 * });
 * ```
 */
export function createCircuitBreaker(
  options: CircuitBreakerOptions = {},
  deps: CircuitBreakerDeps = {},
): CircuitBreaker {
  const parsed = parseOptions(circuitBreakerOptionsSchema, options, {
    source: `createCircuitBreaker(${typeof options.name === 'string' ? options.name : ''})`,
  });
  return new CircuitBreaker(parsed, deps);
}
