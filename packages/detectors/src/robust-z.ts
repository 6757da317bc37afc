import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { zOf } from './internal/ew.js';
import { fmt, zToScore } from './internal/math.js';
import { minCountWithinWindow, withMinCount, savedMinCount } from './internal/min-count.js';

/** Options of {@link createRobustZ}. */
export const robustZOptionsSchema = z
  .strictObject({
    /** Number of past values the median and MAD are computed over. Default 128. */
    windowSize: z.number().int().min(3).max(10_000).default(128),
    /**
     * Values seen before scoring starts (scores are 0 until then), at most `windowSize`. Default
     * 16, or `windowSize` when that is smaller.
     */
    minCount: z.number().int().min(3).optional(),
  })
  .superRefine(minCountWithinWindow);

/** Options of {@link createRobustZ} (all optional). */
export type RobustZOptions = z.input<typeof robustZOptionsSchema>;

type Opts = ReturnType<typeof withMinCount<z.output<typeof robustZOptionsSchema>>>;

class RobustZ extends BaseDetector {
  readonly name = 'robust-z';
  private readonly options: Opts;
  private readonly ring: Float64Array;
  private readonly sorted: Float64Array;
  private start = 0;
  private count = 0;
  private median = 0;
  private mad = 0;
  private z = 0;

  constructor(options: Opts) {
    super();
    this.options = options;
    this.ring = new Float64Array(options.windowSize);
    this.sorted = new Float64Array(options.windowSize);
  }

  /** First index in sorted[0, count) whose value is >= x. */
  private lowerBound(x: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private push(v: number): void {
    const cap = this.ring.length;
    if (this.count === cap) {
      const old = this.ring[this.start]!;
      const i = this.lowerBound(old);
      this.sorted.copyWithin(i, i + 1, this.count);
      this.count--;
      this.ring[this.start] = v;
      this.start = (this.start + 1) % cap;
    } else {
      this.ring[(this.start + this.count) % cap] = v;
    }
    const j = this.lowerBound(v);
    this.sorted.copyWithin(j + 1, j, this.count);
    this.sorted[j] = v;
    this.count++;
  }

  /** k-th smallest (0-based) absolute deviation from the median, by merging both sides. */
  private kthDeviation(k: number, med: number, mid: number): number {
    // Left side walks down from mid-1, right side walks up from mid: both give ascending deviations.
    let l = mid - 1;
    let r = mid;
    let d = 0;
    for (let i = 0; i <= k; i++) {
      const dl = l >= 0 ? med - this.sorted[l]! : Number.POSITIVE_INFINITY;
      const dr = r < this.count ? this.sorted[r]! - med : Number.POSITIVE_INFINITY;
      if (dl <= dr) {
        d = dl;
        l--;
      } else {
        d = dr;
        r++;
      }
    }
    return d;
  }

  protected step(v: number): number {
    let score = 0;
    this.z = 0;
    const n = this.count;
    if (n >= this.options.minCount) {
      const mid = n >>> 1;
      const s = this.sorted;
      const med = n % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
      const half = (n - 1) >>> 1;
      const mad =
        n % 2 === 1
          ? this.kthDeviation(half, med, mid)
          : (this.kthDeviation(half, med, mid) + this.kthDeviation(half + 1, med, mid)) / 2;
      this.median = med;
      this.mad = mad;
      // 1.4826 * MAD estimates the sd of a normal sample; fall back to the mean absolute
      // deviation when more than half the window is one value.
      let scale = 1.4826 * mad;
      if (scale === 0) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += Math.abs(s[i]! - med);
        scale = (1.2533 * sum) / n;
      }
      this.z = zOf(v, med, scale);
      score = zToScore(this.z);
    }
    this.push(v);
    return score;
  }

  protected describe(): string {
    if (this.count <= this.options.minCount) {
      return `warming up (${this.count}/${this.options.minCount} values)`;
    }
    const dir = this.z >= 0 ? 'above' : 'below';
    return `value ${fmt(this.lastValue)} is ${fmt(Math.abs(this.z))} robust sd ${dir} the median ${fmt(this.median)} (MAD ${fmt(this.mad)}) of the last ${this.count} values; score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    const values: number[] = [];
    for (let i = 0; i < this.count; i++)
      values.push(this.ring[(this.start + i) % this.ring.length]!);
    return { options: this.options, window: values };
  }

  static fromState(s: Record<string, unknown>): RobustZ {
    const d = new RobustZ(
      withMinCount(
        parseOptions(robustZOptionsSchema, savedMinCount(s.options), { source: 'robust-z state' }),
      ),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    for (const v of r.nums('window', { max: d.ring.length })) d.push(v);
    return d;
  }
}

/** @internal */
export const robustZFromState = (s: Record<string, unknown>): Detector => RobustZ.fromState(s);

/**
 * Robust z-score: distance of a value from the median of the last `windowSize` values, in units
 * of 1.4826 × MAD (median absolute deviation), mapped to [0, 1] like a normal z-score. Outliers
 * in the window barely move the baseline, unlike {@link createRollingZ}.
 *
 * @remarks O(windowSize) per update (sorted window kept by insertion), no allocation.
 * @throws {ConfigError} when an option is invalid, or `minCount` exceeds `windowSize`.
 * @example
 * ```ts
 * const d = createRobustZ({ windowSize: 64 });
 * d.update(12, t);
 * ```
 */
export function createRobustZ(options: RobustZOptions = {}): Detector {
  return new RobustZ(
    withMinCount(parseOptions(robustZOptionsSchema, options, { source: 'createRobustZ' })),
  );
}
