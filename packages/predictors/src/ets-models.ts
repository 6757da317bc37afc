import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from './model.js';
import { BaseModel } from './internal/base.js';
import {
  EtsCore,
  fitEts,
  seasonalFits,
  type EtsSpec,
  type SeasonKind,
  type TrendKind,
} from './internal/ets.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import { zFor } from './internal/math.js';
import { decompose, seasonalityTest } from './decompose.js';

/** Options of {@link createSes}, {@link createHolt} and {@link createDampedTrend}. */
export const etsOptionsSchema = z
  .object({
    ...baseModelShape,
    /**
     * Seasonal adjustment as in the M4 competition's benchmarks: when set and the history tests
     * seasonal at this period (and is positive), the model runs on the series divided by
     * classical multiplicative seasonal indices, and its forecasts are multiplied back.
     */
    adjustPeriod: periodSchema.optional(),
  })
  .strict();
/** Options of the non-seasonal exponential-smoothing models (all optional). */
export type EtsOptions = z.input<typeof etsOptionsSchema>;

/** Options of {@link createHoltWinters}. */
export const holtWintersOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Seasonal period in steps (24 for hourly data with a daily cycle). Default 24. */
    period: periodSchema.default(24),
    /** `additive` or `multiplicative` seasonality. Default `'additive'`. */
    season: z.enum(['additive', 'multiplicative']).default('additive'),
    /** Trend: none, additive (Holt) or damped. Default `'additive'`. */
    trend: z.enum(['none', 'additive', 'damped']).default('additive'),
  })
  .strict();
/** Options of {@link createHoltWinters} (all optional). */
export type HoltWintersOptions = z.input<typeof holtWintersOptionsSchema>;

/**
 * Exponential smoothing with the parameters estimated by least squares on one-step errors, and
 * prediction intervals from the state-space variance formulas.
 *
 * Fallbacks (documented): a multiplicative season on a history holding a value ≤ 0 becomes
 * additive; a season whose history is shorter than two periods is dropped; a trend on fewer than
 * three points is dropped.
 */
class EtsModel extends BaseModel {
  private core: EtsCore | undefined;
  /** The specification actually fitted after any fallback. */
  effective: EtsSpec;
  /** Seasonal indices of the M4-style adjustment, when it applies. */
  private indices: Float64Array | undefined;
  private phase = 0;
  private readonly adjustPeriod: number | undefined;

  constructor(
    readonly name: string,
    private readonly spec: EtsSpec,
    opts: { level: number; maxHistory: number; adjustPeriod?: number | undefined },
  ) {
    super(opts.level, opts.maxHistory);
    this.effective = spec;
    this.adjustPeriod = opts.adjustPeriod;
  }

  protected estimate(history: readonly number[]): void {
    const m = this.adjustPeriod;
    this.indices =
      m !== undefined && history.every((v) => v > 0) && seasonalityTest(history, m)
        ? decompose(history, m, 'multiplicative').indices
        : undefined;
    this.phase = m === undefined ? 0 : history.length % m;
    const h = this.indices ? history.map((v, t) => v / this.indices![t % m!]!) : history;
    let spec: EtsSpec = this.spec;
    if (spec.season === 'multiplicative' && h.some((v) => v <= 0))
      spec = { ...spec, season: 'additive' };
    if (!seasonalFits(h.length, spec)) spec = { ...spec, season: 'none' };
    if (h.length < 3 && spec.trend !== 'none') spec = { ...spec, trend: 'none' };
    this.effective = spec;
    if (h.length === 1) {
      const core = new EtsCore(spec, { alpha: 0.5, beta: 0, gamma: 0, phi: 1 });
      core.l = h[0]!;
      this.core = core;
      return;
    }
    this.core = fitEts(h, spec);
  }

  protected override step(value: number): boolean {
    const core = this.core;
    if (!core || (this.effective.season === 'multiplicative' && value <= 0)) return false;
    if (this.indices && value <= 0) return false;
    core.step(this.indices ? value / this.indices[this.phase]! : value);
    core.sigma = Math.sqrt(core.sse / Math.max(1, core.n - 1));
    if (this.adjustPeriod !== undefined) this.phase = (this.phase + 1) % this.adjustPeriod;
    return true;
  }

  protected predict(h: number): ForecastResult {
    const { mean, sd } = this.core!.forecast(h);
    const z = zFor(this.level);
    const si = (i: number): number =>
      this.indices ? this.indices[(this.phase + i) % this.adjustPeriod!]! : 1;
    return {
      mean: mean.map((m, i) => m * si(i)),
      lower: mean.map((m, i) => (m - z * sd[i]!) * si(i)),
      upper: mean.map((m, i) => (m + z * sd[i]!) * si(i)),
      level: this.level,
    };
  }
}

function etsModel(
  spec: { name: string; trend: TrendKind; season: SeasonKind },
  options: unknown,
  source: string,
): Model {
  const o = parseOptions(etsOptionsSchema, options ?? {}, { source });
  return new EtsModel(spec.name, { trend: spec.trend, season: spec.season, m: 1 }, o);
}

/**
 * Simple exponential smoothing (level only): a flat forecast from a smoothed level (re-seasonalised
 * when `adjustPeriod` is set and the series is seasonal).
 *
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createSes();
 * model.fit([10, 12, 11, 13]);
 * model.forecast(3).mean; // three equal values
 * ```
 */
export function createSes(options: EtsOptions = {}): Model {
  return etsModel({ name: 'ses', trend: 'none', season: 'none' }, options, 'createSes');
}

/**
 * Holt's linear trend method (level and additive trend).
 *
 * @throws {ConfigError} when the options are invalid.
 */
export function createHolt(options: EtsOptions = {}): Model {
  return etsModel({ name: 'holt', trend: 'additive', season: 'none' }, options, 'createHolt');
}

/**
 * Damped-trend exponential smoothing: a trend that flattens out with the horizon.
 *
 * @throws {ConfigError} when the options are invalid.
 */
export function createDampedTrend(options: EtsOptions = {}): Model {
  return etsModel(
    { name: 'damped', trend: 'damped', season: 'none' },
    options,
    'createDampedTrend',
  );
}

/**
 * Holt-Winters exponential smoothing with an additive or multiplicative season.
 *
 * @remarks A multiplicative season on data holding a value ≤ 0 falls back to additive; a
 * history shorter than two periods falls back to no season.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createHoltWinters({ period: 24, season: 'multiplicative' });
 * model.fit(hourly);
 * const { mean, lower, upper } = model.forecast(48);
 * ```
 */
export function createHoltWinters(options: HoltWintersOptions = {}): Model {
  const o = parseOptions(holtWintersOptionsSchema, options, { source: 'createHoltWinters' });
  const name = o.season === 'additive' ? 'hw-additive' : 'hw-multiplicative';
  return new EtsModel(name, { trend: o.trend, season: o.season, m: o.period }, o);
}
