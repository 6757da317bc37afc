import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import { zFor } from './internal/math.js';
import { EtsCore, fitEts } from './internal/ets.js';
import { decompose, seasonalityTest } from './decompose.js';

/** Options of {@link createTheta}. */
export const thetaOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Seasonal period in steps (for the seasonality test and the decomposition). Default 24. */
    period: periodSchema.default(24),
  })
  .strict();
/** Options of {@link createTheta} (all optional). */
export type ThetaOptions = z.input<typeof thetaOptionsSchema>;

class Theta extends BaseModel {
  readonly name = 'theta';
  private indices: Float64Array | undefined;
  private core: EtsCore | undefined;
  private drift = 0;
  private phase = 0;

  constructor(
    private readonly period: number,
    opts: { level: number; maxHistory: number },
  ) {
    super(opts.level, opts.maxHistory);
  }

  protected estimate(h: readonly number[]): void {
    const m = this.period;
    this.indices =
      h.every((v) => v > 0) && seasonalityTest(h, m)
        ? decompose(h, m, 'multiplicative').indices
        : undefined;
    const des = h.map((v, t) => (this.indices ? v / this.indices[t % m]! : v));
    const n = des.length;
    // Slope of the least-squares line through the adjusted series (the θ = 0 line).
    const tm = (n - 1) / 2;
    let num = 0;
    let den = 0;
    let mu = 0;
    for (const v of des) mu += v / n;
    for (let t = 0; t < n; t++) {
      num += (t - tm) * (des[t]! - mu);
      den += (t - tm) ** 2;
    }
    this.drift = den > 0 ? num / den : 0;
    if (n === 1) {
      const core = new EtsCore(
        { trend: 'none', season: 'none', m: 1 },
        { alpha: 0.5, beta: 0, gamma: 0, phi: 1 },
      );
      core.l = des[0]!;
      core.n = 1;
      this.core = core;
    } else {
      this.core = fitEts(des, { trend: 'none', season: 'none', m: 1 });
    }
    this.phase = n % m;
  }

  protected override step(value: number): boolean {
    if (!this.core || (this.indices && value <= 0)) return false;
    this.core.step(this.indices ? value / this.indices[this.phase]! : value);
    this.core.sigma = Math.sqrt(this.core.sse / Math.max(1, this.core.n - 1));
    this.phase = (this.phase + 1) % this.period;
    return true;
  }

  protected predict(steps: number): ForecastResult {
    const core = this.core!;
    const { mean, sd } = core.forecast(steps);
    const a = core.params.alpha;
    const n = core.n;
    const z = zFor(this.level);
    const out: ForecastResult = { mean: [], lower: [], upper: [], level: this.level };
    for (let j = 0; j < steps; j++) {
      const si = this.indices ? this.indices[(this.phase + j) % this.period]! : 1;
      const f = (mean[j]! + (this.drift / 2) * (j + (1 - (1 - a) ** n) / a)) * si;
      const half = z * sd[j]! * si;
      out.mean.push(f);
      out.lower.push(f - half);
      out.upper.push(f + half);
    }
    return out;
  }
}

/**
 * The Theta method (the M4 competition's version): seasonal adjustment by classical
 * multiplicative decomposition when the series tests seasonal, simple exponential smoothing with
 * a drift of half the least-squares slope, then re-seasonalised.
 *
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createTheta({ period: 24 });
 * model.fit(hourly);
 * model.forecast(48);
 * ```
 */
export function createTheta(options: ThetaOptions = {}): Model {
  const o = parseOptions(thetaOptionsSchema, options, { source: 'createTheta' });
  return new Theta(o.period, o);
}
