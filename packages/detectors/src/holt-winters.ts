import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { EwStats, zOf } from './internal/ew.js';
import { fmt, zToScore } from './internal/math.js';

/** Options of {@link createHoltWinters}. */
export const holtWintersOptionsSchema = z.strictObject({
  /**
   * Season length in samples (e.g. 288 for daily seasonality at 5-minute steps); 0 = no season.
   * Default 0.
   */
  seasonLength: z.number().int().min(0).max(2000).default(0),
  /** Level smoothing, in (0, 1). Default 0.2. */
  alpha: z.number().gt(0).lt(1).default(0.2),
  /** Trend smoothing, in [0, 1). Default 0.01. */
  beta: z.number().min(0).lt(1).default(0.01),
  /** Seasonal smoothing, in [0, 1). Default 0.1. */
  gamma: z.number().min(0).lt(1).default(0.1),
  /** Rate of the residual mean and variance estimate, in (0, 1). Default 0.02. */
  residualAlpha: z.number().gt(0).lt(1).default(0.02),
  /** Values seen before scoring starts. Default 16. */
  minCount: z.number().int().min(2).default(16),
});

/** Options of {@link createHoltWinters} (all optional). */
export type HoltWintersOptions = z.input<typeof holtWintersOptionsSchema>;

class HoltWinters extends BaseDetector {
  readonly name = 'holt-winters';
  private readonly options: z.output<typeof holtWintersOptionsSchema>;
  private readonly season: Float64Array;
  private readonly resid: EwStats;
  private level = 0;
  private trend = 0;
  private phase = 0;
  private forecast = 0;
  private z = 0;

  constructor(options: z.output<typeof holtWintersOptionsSchema>) {
    super();
    this.options = options;
    this.season = new Float64Array(Math.max(1, options.seasonLength));
    this.resid = new EwStats(options.residualAlpha);
  }

  protected step(v: number): number {
    const { alpha, beta, gamma, seasonLength, minCount } = this.options;
    if (this.n === 1) {
      this.level = v;
      this.forecast = v;
      return 0;
    }
    const s = seasonLength > 0 ? this.season[this.phase]! : 0;
    this.forecast = this.level + this.trend + s;
    const e = v - this.forecast;
    let score = 0;
    this.z = 0;
    if (this.n > minCount) {
      // Shift by the level so rounding is judged against the series' magnitude, not the residual's.
      this.z = zOf(e + this.level, this.resid.mean + this.level, this.resid.sd());
      score = zToScore(this.z);
    }
    this.resid.push(e);
    const prevLevel = this.level;
    this.level = alpha * (v - s) + (1 - alpha) * (this.level + this.trend);
    this.trend = beta * (this.level - prevLevel) + (1 - beta) * this.trend;
    if (seasonLength > 0) {
      // During the first season there is nothing to smooth against: take the deviation as is.
      const g = this.n <= seasonLength + 1 ? 1 : gamma;
      this.season[this.phase] = g * (v - this.level) + (1 - g) * s;
      this.phase = (this.phase + 1) % seasonLength;
    }
    return score;
  }

  protected describe(): string {
    if (this.n <= this.options.minCount) return `warming up (${this.n} values)`;
    const dir = this.z >= 0 ? 'above' : 'below';
    return `value ${fmt(this.lastValue)} is ${fmt(Math.abs(this.z))} residual-sd ${dir} the forecast ${fmt(this.forecast)} (level ${fmt(this.level)}, trend ${fmt(this.trend)}); score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return {
      options: this.options,
      level: this.level,
      trend: this.trend,
      phase: this.phase,
      season: Array.from(this.season),
      resid: this.resid.toJSON(),
    };
  }

  static fromState(s: Record<string, unknown>): HoltWinters {
    const d = new HoltWinters(
      parseOptions(holtWintersOptionsSchema, s.options, { source: 'holt-winters state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    d.level = r.num('level');
    d.trend = r.num('trend');
    d.phase = r.num('phase', 'count');
    if (d.phase >= d.season.length) r.fail('phase', `must be below ${d.season.length}`);
    d.season.set(r.nums('season', { length: d.season.length }));
    d.resid.load(r, 'resid');
    return d;
  }
}

/** @internal */
export const holtWintersFromState = (s: Record<string, unknown>): Detector =>
  HoltWinters.fromState(s);

/**
 * Holt-Winters residual: additive level + trend (+ season of `seasonLength` samples) smoothing
 * forecasts each value one step ahead; the forecast error, standardised by its own running mean
 * and standard deviation, is mapped to [0, 1].
 *
 * @remarks O(1) per update; memory `8 * seasonLength` bytes. Seasons are counted in samples, so
 * the series should be regular.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createHoltWinters({ seasonLength: 288 }); // daily, 5-minute samples
 * d.update(v, t);
 * ```
 */
export function createHoltWinters(options: HoltWintersOptions = {}): Detector {
  return new HoltWinters(
    parseOptions(holtWintersOptionsSchema, options, { source: 'createHoltWinters' }),
  );
}
