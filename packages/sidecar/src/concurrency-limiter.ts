import { z } from 'zod';
import { parseOptions } from '@homeostat/core';

/** zod schema of {@link ConcurrencyLimiterOptions}. */
export const concurrencyLimiterOptionsSchema = z
  .strictObject({
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
  /**
   * Folds `count` latency samples whose mean is `meanMs` into the limit at once, as `count`
   * `release` calls with that latency would: exactly for `count` 1; for more, the averages
   * exactly and the limit within a few percent (each step's latency ratio is taken as its mean
   * over the batch, and the head-room as its value halfway through). For callers that release
   * slots with `release(slot, NaN)` and take the latencies in batches, as the sidecar does once
   * per event-loop turn. A `meanMs` that is not a finite number ≥ 0 is ignored, as in
   * `release`.
   * @throws {RangeError} when `count` is not an integer ≥ 1.
   */
  recordLatency(meanMs: number, count?: number): void;
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
 * pulled down, so the baseline recovers after a slow period. `recordLatency` takes several
 * requests' latencies in one step, for callers that release slots first and measure in batches.
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
  return new GradientLimiter(o);
}

type ParsedLimiterOptions = z.output<typeof concurrencyLimiterOptionsSchema>;

/** Powers kept per fixed base: a batch (one event-loop turn's requests) is rarely larger. */
const POWERS = 65;

/**
 * `base ** n` for n from 0 to {@link POWERS} − 1, computed once: `**` is a call into V8's C
 * library, and the limiter raises its two fixed smoothing factors to a batch's size at every
 * batch. The table holds the very values `**` returns.
 */
function powersOf(base: number): Float64Array {
  const table = new Float64Array(POWERS);
  for (let n = 0; n < POWERS; n++) table[n] = base ** n;
  return table;
}

/** `base ** n`, from `base`'s table ({@link powersOf}) when `n` is in it. */
function power(table: Float64Array, base: number, n: number): number {
  return n < POWERS ? table[n]! : base ** n;
}

/**
 * The limiter behind {@link createConcurrencyLimiter}: a class with plain number fields, since
 * the sidecar calls `tryAcquire` and `release` on every request.
 */
class GradientLimiter implements ConcurrencyLimiter {
  private readonly names: string[];
  private readonly shares: number[];
  private readonly index: Map<string, number>;
  private readonly defaultIndex: number;
  /**
   * True when `default` is the only partition: admission is one comparison, and its count in
   * flight is `taken` (the per-partition array is not kept: a typed array's backing store is
   * one more cache line per request to load, on a path where little else stays cached).
   */
  private readonly single: boolean;
  /** Slots in use by partition (unused with a single partition, see {@link single}). */
  private readonly partInFlight: Int32Array;
  private readonly partRejected: Float64Array;
  private readonly guaranteed: Int32Array;

  private current: number;
  /** `Math.floor(current)`, what admission compares with. */
  private whole: number;
  private taken = 0;
  private admitted = 0;
  private rejected = 0;
  private shortRtt = Number.NaN;
  private longRtt = Number.NaN;
  private samples = 0;
  /** What an exponential-average step keeps of the old value: 1 − 2/(window + 1). */
  private readonly shortKeep: number;
  /** `shortKeep ** n` and `longKeep ** n` for n below {@link POWERS} (see {@link powersOf}). */
  private readonly shortKeepPow: Float64Array;
  private readonly longKeepPow: Float64Array;
  private readonly longKeep: number;
  private readonly minLimit: number;
  private readonly maxLimit: number;
  private readonly longWindow: number;
  private readonly backoffRatio: number;
  private readonly tolerance: number;
  private readonly smoothing: number;
  private readonly queueSize: number | undefined;

  constructor(o: ParsedLimiterOptions) {
    this.names = Object.keys(o.partitions ?? {});
    this.shares = this.names.map((n) => o.partitions![n]!);
    if (!this.names.includes('default')) {
      this.names.push('default');
      this.shares.push(0);
    }
    this.index = new Map(this.names.map((n, i) => [n, i] as const));
    this.defaultIndex = this.index.get('default')!;
    this.single = this.names.length === 1;
    this.partInFlight = new Int32Array(this.names.length);
    this.partRejected = new Float64Array(this.names.length);
    this.guaranteed = new Int32Array(this.names.length);
    this.current = o.initialLimit;
    this.whole = -1;
    this.shortKeep = 1 - 2 / (o.shortWindow + 1);
    this.shortKeepPow = powersOf(this.shortKeep);
    this.longKeep = 1 - 2 / (o.longWindow + 1);
    this.longKeepPow = powersOf(this.longKeep);
    this.minLimit = o.minLimit;
    this.maxLimit = o.maxLimit;
    this.longWindow = o.longWindow;
    this.backoffRatio = o.backoffRatio;
    this.tolerance = o.tolerance;
    this.smoothing = o.smoothing;
    this.queueSize = o.queueSize;
    this.refresh();
  }

  /** Recomputes what depends on the whole limit (the partitions' guarantees) when it changed. */
  private refresh(): void {
    const l = Math.floor(this.current);
    if (l === this.whole) return;
    this.whole = l;
    for (let i = 0; i < this.shares.length; i++)
      this.guaranteed[i] = Math.floor(l * this.shares[i]!);
  }

  private slotOf(partition: string | undefined): number {
    return partition === undefined
      ? this.defaultIndex
      : (this.index.get(partition) ?? this.defaultIndex);
  }

  private take(slot: number): number {
    this.taken++;
    if (!this.single) this.partInFlight[slot]!++;
    this.admitted++;
    return slot;
  }

  tryAcquire(partition?: string): number {
    if (this.single) {
      if (this.taken >= this.whole) {
        this.rejected++;
        this.partRejected[0]!++;
        return -1;
      }
      return this.take(0);
    }
    const slot = this.slotOf(partition);
    const l = this.whole;
    if (this.taken >= l) {
      this.rejected++;
      this.partRejected[slot]!++;
      return -1;
    }
    // Capacity that other partitions are guaranteed and not yet using is not ours to borrow.
    const partInFlight = this.partInFlight;
    const guaranteed = this.guaranteed;
    if (partInFlight[slot]! >= guaranteed[slot]!) {
      let reservedIdle = 0;
      for (let i = 0; i < partInFlight.length; i++) {
        if (i !== slot) reservedIdle += Math.max(0, guaranteed[i]! - partInFlight[i]!);
      }
      if (this.taken + reservedIdle >= l) {
        this.rejected++;
        this.partRejected[slot]!++;
        return -1;
      }
    }
    return this.take(slot);
  }

  forceAcquire(partition?: string): number {
    return this.take(this.slotOf(partition));
  }

  release(slot: number, latencyMs: number, dropped = false): void {
    if (this.single) {
      if (slot !== 0) return;
    } else {
      if (slot < 0 || slot >= this.partInFlight.length) return;
      if (this.partInFlight[slot]! > 0) this.partInFlight[slot]!--;
    }
    if (this.taken > 0) this.taken--;
    // A slot given back without a latency (the caller takes latencies in batches).
    if (latencyMs !== latencyMs && !dropped) return;
    if (dropped) {
      this.current = Math.max(this.minLimit, this.current * this.backoffRatio);
      this.refresh();
      return;
    }
    // The request being released still counts as in use for the application-limited check.
    this.update(latencyMs, 1, 1);
  }

  recordLatency(meanMs: number, count = 1): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new RangeError(`recordLatency: count must be an integer ≥ 1, got ${String(count)}`);
    }
    // The batch's requests were released before it: count them as in use, as `release` does.
    this.update(meanMs, count, count);
  }

  /**
   * The gradient steps of `n` samples of latency `latencyMs`, `releasing` of them counted as
   * still in use. Each average moves exactly as `n` steps towards the same value would; the
   * limit as `n` steps with one gradient (from the short average's mean over the steps) and
   * one head-room (taken halfway), and the application-limited check is made once.
   */
  private update(latencyMs: number, n: number, releasing: number): void {
    if (!(latencyMs >= 0) || latencyMs === Infinity) return;
    const rtt = Math.max(latencyMs, 1e-3);
    const before = this.samples;
    this.samples = before + n;
    let shortRtt = this.shortRtt;
    let longRtt = this.longRtt;
    // The short average's mean over the batch's steps, which the gradient of each step follows.
    let shortMean: number;
    if (before === 0) {
      // Later samples of the batch equal the first: the averages stay there.
      shortRtt = rtt;
      longRtt = rtt;
      shortMean = rtt;
    } else {
      const keep = this.shortKeep;
      if (n === 1) {
        shortRtt = rtt + keep * (shortRtt - rtt);
        shortMean = shortRtt;
      } else {
        // After step k the short average is rtt + keepᵏ·(short − rtt); its mean over k = 1…n.
        const keepN = power(this.shortKeepPow, keep, n);
        shortMean = rtt + (shortRtt - rtt) * ((keep * (1 - keepN)) / ((1 - keep) * n));
        shortRtt = rtt + keepN * (shortRtt - rtt);
      }
      // Warm-up: a plain running mean until the long window has filled once (samples numbered
      // below `longWindow`), then an exponential average.
      const warm = Math.max(0, Math.min(n, this.longWindow - 1 - before));
      if (warm > 0) longRtt += (warm / (before + warm)) * (rtt - longRtt);
      const rest = n - warm;
      if (rest > 0) {
        longRtt = rtt + power(this.longKeepPow, this.longKeep, rest) * (longRtt - rtt);
      }
    }
    if (longRtt / shortRtt > 2) longRtt *= 0.95;
    this.shortRtt = shortRtt;
    this.longRtt = longRtt;
    const gradient = Math.max(0.5, Math.min(1, (this.tolerance * longRtt) / shortMean));
    const limit = this.current;
    const smoothing = this.smoothing;
    const queueSize = this.queueSize;
    // One step: limit·(1 − s) + (limit·gradient + queue)·s = limit·keep + s·queue, with
    // keep = 1 − s·(1 − gradient).
    const keep = 1 - smoothing * (1 - gradient);
    let next = limit * keep + smoothing * (queueSize ?? Math.max(1, Math.sqrt(limit)));
    if (n > 1) {
      // n steps with one gradient and one head-room, in closed form; the default head-room
      // (√limit) taken halfway through the batch, from a first estimate of where it ends.
      // At a steady latency the gradient is 1 and so is `keep`: no power to take.
      const steady = keep === 1;
      const keepN = steady ? 1 : keep ** n;
      const gain = smoothing * (steady ? n : (1 - keepN) / (1 - keep));
      const start = limit * keepN;
      if (queueSize !== undefined) next = start + gain * queueSize;
      else {
        const first = start + gain * Math.max(1, Math.sqrt(limit));
        next = start + gain * Math.max(1, Math.sqrt((limit + first) / 2));
      }
    }
    // Application-limited: don't grow a limit that isn't being used.
    if (next > limit && this.taken + releasing < limit / 2) return;
    this.current = Math.max(this.minLimit, Math.min(this.maxLimit, next));
    this.refresh();
  }

  get limit(): number {
    return this.whole;
  }

  get inFlight(): number {
    return this.taken;
  }

  stats(): ConcurrencyLimiterStats {
    const partitions: Record<string, { inFlight: number; guaranteed: number; rejected: number }> =
      {};
    this.names.forEach((n, i) => {
      partitions[n] = {
        inFlight: this.single ? this.taken : this.partInFlight[i]!,
        guaranteed: this.guaranteed[i]!,
        rejected: this.partRejected[i]!,
      };
    });
    return {
      limit: this.current,
      inFlight: this.taken,
      admitted: this.admitted,
      rejected: this.rejected,
      baselineMs: this.longRtt,
      recentMs: this.shortRtt,
      partitions,
    };
  }
}
