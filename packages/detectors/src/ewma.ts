import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { EwStats, zOf } from './internal/ew.js';
import { fmt, zToScore } from './internal/math.js';

/** Options of {@link createEwmaChart}. */
export const ewmaChartOptionsSchema = z.strictObject({
  /** Smoothing of the EWMA statistic (weight of the newest value), in (0, 1]. Default 0.2. */
  lambda: z.number().gt(0).max(1).default(0.2),
  /** Rate at which the in-control mean and variance follow the series, in (0, 1). Default 0.01. */
  baselineAlpha: z.number().gt(0).lt(1).default(0.01),
  /** Values seen before scoring starts. Default 16. */
  minCount: z.number().int().min(2).default(16),
});

/** Options of {@link createEwmaChart} (all optional). */
export type EwmaChartOptions = z.input<typeof ewmaChartOptionsSchema>;

class EwmaChart extends BaseDetector {
  readonly name = 'ewma';
  private readonly options: z.output<typeof ewmaChartOptionsSchema>;
  private readonly baseline: EwStats;
  private ewma = 0;
  private z = 0;

  constructor(options: z.output<typeof ewmaChartOptionsSchema>) {
    super();
    this.options = options;
    this.baseline = new EwStats(options.baselineAlpha);
  }

  protected step(v: number): number {
    const { lambda, minCount } = this.options;
    const b = this.baseline;
    this.ewma = b.n === 0 ? v : lambda * v + (1 - lambda) * this.ewma;
    let score = 0;
    this.z = 0;
    if (b.n >= minCount) {
      // Asymptotic sd of the EWMA statistic under control: sd * sqrt(lambda / (2 - lambda)).
      this.z = zOf(this.ewma, b.mean, b.sd() * Math.sqrt(lambda / (2 - lambda)));
      score = zToScore(this.z);
    }
    b.push(v);
    return score;
  }

  protected describe(): string {
    if (this.baseline.n <= this.options.minCount) return `warming up (${this.baseline.n} values)`;
    const dir = this.z >= 0 ? 'above' : 'below';
    return `EWMA ${fmt(this.ewma)} of recent values is ${fmt(Math.abs(this.z))} control-sd ${dir} the in-control mean ${fmt(this.baseline.mean)}; score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return { options: this.options, ewma: this.ewma, baseline: this.baseline.toJSON() };
  }

  static fromState(s: Record<string, unknown>): EwmaChart {
    const d = new EwmaChart(
      parseOptions(ewmaChartOptionsSchema, s.options, { source: 'ewma state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    d.ewma = r.num('ewma');
    d.baseline.load(r, 'baseline');
    return d;
  }
}

/** @internal */
export const ewmaFromState = (s: Record<string, unknown>): Detector => EwmaChart.fromState(s);

/**
 * EWMA control chart: an exponentially weighted moving average of the values, compared with a
 * slowly adapting in-control mean in units of the EWMA's own standard deviation. Sensitive to
 * small sustained shifts that a per-point z-score misses.
 *
 * @remarks O(1) per update and memory.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createEwmaChart({ lambda: 0.1 });
 * d.update(0.93, t);
 * ```
 */
export function createEwmaChart(options: EwmaChartOptions = {}): Detector {
  return new EwmaChart(
    parseOptions(ewmaChartOptionsSchema, options, { source: 'createEwmaChart' }),
  );
}
