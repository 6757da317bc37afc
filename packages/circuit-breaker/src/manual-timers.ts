import type { ManualClock } from '@homeostat/core';
import type { Timers } from './timers.js';

/** {@link Timers} driven by a manual clock, for tests. */
export interface ManualTimers extends Timers {
  /** Advances the clock by `ms`, running every timer that falls due, in deadline order. */
  advance(ms: number): void;
  /** Timers scheduled and not yet run or cleared. */
  readonly pending: number;
}

interface Entry {
  readonly id: number;
  readonly at: number;
  readonly callback: () => void;
}

/**
 * Creates {@link ManualTimers} on a `ManualClock` from `@homeostat/core`.
 *
 * @example
 * ```ts
 * const clock = createManualClock(0);
 * const timers = createManualTimers(clock);
 * const timeout = createTimeout({ timeoutMs: 100 }, { clock, timers });
 * const p = timeout.execute(() => new Promise(() => {}));
 * timers.advance(100); // p rejects with TimeoutError
 * ```
 */
export function createManualTimers(clock: ManualClock): ManualTimers {
  let entries: Entry[] = [];
  let nextId = 1;
  return {
    setTimeout(callback, ms) {
      const id = nextId++;
      entries.push({ id, at: clock.now() + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      entries = entries.filter((e) => e.id !== handle);
    },
    get pending() {
      return entries.length;
    },
    advance(ms) {
      const target = clock.now() + ms;
      for (;;) {
        let due: Entry | undefined;
        for (const e of entries)
          if (e.at <= target && (due === undefined || e.at < due.at)) due = e;
        if (due === undefined) break;
        const run = due;
        entries = entries.filter((e) => e !== run);
        if (run.at > clock.now()) clock.set(run.at);
        run.callback();
      }
      if (target > clock.now()) clock.set(target);
    },
  };
}
