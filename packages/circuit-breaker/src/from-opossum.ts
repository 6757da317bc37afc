import { Observable, type Subscriber } from 'rxjs';
import { monotonicClock, type BreakerEvent, type BreakerState, type Clock } from '@homeostat/core';
import type { BreakerSnapshot, BreakerStats, BreakerSource } from './circuit-breaker.js';
import type { BreakerControls } from './registry.js';

/**
 * The parts of an opossum 9 `CircuitBreaker` the adapter uses. Declared structurally so this
 * package never imports opossum (an optional peer): any opossum breaker instance fits.
 */
export interface OpossumLike {
  /** The breaker's name (the adapter's default name). */
  readonly name: string;
  /** True while the breaker is open. */
  readonly opened: boolean;
  /** True while the breaker is half-open. */
  readonly halfOpen: boolean;
  /** False after `disable()`: read as `disabled`. */
  readonly enabled: boolean;
  /** True after `shutdown()`: read as `disabled`. */
  readonly isShutdown: boolean;
  /** opossum's rolling-window counters, used for the window in `snapshot()`. */
  readonly stats: {
    /** Successful calls in opossum's rolling window. */
    readonly successes: number;
    /** Failed calls in opossum's rolling window (time-outs included). */
    readonly failures: number;
    /** Timed-out calls in opossum's rolling window. */
    readonly timeouts: number;
    /** Calls rejected without running, in opossum's rolling window. */
    readonly rejects: number;
  };
  // opossum's listener arguments vary per event; the adapter reads them defensively.
  /** Adds an event listener (the adapter listens to call and state events). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...args: any[]) => void): unknown;
  /** Removes a listener added with `on` (used by `dispose()`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
  /** Opens the breaker (opossum's manual open). */
  open(): void;
  /** Closes the breaker (opossum's manual close). */
  close(): void;
}

/** Options of {@link fromOpossum}. */
export interface FromOpossumDeps {
  /** Timestamps of the events. Default: `monotonicClock`. */
  readonly clock?: Clock;
  /** Name in events and the registry. Default: the opossum breaker's `name`. */
  readonly name?: string;
}

/** An opossum breaker seen as a Homeostat {@link BreakerSource}. */
export interface OpossumSource extends BreakerSource, BreakerControls {
  /** Opens the opossum breaker. */
  open(): void;
  /** Closes the opossum breaker. */
  close(): void;
  /**
   * Stops listening to the opossum breaker and completes `events$` (a registry holding the
   * adapter keeps its merged stream open).
   */
  dispose(): void;
}

function errorMessage(error: unknown): string | undefined {
  if (error instanceof Error) return error.message;
  if (error === undefined) return undefined;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error);
  } catch {
    return 'unprintable error';
  }
}

/**
 * Adapts an existing opossum breaker to the same `BreakerEvent` stream and health snapshot as a
 * Homeostat breaker, so a service already on opossum joins the loop without rewriting.
 *
 * @remarks
 * It listens to the instance it is given (`success`, `failure`, `timeout`, `reject`, `open`,
 * `halfOpen`, `close`, `shutdown`) and changes nothing in it. opossum emits `failure` after every
 * `timeout`; the adapter reports that call once, as `timeout`. Counters in `stats` count events
 * seen since adaptation; the window in `snapshot()` is opossum's own rolling window. opossum has
 * no forced-open state: a manual `open()` reads as `open`; `disable()` emits nothing in opossum,
 * so `disabled` shows in `state` and snapshots but not as an event.
 * @example
 * ```ts
 * import CircuitBreaker from 'opossum';
 * const legacy = new CircuitBreaker(callInventory, { name: 'inventory', timeout: 1000 });
 * registry.add(fromOpossum(legacy));
 * ```
 */
