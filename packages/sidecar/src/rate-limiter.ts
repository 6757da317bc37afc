import { z } from 'zod';
import { monotonicClock, parseOptions, type Clock } from '@homeostat/core';

/** zod schema of {@link RateLimiterOptions}. */
export const rateLimiterOptionsSchema = z.strictObject({
  /** Tokens added per second to each key's bucket. */
  ratePerSecond: z.number().positive(),
  /** Bucket size: the burst a key may send at once. Default: `ratePerSecond` (one second's worth). */
  burst: z.number().min(1).optional(),
  /** Most keys tracked; the least recently used key is forgotten beyond this (and counted). */
  maxKeys: z.number().int().min(1).default(10_000),
});

/** Options of {@link createRateLimiter}. */
export type RateLimiterOptions = z.input<typeof rateLimiterOptionsSchema>;

/** Capabilities of {@link createRateLimiter}. */
export interface RateLimiterDeps {
  /** Monotonic time in ms. Default: `monotonicClock`. */
  readonly clock?: Clock;
}

/** Counters of a {@link RateLimiter}. */
export interface RateLimiterStats {
  /** Keys with a bucket now (count, at most `maxKeys`). */
  readonly keys: number;
  /** `take` calls that got a token since creation (count). */
  readonly allowed: number;
  /** `take` calls refused for lack of a token since creation (count). */
  readonly limited: number;
  /** Keys forgotten because `maxKeys` was reached. */
  readonly evicted: number;
}

/** Per-key token buckets. */
export interface RateLimiter {
  /**
   * Takes one token from `key`'s bucket. Returns 0 when allowed, otherwise the ms until a token
   * will be available (for `Retry-After`).
   */
  take(key: string): number;
  /** A snapshot of the limiter's counters (a new object each call). */
  stats(): RateLimiterStats;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Creates a per-key token-bucket {@link RateLimiter} with a bounded number of keys (LRU).
 *
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const limiter = createRateLimiter({ ratePerSecond: 10, burst: 20 });
 * const waitMs = limiter.take(clientIp);
 * if (waitMs > 0) return tooManyRequests(Math.ceil(waitMs / 1000));
 * ```
 */
export function createRateLimiter(
  options: RateLimiterOptions,
  deps: RateLimiterDeps = {},
): RateLimiter {
  const o = parseOptions(rateLimiterOptionsSchema, options, { source: 'createRateLimiter' });
  const clock = deps.clock ?? monotonicClock;
  const burst = o.burst ?? Math.max(1, o.ratePerSecond);
  const perMs = o.ratePerSecond / 1000;
  // A Map iterates in insertion order; re-inserting on use keeps the oldest key first.
  const buckets = new Map<string, Bucket>();
  let allowed = 0;
  let limited = 0;
  let evicted = 0;

  return {
    take(key) {
      const now = clock.now();
      let b = buckets.get(key);
      if (b === undefined) {
        if (buckets.size >= o.maxKeys) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
          evicted++;
        }
        b = { tokens: burst, at: now };
      } else {
        buckets.delete(key);
        b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.at) * perMs);
        b.at = now;
      }
      buckets.set(key, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        allowed++;
        return 0;
      }
      limited++;
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs));
    },
    stats() {
      return { keys: buckets.size, allowed, limited, evicted };
    },
  };
}
