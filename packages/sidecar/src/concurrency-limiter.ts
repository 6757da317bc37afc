import { z } from 'zod';
import { parseOptions } from '@homeostat/core';

/** zod schema of {@link ConcurrencyLimiterOptions}. */
export const concurrencyLimiterOptionsSchema = z
  .object({
    /** Limit before any latency has been measured. */
    initialLimit: z.number().int().min(1).default(20),
    /** The limit never goes below this. */
    minLimit: z.number().int().min(1).default(1),
    /** The limit never goes above this. */
    maxLimit: z.number().int().min(1).default(1000),
    /** How much latency may grow over its long-run average before the limit shrinks (≥ 1). */
    tolerance: z.number().min(1).default(1.5),
    /** Weight of each new limit estimate, in (0, 1]. */
    smoothing: z.number().gt(0).max(1).default(0.2),
    /** Samples in the short latency average. */
    shortWindow: z.number().int().min(1).default(10),
    /** Samples in the long (baseline) latency average. */
    longWindow: z.number().int().min(2).default(600),
    /** Head-room added to the limit each update; default √limit (at least 1). */
    queueSize: z.number().min(0).optional(),
    /** Multiplier applied to the limit when a request is dropped (timed out, failed with 5xx). */
    backoffRatio: z.number().gt(0).lt(1).default(0.9),
    /**
     * Partitions and the share of the limit each is guaranteed (shares sum to at most 1). A
     * partition may borrow unused capacity; when the limiter is full, a partition over its share
     * is refused first. Requests without a known partition use `default`.
     */
    partitions: z.record(z.string().min(1), z.number().gt(0).max(1)).optional(),
  })
  .refine((o) => o.minLimit <= o.maxLimit, {
    message: 'minLimit must be ≤ maxLimit',
    path: ['minLimit'],
  })
  .refine((o) => o.initialLimit >= o.minLimit && o.initialLimit <= o.maxLimit, {
    message: 'initialLimit must be between minLimit and maxLimit',
    path: ['initialLimit'],
  })
  .refine((o) => Object.values(o.partitions ?? {}).reduce((a, b) => a + b, 0) <= 1 + 1e-9, {
    message: 'partition shares must sum to at most 1',
    path: ['partitions'],
  });

/** Options of {@link createConcurrencyLimiter}. */
export type ConcurrencyLimiterOptions = z.input<typeof concurrencyLimiterOptionsSchema>;

/** Counters and state of a {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterStats {
  /** Current limit (integer part is what admission uses). */
  readonly limit: number;
  /** Slots taken and not yet released (count), forced ones included. */
  readonly inFlight: number;
  /** Slots granted since creation by `tryAcquire` or `forceAcquire` (count). */
  readonly admitted: number;
  /** `tryAcquire` calls refused since creation (count). */
  readonly rejected: number;
  /** Long-run (baseline) latency average, ms; `NaN` before the first sample. */
  readonly baselineMs: number;
  /** Short-run latency average, ms; `NaN` before the first sample. */
  readonly recentMs: number;
  /**
   * Per partition name (the configured ones plus `default`, which always exists): in flight,
   * guaranteed slots, rejected.
   */
  readonly partitions: Readonly<
    Record<
      string,
      {
        /** Slots of this partition taken and not yet released (count). */
        inFlight: number;
        /**
         * Slots reserved for this partition at the current limit: ⌊⌊limit⌋ × share⌋; 0 for
         * `default` unless it was given a share.
         */
        guaranteed: number;
        /** `tryAcquire` calls for this partition refused since creation (count). */
        rejected: number;
      }
    >
  >;
}

/**
 * An adaptive concurrency limiter: the limit follows measured latency (a gradient algorithm
 * in the style of Netflix concurrency-limits' Gradient2 and Envoy's adaptive concurrency).
 */
export interface ConcurrencyLimiter {
  /**
   * Tries to take a slot. Returns a partition slot id (≥ 0) to pass to `release`, or -1 when
   * the request should be shed. Never allocates.
   */
  tryAcquire(partition?: string): number;
  /**
   * Returns a slot taken with `tryAcquire`, with the request's latency in ms. `dropped` marks a
   * request that timed out or failed because of load; it shrinks the limit.
   */
  release(slot: number, latencyMs: number, dropped?: boolean): void;
  /** Takes a slot that is never refused (for requests that must not be shed); counted in flight. */
  forceAcquire(partition?: string): number;
  /** Current limit, rounded down. */
  readonly limit: number;
  /** Slots taken and not yet released (count), forced ones included. */
  readonly inFlight: number;
  /** A snapshot of the limiter's counters and state (a new object each call). */
  stats(): ConcurrencyLimiterStats;
}