export function fromOpossum(breaker: OpossumLike, deps: FromOpossumDeps = {}): OpossumSource {
  const clock = deps.clock ?? monotonicClock;
  const name = deps.name ?? breaker.name;
  const subscribers = new Set<Subscriber<BreakerEvent>>();
  const counts = { calls: 0, successes: 0, failures: 0, timeouts: 0, rejected: 0, trips: 0 };
  let lastTimeout: unknown = undefined;

  const readState = (): BreakerState => {
    if (breaker.isShutdown || !breaker.enabled) return 'disabled';
    if (breaker.halfOpen) return 'half-open';
    if (breaker.opened) return 'open';
    return 'closed';
  };
  let known: BreakerState = readState();

  const emit = (event: BreakerEvent): void => {
    for (const s of subscribers) s.next(event);
  };
  const base = (
    type: BreakerEvent['type'],
  ): { breaker: string; type: BreakerEvent['type']; t: number; state: BreakerState } => ({
    breaker: name,
    type,
    t: clock.now(),
    state: readState(),
  });
  const withCall = (
    event: ReturnType<typeof base>,
    latency: unknown,
    error?: unknown,
  ): BreakerEvent => {
    const out: { -readonly [K in keyof BreakerEvent]: BreakerEvent[K] } = { ...event };
    if (typeof latency === 'number' && Number.isFinite(latency) && latency >= 0)
      out.durationMs = latency;
    const message = errorMessage(error);
    if (message !== undefined) out.error = message;
    return out;
  };
  const stateChange = (): void => {
    const now = readState();
    if (now === known) return;
    if (now === 'open' && known !== 'open') counts.trips++;
    const from = known;
    known = now;
    emit({ ...base('state-change'), state: now, from });
  };

  const listeners: Record<string, (...args: unknown[]) => void> = {
    success: (_result, latency) => {
      counts.calls++;
      counts.successes++;
      emit(withCall(base('success'), latency));
    },
    failure: (error, latency) => {
      if (error !== undefined && error === lastTimeout) {
        lastTimeout = undefined;
        return;
      }
      counts.calls++;
      counts.failures++;
      emit(withCall(base('failure'), latency, error));
    },
    timeout: (error, latency) => {
      lastTimeout = error;
      counts.calls++;
      counts.failures++;
      counts.timeouts++;
      emit(withCall(base('timeout'), latency, error));
    },
    reject: (error) => {
      counts.rejected++;
      emit(withCall(base('rejected'), undefined, error));
    },
    open: stateChange,
    halfOpen: stateChange,
    close: stateChange,
    shutdown: () => {
      // opossum emits `shutdown` before disabling itself; report the end state.
      const from = known;
      known = 'disabled';
      if (from !== 'disabled') emit({ ...base('state-change'), state: 'disabled', from });
    },
  };
  for (const [event, listener] of Object.entries(listeners)) breaker.on(event, listener);

  const snapshot = (): BreakerSnapshot => {
    const s = breaker.stats;
    const calls = s.successes + s.failures;
    const stats: BreakerStats = {
      calls: counts.calls,
      successes: counts.successes,
      failures: counts.failures,
      timeouts: counts.timeouts,
      ignored: 0,
      slow: 0,
      rejected: counts.rejected,
      cancelled: 0,
      trips: counts.trips,
    };
    return {
      name,
      state: readState(),
      t: clock.now(),
      retryAfterMs: 0,
      isolations: 0,
      inFlight: 0,
      window: {
        type: 'time',
        calls,
        failures: s.failures,
        slow: 0,
        failureRate: calls === 0 ? 0 : s.failures / calls,
        slowCallRate: 0,
      },
      stats,
    };
  };

  return {
    name,
    get state() {
      return readState();
    },
    snapshot,
    events$: new Observable<BreakerEvent>((subscriber) => {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    }),
    open: () => breaker.open(),
    close: () => breaker.close(),
    dispose() {
      for (const [event, listener] of Object.entries(listeners))
        breaker.removeListener(event, listener);
      for (const s of subscribers) s.complete();
      subscribers.clear();
    },
  };
}
