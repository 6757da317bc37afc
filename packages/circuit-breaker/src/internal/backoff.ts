import { z } from 'zod';

/** Longest delay a timer supports (Node fires a longer one after 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

/** zod schema of the backoff part shared by `createRetry` and `retryWithBackoff`. */
export const backoffSchema = z.object({
  /** Attempts in total, the first call included (1–1,000; 1 = no retry). Default 3. */
  maxAttempts: z.number().int().min(1).max(1_000).default(3),
  /**
   * Delay before the first retry in ms (0 to 2^31 - 1, the timer limit), the base of the
   * exponential. Default 100.
   */
  initialDelayMs: z.number().finite().min(0).max(MAX_TIMER_MS).default(100),
  /**
   * Upper bound of any delay, in ms (0 to 2^31 - 1: a longer timer would fire at once).
   * Default 30,000.
   */
  maxDelayMs: z.number().finite().min(0).max(MAX_TIMER_MS).default(30_000),
  /** Growth factor of the delay per retry (≥ 1; 1 = constant). Default 2. */
  multiplier: z.number().finite().min(1).default(2),
  /**
   * `none`: exact exponential; `full`: uniform in [0, exponential]; `decorrelated`: uniform in
   * [initial, 3 × previous], capped at `maxDelayMs`. Default `'full'`.
   */
  jitter: z.enum(['none', 'full', 'decorrelated']).default('full'),
});

export type BackoffOptions = z.output<typeof backoffSchema>;

/** The delays of one retried execution, one per retry. */
export interface Backoff {
  /** Delay before retry number `retry` (1-based). */
  next(retry: number): number;
}

/** Creates the delay sequence of one execution; `random` returns values in [0, 1). */
export function createBackoff(o: BackoffOptions, random: () => number): Backoff {
  let previous = o.initialDelayMs;
  return {
    next(retry) {
      // A zero base stays zero (0 × Infinity would be NaN after many retries).
      const exp =
        o.initialDelayMs === 0
          ? 0
          : Math.min(o.maxDelayMs, o.initialDelayMs * o.multiplier ** (retry - 1));
      switch (o.jitter) {
        case 'none':
          return exp;
        case 'full':
          return random() * exp;
        case 'decorrelated': {
          const low = o.initialDelayMs;
          const high = Math.max(low, previous * 3);
          previous = Math.min(o.maxDelayMs, low + random() * (high - low));
          return previous;
        }
      }
    },
  };
}
