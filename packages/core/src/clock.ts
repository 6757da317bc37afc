/** Something that tells the time in epoch milliseconds; a `SchedulerLike` has the same shape. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
}

/** Wall-clock time (`Date.now()`): the default for code outside RxJS. */
export const systemClock: Clock = { now: () => Date.now() };

const origin = performance.timeOrigin; // read once: the getter is slow on hot paths
/**
 * Monotonic time in milliseconds (`performance.now()` offset to the epoch at start): use it for
 * durations, which must not jump when the wall clock is adjusted.
 */
export const monotonicClock: Clock = {
  now: () => origin + performance.now(),
};

/** A clock that moves only when told to: for tests and replays. */
export interface ManualClock extends Clock {
  /** Moves time forward by `ms` (must be ≥ 0) and returns the new time. */
  advance(ms: number): number;
  /** Sets the time; it may not go backwards. */
  set(t: number): void;
}

/**
 * Creates a {@link ManualClock} starting at `start` (default 0).
 *
 * @throws {RangeError} when asked to move backwards or by a non-finite amount.
 * @example
 * ```ts
 * const clock = createManualClock(0);
 * const breaker = createCircuitBreaker(options, { clock });
 * clock.advance(30_000);
 * ```
 */
export function createManualClock(start = 0): ManualClock {
  if (!Number.isFinite(start))
    throw new RangeError(`createManualClock: start must be finite, got ${start}`);
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new RangeError(`ManualClock.advance: ms must be a finite number ≥ 0, got ${ms}`);
      t += ms;
      return t;
    },
    set(next: number) {
      if (!Number.isFinite(next) || next < t)
        throw new RangeError(`ManualClock.set: time may not go backwards (${t} → ${next})`);
      t = next;
    },
  };
}