/**
 * Creates an adaptive {@link ConcurrencyLimiter}.
 *
 * @remarks
 * After each request, with `short` and `long` the short- and long-run latency averages:
 * `gradient = clamp(tolerance · long / short, 0.5, 1)`, `target = limit · gradient + queueSize`,
 * `limit ← (1 − smoothing) · limit + smoothing · target`. The limit only grows while at least
 * half of it is in use, so an idle service doesn't inflate it, and it shrinks by `backoffRatio`
 * on each dropped request. When the long average has drifted above twice the short one it is
 * pulled down, so the baseline recovers after a slow period.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const limiter = createConcurrencyLimiter({ initialLimit: 10, partitions: { api: 0.8, batch: 0.2 } });
 * const slot = limiter.tryAcquire('api');
 * if (slot < 0) return shed();
 * const t0 = performance.now();
 * try { await work(); } finally { limiter.release(slot, performance.now() - t0); }
 * ```
 */
export function createConcurrencyLimiter(
  options: ConcurrencyLimiterOptions = {},
): ConcurrencyLimiter {
  const o = parseOptions(concurrencyLimiterOptionsSchema, options, {
    source: 'createConcurrencyLimiter',
  });
  const names = Object.keys(o.partitions ?? {});
  const shares = names.map((n) => o.partitions![n]!);
  if (!names.includes('default')) {
    names.push('default');
    shares.push(0);
  }
  const index = new Map(names.map((n, i) => [n, i] as const));
  const defaultIndex = index.get('default')!;
  const partInFlight = new Int32Array(names.length);
  const partRejected = new Float64Array(names.length);
  const guaranteed = new Int32Array(names.length);

  let limit = o.initialLimit;
  let inFlight = 0;
  let admitted = 0;
  let rejected = 0;
  let shortRtt = Number.NaN;
  let longRtt = Number.NaN;
  let samples = 0;
  const shortAlpha = 2 / (o.shortWindow + 1);
  const longAlpha = 2 / (o.longWindow + 1);
  // Read on every release: plain constants rather than loads from the parsed options object.
  const { minLimit, maxLimit, longWindow, backoffRatio, tolerance, smoothing, queueSize } = o;

  let guaranteedFor = -1;
  const refreshGuarantees = (): void => {
    const l = Math.floor(limit);
    if (l === guaranteedFor) return;
    guaranteedFor = l;
    for (let i = 0; i < shares.length; i++) guaranteed[i] = Math.floor(l * shares[i]!);
  };
  refreshGuarantees();

  const slotOf = (partition: string | undefined): number =>
    partition === undefined ? defaultIndex : (index.get(partition) ?? defaultIndex);

  const take = (slot: number): number => {
    inFlight++;
    partInFlight[slot]!++;
    admitted++;
    return slot;
  };

  return {
    tryAcquire(partition) {
      const slot = slotOf(partition);
      const l = Math.floor(limit);
      if (inFlight >= l) {
        rejected++;
        partRejected[slot]!++;
        return -1;
      }
      // Capacity that other partitions are guaranteed and not yet using is not ours to borrow.
      if (names.length > 1 && partInFlight[slot]! >= guaranteed[slot]!) {
        let reservedIdle = 0;
        for (let i = 0; i < names.length; i++) {
          if (i !== slot) reservedIdle += Math.max(0, guaranteed[i]! - partInFlight[i]!);
        }
        if (inFlight + reservedIdle >= l) {
          rejected++;
          partRejected[slot]!++;
          return -1;
        }
      }
      return take(slot);
    },
    forceAcquire(partition) {
      return take(slotOf(partition));
    },
    release(slot, latencyMs, dropped = false) {
      if (slot < 0 || slot >= names.length) return;
      if (inFlight > 0) inFlight--;
      if (partInFlight[slot]! > 0) partInFlight[slot]!--;
      if (dropped) {
        limit = Math.max(minLimit, limit * backoffRatio);
        refreshGuarantees();
        return;
      }
      if (!(latencyMs >= 0) || latencyMs === Infinity) return;
      const rtt = Math.max(latencyMs, 1e-3);
      samples++;
      if (samples === 1) {
        shortRtt = rtt;
        longRtt = rtt;
      } else {
        shortRtt += shortAlpha * (rtt - shortRtt);
        // Warm-up: a plain running mean until the long window has filled once.
        longRtt += (samples < longWindow ? 1 / samples : longAlpha) * (rtt - longRtt);
      }
      if (longRtt / shortRtt > 2) longRtt *= 0.95;
      const gradient = Math.max(0.5, Math.min(1, (tolerance * longRtt) / shortRtt));
      const queue = queueSize ?? Math.max(1, Math.sqrt(limit));
      let next = limit * gradient + queue;
      next = limit * (1 - smoothing) + next * smoothing;
      // Application-limited: don't grow a limit that isn't being used.
      if (next > limit && inFlight + 1 < limit / 2) return;
      limit = Math.max(minLimit, Math.min(maxLimit, next));
      refreshGuarantees();
    },
    get limit() {
      return Math.floor(limit);
    },
    get inFlight() {
      return inFlight;
    },
    stats() {
      const partitions: Record<string, { inFlight: number; guaranteed: number; rejected: number }> =
        {};
      names.forEach((n, i) => {
        partitions[n] = {
          inFlight: partInFlight[i]!,
          guaranteed: guaranteed[i]!,
          rejected: partRejected[i]!,
        };
      });
      return {
        limit,
        inFlight,
        admitted,
        rejected,
        baselineMs: longRtt,
        recentMs: shortRtt,
        partitions,
      };
    },
  };
}
