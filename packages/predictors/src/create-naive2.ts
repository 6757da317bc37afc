import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import { zFor } from './internal/math.js';
import { decompose, seasonalityTest } from './decompose.js';

/** Options of {@link createNaive2}. */
export const naive2OptionsSchema = z
  .object({
    ...baseModelShape,
    /** Seasonal period in steps. Default 24. */
    period: periodSchema.default(24),
  })
  .strict();
/** Options of {@link createNaive2} (all optional). */
export type Naive2Options = z.input<typeof naive2OptionsSchema>;

class Naive2 extends BaseModel {
  readonly name = 'naive2';
  private indices: Float64Array | undefined;
  private last = 0;
  private phase = 0;
  private sumSq = 0;
  private count = 0;

  constructor(
    private readonly period: number,
    opts: { level: number; maxHistory: number },
  ) {
    super(opts.level, opts.maxHistory);
  }

  protected estimate(h: readonly number[]): void {
    const m = this.period;
    const positive = h.every((v) => v > 0);
    this.indices =
      positive && seasonalityTest(h, m) ? decompose(h, m, 'multiplicative').indices : undefined;
    this.sumSq = 0;
    this.count = 0;
    let prev = Number.NaN;
    for (let t = 0; t < h.length; t++) {
      const d = this.adjust(h[t]!, t % m);
      if (t > 0) {
        this.sumSq += (d - prev) ** 2;
        this.count++;
      }
      prev = d;
    }
    this.last = prev;
    this.phase = h.length % m;
  }

  private adjust(v: number, phase: number): number {
    return this.indices ? v / this.indices[phase]! : v;
  }

  protected override step(value: number): boolean {
    if (this.indices && value <= 0) return false;
    const d = this.adjust(value, this.phase);
    this.sumSq += (d - this.last) ** 2;
    this.count++;
    this.last = d;
    this.phase = (this.phase + 1) % this.period;
    return true;
  }

  protected predict(steps: number): ForecastResult {
    const sigma = this.count > 0 ? Math.sqrt(this.sumSq / this.count) : 0;
    const z = zFor(this.level);
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    for (let j = 1; j <= steps; j++) {
      const si = this.indices ? this.indices[(this.phase + j - 1) % this.period]! : 1;
      const half = z * sigma * Math.sqrt(j) * si;
      mean.push(this.last * si);
      lower.push(this.last * si - half);
      upper.push(this.last * si + half);
    }
    return { mean, lower, upper, level: this.level };
  }
}

/**
 * Naive2, the M4 competition's benchmark: the last value of the seasonally adjusted series,
 * re-seasonalised. The series is adjusted by classical multiplicative decomposition only when
 * {@link seasonalityTest} finds it seasonal (and every value is positive).
 *
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createNaive2({ period: 24 });
 * model.fit(hourly);
 * model.forecast(48).mean;
 * ```
 */
export function createNaive2(options: Naive2Options = {}): Model {
  const o = parseOptions(naive2OptionsSchema, options, { source: 'createNaive2' });
  return new Naive2(o.period, o);
}
