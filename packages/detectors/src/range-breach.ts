import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { fmt } from './internal/math.js';

/** Options of {@link createRangeBreach}. */
export const rangeBreachOptionsSchema = z.strictObject({
  /**
   * How far beyond the range seen so far a value must go, as a fraction of that range. Default
   * 0.05.
   */
  tolerance: z.number().min(0).max(100).default(0.05),
  /** Values seen before scoring starts (the range must be learned first). Default 300. */
  minCount: z.number().int().min(2).default(300),
});

/** Options of {@link createRangeBreach} (all optional). */
export type RangeBreachOptions = z.input<typeof rangeBreachOptionsSchema>;

class RangeBreach extends BaseDetector {
  readonly name = 'range-breach';
  private readonly options: z.output<typeof rangeBreachOptionsSchema>;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private prevMin = Number.NaN;
  private prevMax = Number.NaN;

  constructor(options: z.output<typeof rangeBreachOptionsSchema>) {
    super();
    this.options = options;
  }

  protected step(v: number): number {
    this.prevMin = this.min;
    this.prevMax = this.max;
    let score = 0;
    const span = this.max - this.min;
    if (this.n > this.options.minCount && span > 0) {
      const margin = this.options.tolerance * span;
      if (v > this.max + margin || v < this.min - margin) score = 1;
    }
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
    return score;
  }

  protected describe(): string {
    if (this.n <= this.options.minCount)
      return `learning the range (${this.n}/${this.options.minCount} values)`;
    if (this.lastScore === 0)
      return `value ${fmt(this.lastValue)} within the range [${fmt(this.min)}, ${fmt(this.max)}] seen so far`;
    const side =
      this.lastValue > this.prevMax
        ? `above the highest value ${fmt(this.prevMax)}`
        : `below the lowest value ${fmt(this.prevMin)}`;
    return `value ${fmt(this.lastValue)} is ${side} seen so far (by more than ${fmt(this.options.tolerance * 100)}% of the range)`;
  }

  protected state(): Record<string, unknown> {
    return {
      options: this.options,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
    };
  }

  static fromState(s: Record<string, unknown>): RangeBreach {
    const d = new RangeBreach(
      parseOptions(rangeBreachOptionsSchema, s.options, { source: 'range-breach state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    // null: no finite value seen yet.
    d.min = r.numOrNull('min') ?? Number.POSITIVE_INFINITY;
    d.max = r.numOrNull('max') ?? Number.NEGATIVE_INFINITY;
    return d;
  }
}

/** @internal */
export const rangeBreachFromState = (s: Record<string, unknown>): Detector =>
  RangeBreach.fromState(s);

/**
 * Range breach: scores 1 when a value leaves the whole range seen so far by more than
 * `tolerance` of that range (a new extreme: a level shift or a spike beyond anything before),
 * otherwise 0. Blunt on its own, and a strong member of an ensemble.
 *
 * @remarks O(1) per update and memory. The range only grows, so each new extreme is reported once.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createRangeBreach({ tolerance: 0.1 });
 * d.update(v, t);
 * ```
 */
export function createRangeBreach(options: RangeBreachOptions = {}): Detector {
  return new RangeBreach(
    parseOptions(rangeBreachOptionsSchema, options, { source: 'createRangeBreach' }),
  );
}
