import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { EwStats, zOf } from './internal/ew.js';
import { fmt } from './internal/math.js';

/** Options of {@link createCusum}. */
export const cusumOptionsSchema = z.strictObject({
  /** Allowance (slack) per value, in standard deviations. Default 0.5. */
  k: z.number().min(0).default(0.5),
  /**
   * Decision interval in standard deviations: a sum reaching it scores 0.99 and resets. Default 5.
   */
  h: z.number().gt(0).default(5),
  /** Rate at which the reference mean and variance follow the series, in (0, 1). Default 0.01. */
  baselineAlpha: z.number().gt(0).lt(1).default(0.01),
  /** Values seen before scoring starts. Default 16. */
  minCount: z.number().int().min(2).default(16),
});

/** Options of {@link createCusum} (all optional). */
export type CusumOptions = z.input<typeof cusumOptionsSchema>;

class Cusum extends BaseDetector {
  readonly name = 'cusum';
  private readonly options: z.output<typeof cusumOptionsSchema>;
  private readonly baseline: EwStats;
  private hi = 0;
  private lo = 0;
  private peak = 0;
  private alarms = 0;

  constructor(options: z.output<typeof cusumOptionsSchema>) {
    super();
    this.options = options;
    this.baseline = new EwStats(options.baselineAlpha);
  }

  protected step(v: number): number {
    const { k, h, minCount } = this.options;
    const b = this.baseline;
    let score = 0;
    if (b.n >= minCount) {
      // Clamp z so one absurd value cannot make the sums overflow.
      const z = Math.max(-1e6, Math.min(1e6, zOf(v, b.mean, b.sd())));
      this.hi = Math.max(0, this.hi + z - k);
      this.lo = Math.max(0, this.lo - z - k);
      this.peak = Math.max(this.hi, this.lo);
      // 1 - exp(-4.6 S / h): 0.99 when the sum reaches the decision interval.
      score = 1 - Math.exp((-4.605170186 * this.peak) / h);
      if (this.peak >= h) {
        this.alarms++;
        this.hi = 0;
        this.lo = 0;
      }
    }
    b.push(v);
    return score;
  }

  protected describe(): string {
    if (this.baseline.n <= this.options.minCount) return `warming up (${this.baseline.n} values)`;
    const side = this.hi >= this.lo ? 'upward' : 'downward';
    return `cumulative ${side} drift ${fmt(this.peak)} sd against decision interval ${fmt(this.options.h)} (reference mean ${fmt(this.baseline.mean)}, ${this.alarms} alarms so far); score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return {
      options: this.options,
      hi: this.hi,
      lo: this.lo,
      alarms: this.alarms,
      baseline: this.baseline.toJSON(),
    };
  }

  static fromState(s: Record<string, unknown>): Cusum {
    const d = new Cusum(parseOptions(cusumOptionsSchema, s.options, { source: 'cusum state' }));
    const r = new StateReader(s);
    d.restoreBase(r);
    d.hi = r.num('hi', 'nonNegative');
    d.lo = r.num('lo', 'nonNegative');
    d.alarms = r.num('alarms', 'count');
    d.baseline.load(r, 'baseline');
    return d;
  }
}

/** @internal */
export const cusumFromState = (s: Record<string, unknown>): Detector => Cusum.fromState(s);

/**
 * Two-sided CUSUM: upper and lower cumulative sums of standardised deviations beyond an
 * allowance `k`. The score rises as either sum approaches the decision interval `h`
 * (`1 - exp(-4.6·S/h)`, so 0.99 at `S = h`), after which both sums reset.
 *
 * @remarks O(1) per update and memory.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createCusum({ k: 0.5, h: 5 });
 * d.update(101.3, t);
 * ```
 */
export function createCusum(options: CusumOptions = {}): Detector {
  return new Cusum(parseOptions(cusumOptionsSchema, options, { source: 'createCusum' }));
}
