import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { EwStats, zOf } from './internal/ew.js';
import { fmt, zToScore } from './internal/math.js';

const HOUR = 3_600_000;

/** Options of {@link createContextualBaseline}. */
export const contextualBaselineOptionsSchema = z.strictObject({
  /** Whether the baseline repeats every day or every week. Default `'day'`. */
  period: z.enum(['day', 'week']).default('day'),
  /** Width of one time bucket in minutes; must divide the period. Default 60. */
  bucketMinutes: z
    .number()
    .int()
    .min(1)
    .max(1440)
    .refine((m) => 1440 % m === 0, 'must divide 1440 (a day)')
    .default(60),
  /** Offset of local time from UTC in minutes (e.g. 120 for UTC+2). Default 0. */
  utcOffsetMinutes: z.number().int().min(-840).max(840).default(0),
  /** Rate at which each bucket's mean and variance follow its values, in (0, 1). Default 0.1. */
  alpha: z.number().gt(0).lt(1).default(0.1),
  /** Values a bucket must have seen before it scores. Default 3. */
  minPerBucket: z.number().int().min(1).default(3),
});

/** Options of {@link createContextualBaseline} (all optional). */
export type ContextualBaselineOptions = z.input<typeof contextualBaselineOptionsSchema>;

class ContextualBaseline extends BaseDetector {
  readonly name = 'contextual-baseline';
  private readonly options: z.output<typeof contextualBaselineOptionsSchema>;
  private readonly mean: Float64Array;
  private readonly variance: Float64Array;
  private readonly count: Float64Array;
  private readonly global: EwStats;
  private bucket = 0;
  private usual = 0;
  // The last bucket looked up and its time span, so consecutive samples skip the arithmetic.
  private spanStart = Number.NaN;
  private spanEnd = Number.NaN;
  private z = 0;

  constructor(options: z.output<typeof contextualBaselineOptionsSchema>) {
    super();
    this.options = options;
    const buckets = ((options.period === 'day' ? 24 : 168) * 60) / options.bucketMinutes;
    this.mean = new Float64Array(buckets);
    this.variance = new Float64Array(buckets);
    this.count = new Float64Array(buckets);
    this.global = new EwStats(0.01);
  }

  private bucketOf(t: number): number {
    if (!Number.isFinite(t)) return 0;
    const periodMs = (this.options.period === 'day' ? 24 : 168) * HOUR;
    // Epoch day 0 was a Thursday; shift so that week buckets start on Monday 00:00 local time.
    const shift =
      this.options.utcOffsetMinutes * 60_000 + (this.options.period === 'week' ? 3 * 24 * HOUR : 0);
    const local = (((t + shift) % periodMs) + periodMs) % periodMs;
    return Math.min(
      this.mean.length - 1,
      Math.floor(local / (this.options.bucketMinutes * 60_000)),
    );
  }

  protected step(v: number, t: number): number {
    let b = this.bucket;
    if (!(t >= this.spanStart && t < this.spanEnd)) {
      b = this.bucketOf(t);
      const width = this.options.bucketMinutes * 60_000;
      if (Number.isFinite(t)) {
        const shift =
          this.options.utcOffsetMinutes * 60_000 +
          (this.options.period === 'week' ? 3 * 24 * HOUR : 0);
        this.spanStart = Math.floor((t + shift) / width) * width - shift;
        this.spanEnd = this.spanStart + width;
      }
    }
    this.bucket = b;
    const c = this.count[b]!;
    let score = 0;
    this.z = 0;
    if (c >= this.options.minPerBucket) {
      // A small share of the overall spread keeps near-constant buckets from over-reacting.
      const sd = Math.sqrt(this.variance[b]! + 0.01 * this.global.variance);
      this.usual = this.mean[b]!;
      this.z = zOf(v, this.usual, sd);
      score = zToScore(this.z);
    }
    this.global.push(v);
    const a = Math.max(this.options.alpha, 1 / (c + 1));
    const d = v - this.mean[b]!;
    this.mean[b] = this.mean[b]! + a * d;
    this.variance[b] = (1 - a) * (this.variance[b]! + a * d * d);
    this.count[b] = c + 1;
    return score;
  }

  protected describe(): string {
    const c = this.count[this.bucket]!;
    if (c <= this.options.minPerBucket) return `learning bucket ${this.bucket} (${c} values)`;
    const dir = this.z >= 0 ? 'above' : 'below';
    return `value ${fmt(this.lastValue)} is ${fmt(Math.abs(this.z))} sd ${dir} the usual ${fmt(this.usual)} for this time of ${this.options.period} (bucket ${this.bucket}); score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return {
      options: this.options,
      mean: Array.from(this.mean),
      variance: Array.from(this.variance),
      count: Array.from(this.count),
      global: this.global.toJSON(),
    };
  }

  static fromState(s: Record<string, unknown>): ContextualBaseline {
    const d = new ContextualBaseline(
      parseOptions(contextualBaselineOptionsSchema, s.options, {
        source: 'contextual-baseline state',
      }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    const length = d.mean.length;
    d.mean.set(r.nums('mean', { length }));
    d.variance.set(r.nums('variance', { length, rule: 'nonNegative' }));
    d.count.set(r.nums('count', { length, rule: 'count' }));
    d.global.load(r, 'global');
    return d;
  }
}

/** @internal */
export const contextualBaselineFromState = (s: Record<string, unknown>): Detector =>
  ContextualBaseline.fromState(s);

/**
 * Time-of-day / day-of-week baseline: one exponentially weighted mean and variance per time
 * bucket (hour of the day by default, or hour of the week), so a value is judged against what is
 * usual at that time — Monday 9:00 traffic against other Mondays at 9:00.
 *
 * @remarks O(1) per update; memory `24 * buckets` bytes (4 KB for hour-of-week). Buckets use the
 * event time `t` shifted by `utcOffsetMinutes`.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createContextualBaseline({ period: 'week', bucketMinutes: 60 });
 * d.update(requestsPerSecond, Date.now());
 * ```
 */
export function createContextualBaseline(options: ContextualBaselineOptions = {}): Detector {
  return new ContextualBaseline(
    parseOptions(contextualBaselineOptionsSchema, options, { source: 'createContextualBaseline' }),
  );
}
