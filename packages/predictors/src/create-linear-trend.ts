import { z } from 'zod';
import { linearRegression, quantileSorted } from 'simple-statistics';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import { baseModelShape } from './internal/options.js';

/** Options of {@link createLinearTrend}. */
export const linearTrendOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Fit on the last `window` values only (default: the whole history kept). */
    window: z.number().int().min(2).optional(),
  })
  .strict();
/** Options of {@link createLinearTrend} (all optional). */
export type LinearTrendOptions = z.input<typeof linearTrendOptionsSchema>;

class LinearTrend extends BaseModel {
  readonly name = 'linear';
  protected override readonly clampToRange = false;
  private slope = 0;
  private intercept = 0;
  private qLo = 0;
  private qHi = 0;
  private n = 0;
  private xMean = 0;
  private sxx = 0;

  constructor(
    private readonly window: number | undefined,
    opts: { level: number; maxHistory: number },
  ) {
    super(opts.level, opts.maxHistory);
  }

  protected estimate(h: readonly number[]): void {
    const y = this.window === undefined ? h : h.slice(-this.window);
    const n = y.length;
    this.n = n;
    if (n < 2) {
      this.slope = 0;
      this.intercept = y[0]!;
      this.qLo = this.qHi = 0;
      this.xMean = 0;
      this.sxx = 1;
      return;
    }
    const { m, b } = linearRegression(y.map((v, i) => [i, v]));
    this.slope = m;
    this.intercept = b;
    const residuals = y.map((v, i) => v - (b + m * i)).sort((a, c) => a - c);
    this.qLo = quantileSorted(residuals, (1 - this.level) / 2);
    this.qHi = quantileSorted(residuals, (1 + this.level) / 2);
    this.xMean = (n - 1) / 2;
    this.sxx = (n * (n * n - 1)) / 12;
  }

  protected predict(steps: number): ForecastResult {
    const out: ForecastResult = { mean: [], lower: [], upper: [], level: this.level };
    for (let j = 1; j <= steps; j++) {
      const x = this.n - 1 + j;
      const mu = this.intercept + this.slope * x;
      // Widen the residual band for the uncertainty of the line itself, more so far out.
      const widen = Math.sqrt(1 + 1 / Math.max(1, this.n) + (x - this.xMean) ** 2 / this.sxx);
      out.mean.push(mu);
      out.lower.push(mu + this.qLo * widen);
      out.upper.push(mu + this.qHi * widen);
    }
    return out;
  }
}

/**
 * A least-squares straight line with bands from the empirical quantiles of its residuals,
 * widened for the uncertainty of the line: the model for steady growth (disk, heap, queues).
 *
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createLinearTrend({ window: 500 });
 * model.fit(diskUsed);
 * model.forecast(60).upper;
 * ```
 */
export function createLinearTrend(options: LinearTrendOptions = {}): Model {
  const o = parseOptions(linearTrendOptionsSchema, options, { source: 'createLinearTrend' });
  return new LinearTrend(o.window, o);
}
