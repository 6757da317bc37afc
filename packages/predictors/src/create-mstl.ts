import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import { centredMovingAverage, zFor } from './internal/math.js';
import { EtsCore, fitEts } from './internal/ets.js';

/** Options of {@link createMstl}. */
export const mstlOptionsSchema = z
  .object({
    ...baseModelShape,
    /**
     * Seasonal periods in steps, for example `[24, 168]` for hourly data (daily and weekly).
     * Default `[24, 168]`.
     */
    periods: z.array(periodSchema).min(1).max(4).default([24, 168]),
    /**
     * Trend of the exponential smoothing fitted to the seasonally adjusted series. Default
     * `'none'`.
     */
    trend: z.enum(['none', 'damped']).default('none'),
    /**
     * `log` models the logarithm (seasonality proportional to the level) when every value is
     * positive and falls back to `none` otherwise; `none` models the values as they are. Default
     * `'log'`.
     */
    transform: z.enum(['log', 'none']).default('log'),
    /**
     * Weight of each older cycle in a seasonal profile, relative to the next newer one: 1 is a
     * plain average of every cycle, lower values follow a changing shape more closely. Default 1.
     */
    decay: z.number().gt(0).max(1).default(1),
  })
  .strict();
/** Options of {@link createMstl} (all optional). */
export type MstlOptions = z.input<typeof mstlOptionsSchema>;

/** Fills NaN ends of a moving average with the nearest defined value. */
function fillEnds(a: Float64Array, fallback: number): void {
  let first = -1;
  let last = -1;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isNaN(a[i]!)) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) {
    a.fill(fallback);
    return;
  }
  for (let i = 0; i < first; i++) a[i] = a[first]!;
  for (let i = last + 1; i < a.length; i++) a[i] = a[last]!;
}

class Mstl extends BaseModel {
  readonly name = 'mstl';
  private profiles: { period: number; values: Float64Array }[] = [];
  private core: EtsCore | undefined;
  private log = false;
  private n = 0;

  private readonly periods: readonly number[];
  private readonly trend: 'none' | 'damped';
  private readonly transform: 'log' | 'none';
  private readonly decay: number;

  constructor(opts: z.output<typeof mstlOptionsSchema>) {
    super(opts.level, opts.maxHistory);
    this.periods = opts.periods;
    this.trend = opts.trend;
    this.transform = opts.transform;
    this.decay = opts.decay;
  }

  private seasonalAt(t: number): number {
    let s = 0;
    for (const p of this.profiles) s += p.values[t % p.period]!;
    return s;
  }

  protected estimate(h: readonly number[]): void {
    const n = h.length;
    this.log = this.transform === 'log' && h.every((v) => v > 0);
    const y = Float64Array.from(h, (v) => (this.log ? Math.log(v) : v));
    const periods = [...new Set(this.periods)].filter((p) => n >= 2 * p).sort((a, b) => a - b);
    this.profiles = periods.map((period) => ({ period, values: new Float64Array(period) }));
    const d = new Float64Array(n);
    for (let pass = 0; pass < 2; pass++) {
      for (const profile of this.profiles) {
        const p = profile.period;
        profile.values.fill(0);
        for (let t = 0; t < n; t++) d[t] = y[t]! - this.seasonalAt(t);
        const trend = centredMovingAverage(d, p);
        fillEnds(trend, y[n - 1]!);
        const sums = new Float64Array(p);
        const counts = new Float64Array(p);
        for (let t = 0; t < n; t++) {
          const w = this.decay === 1 ? 1 : this.decay ** Math.floor((n - 1 - t) / p);
          sums[t % p]! += w * (d[t]! - trend[t]!);
          counts[t % p]! += w;
        }
        let centre = 0;
        for (let i = 0; i < p; i++) {
          profile.values[i] = sums[i]! / Math.max(1, counts[i]!);
          centre += profile.values[i]! / p;
        }
        for (let i = 0; i < p; i++) profile.values[i]! -= centre;
      }
    }
    const adjusted = Array.from(y, (v, t) => v - this.seasonalAt(t));
    if (n === 1) {
      const core = new EtsCore(
        { trend: 'none', season: 'none', m: 1 },
        { alpha: 0.5, beta: 0, gamma: 0, phi: 1 },
      );
      core.l = adjusted[0]!;
      this.core = core;
    } else {
      this.core = fitEts(adjusted, { trend: n >= 3 ? this.trend : 'none', season: 'none', m: 1 });
    }
    this.n = n;
  }

  protected override step(value: number): boolean {
    if (!this.core || (this.log && value <= 0)) return false;
    const y = this.log ? Math.log(value) : value;
    this.core.step(y - this.seasonalAt(this.n));
    this.core.sigma = Math.sqrt(this.core.sse / Math.max(1, this.core.n - 1));
    this.n++;
    return true;
  }

  protected predict(steps: number): ForecastResult {
    const { mean, sd } = this.core!.forecast(steps);
    const z = zFor(this.level);
    const back = (v: number): number => (this.log ? Math.exp(v) : v);
    const out: ForecastResult = { mean: [], lower: [], upper: [], level: this.level };
    for (let j = 0; j < steps; j++) {
      const c = mean[j]! + this.seasonalAt(this.n + j);
      out.mean.push(back(c));
      out.lower.push(back(c - z * sd[j]!));
      out.upper.push(back(c + z * sd[j]!));
    }
    return out;
  }
}

/**
 * A multi-seasonal model for data with several cycles (hourly data: daily 24 and weekly 168):
 * an MSTL-style decomposition into one seasonal profile per period (each estimated around a
 * moving-average trend, refined over two passes), and exponential smoothing on what remains.
 *
 * @remarks Periods longer than half the history are left out. With `transform: 'log'` (the
 * default) the seasonality scales with the level; a value ≤ 0 makes it model the raw values.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createMstl({ periods: [24, 168] });
 * model.fit(hourly);
 * model.forecast(48);
 * ```
 */
export function createMstl(options: MstlOptions = {}): Model {
  const o = parseOptions(mstlOptionsSchema, options, { source: 'createMstl' });
  return new Mstl(o);
}
