import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import { BucketIndex } from './internal/bucket-index.js';

/** zod schema of {@link LatencySketchOptions}. */
export const latencySketchOptionsSchema = z.strictObject({
  /** Relative accuracy of every quantile, for example 0.01 for ±1 %. */
  relativeAccuracy: z.number().gt(0).lt(0.5).default(0.01),
  /** Smallest value told apart from zero (values below it count in the zero bucket). */
  minValue: z.number().positive().default(0.001),
  /** Largest value tracked; larger values are clamped to it and counted in `clamped`. */
  maxValue: z.number().positive().default(3_600_000),
});

/** Options of {@link LatencySketch}. */
export type LatencySketchOptions = z.input<typeof latencySketchOptionsSchema>;

/**
 * A bounded streaming quantile sketch with relative accuracy (log-spaced buckets, as in
 * DDSketch): memory is fixed when it is created, `record` is O(1) and never allocates.
 *
 * @remarks Quantiles are within `relativeAccuracy` of the true value for values in
 * `[minValue, maxValue]`. Negative and non-finite values are ignored and counted in `rejected`.
 * `record` finds a value's bucket from its binary exponent and mantissa in a table shared by
 * sketches with the same options, not with a logarithm (about half the cost).
 * @throws {ConfigError} from the constructor on bad options.
 * @example
 * ```ts
 * const sketch = new LatencySketch({ relativeAccuracy: 0.01 });
 * for (const ms of [3, 4, 5, 120]) sketch.record(ms);
 * sketch.quantile(0.99); // ≈ 120 (±1 %)
 * ```
 */
export class LatencySketch {
  /** Values recorded (including the zero bucket and clamped values). */
  count = 0;
  /** Sum of recorded values (after clamping). */
  sum = 0;
  /** Largest value recorded since the last reset. */
  max = 0;
  /** Values above `maxValue`, recorded as `maxValue`. */
  clamped = 0;
  /** Negative or non-finite values that were ignored. */
  rejected = 0;

  private readonly bins: Uint32Array;
  private zeros = 0;
  private readonly logGamma: number;
  private readonly gamma: number;
  private readonly offset: number;
  private readonly minValue: number;
  private readonly maxValue: number;
  /** Finds a value's bucket without `Math.log` (undefined for options it does not cover). */
  private readonly index: BucketIndex | undefined;

  constructor(options: LatencySketchOptions = {}) {
    const o = parseOptions(latencySketchOptionsSchema, options, { source: 'LatencySketch' });
    this.gamma = (1 + o.relativeAccuracy) / (1 - o.relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    this.minValue = o.minValue;
    this.maxValue = Math.max(o.maxValue, o.minValue);
    this.offset = Math.ceil(Math.log(this.minValue) / this.logGamma);
    const top = Math.ceil(Math.log(this.maxValue) / this.logGamma);
    this.bins = new Uint32Array(top - this.offset + 1);
    this.index = BucketIndex.create({
      gamma: this.gamma,
      offset: this.offset,
      size: this.bins.length,
      minValue: this.minValue,
      maxValue: this.maxValue,
    });
  }

  /**
   * Number of buckets (the sketch's fixed memory is 4 bytes per bucket, plus its share of a
   * lookup table held once for all sketches with the same options).
   */
  get size(): number {
    return this.bins.length;
  }

  /** Records one value. */
  record(value: number): void {
    if (!(value >= 0) || value === Infinity) {
      this.rejected++;
      return;
    }
    let v = value;
    if (v > this.maxValue) {
      v = this.maxValue;
      this.clamped++;
    }
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.minValue) {
      this.zeros++;
      return;
    }
    const index = this.index;
    let idx: number;
    if (index !== undefined) idx = index.of(v);
    else {
      const i = Math.ceil(Math.log(v) / this.logGamma) - this.offset;
      idx = i < 0 ? 0 : i >= this.bins.length ? this.bins.length - 1 : i;
    }
    this.bins[idx]!++;
  }

  /**
   * The q-quantile (q in [0, 1]) of the values recorded since the last reset; `NaN` when empty.
   *
   * @throws {RangeError} when `q` is outside [0, 1].
   */
  quantile(q: number): number {
    if (!(q >= 0 && q <= 1))
      throw new RangeError(`LatencySketch.quantile: q must be in [0, 1], got ${q}`);
    if (this.count === 0) return Number.NaN;
    const rank = Math.floor(q * (this.count - 1));
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let i = 0; i < this.bins.length; i++) {
      seen += this.bins[i]!;
      if (seen > rank) {
        // Midpoint (in the relative sense) of bucket (gamma^(k-1), gamma^k].
        const k = i + this.offset;
        const value = (2 * Math.pow(this.gamma, k)) / (this.gamma + 1);
        return Math.min(value, this.max);
      }
    }
    return this.max;
  }

  /** Adds every value of `other` (which must have the same options) into this sketch. */
  merge(other: LatencySketch): void {
    if (other.bins.length !== this.bins.length || other.gamma !== this.gamma) {
      throw new RangeError('LatencySketch.merge: sketches have different options');
    }
    for (let i = 0; i < this.bins.length; i++) this.bins[i]! += other.bins[i]!;
    this.zeros += other.zeros;
    this.count += other.count;
    this.sum += other.sum;
    this.clamped += other.clamped;
    this.rejected += other.rejected;
    if (other.max > this.max) this.max = other.max;
  }

  /** Forgets every value (keeps its memory). */
  reset(): void {
    this.bins.fill(0);
    this.zeros = 0;
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.clamped = 0;
    this.rejected = 0;
  }
}
