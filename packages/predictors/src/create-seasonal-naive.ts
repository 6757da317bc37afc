import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import { zFor } from './internal/math.js';

/** Options of {@link createSeasonalNaive}. */
export const seasonalNaiveOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Seasonal period in steps: each forecast repeats the value one period earlier. Default 24. */
    period: periodSchema.default(24),
  })
  .strict();
/** Options of {@link createSeasonalNaive} (all optional). */
export type SeasonalNaiveOptions = z.input<typeof seasonalNaiveOptionsSchema>;

class SeasonalNaive extends BaseModel {
  readonly name: string;
  private sumSq = 0;
  private count = 0;

  constructor(
    private readonly period: number,
    opts: { level: number; maxHistory: number },
  ) {
    super(opts.level, Math.max(opts.maxHistory, period + 1));
    this.name = period === 24 ? 'snaive' : `snaive${period}`;
  }

  protected estimate(h: readonly number[]): void {
    const lag = h.length > this.period ? this.period : 1;
    this.sumSq = 0;
    this.count = 0;
    for (let i = lag; i < h.length; i++) {
      this.sumSq += (h[i]! - h[i - lag]!) ** 2;
      this.count++;
    }
  }

  protected override step(value: number): boolean {
    const h = this.history;
    const lag = h.length > this.period ? this.period : 1;
    if (h.length > lag) {
      this.sumSq += (value - h[h.length - 1 - lag]!) ** 2;
      this.count++;
    }
    return true;
  }

  protected predict(steps: number): ForecastResult {
    const h = this.history;
    const n = h.length;
    const sigma = this.count > 0 ? Math.sqrt(this.sumSq / this.count) : 0;
    const z = zFor(this.level);
    const seasonal = n >= this.period;
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    for (let j = 1; j <= steps; j++) {
      const m = seasonal ? h[n - this.period + ((j - 1) % this.period)]! : h[n - 1]!;
      const k = seasonal ? Math.floor((j - 1) / this.period) + 1 : j;
      const half = z * sigma * Math.sqrt(k);
      mean.push(m);
      lower.push(m - half);
      upper.push(m + half);
    }
    return { mean, lower, upper, level: this.level };
  }
}

/**
 * Seasonal naive: every forecast repeats the value observed one period earlier (the naive
 * last value while the history is shorter than a period).
 *
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createSeasonalNaive({ period: 24 });
 * model.fit(hourly);
 * model.forecast(24).mean; // yesterday, hour by hour
 * ```
 */
export function createSeasonalNaive(options: SeasonalNaiveOptions = {}): Model {
  const o = parseOptions(seasonalNaiveOptionsSchema, options, { source: 'createSeasonalNaive' });
  return new SeasonalNaive(o.period, o);
}
