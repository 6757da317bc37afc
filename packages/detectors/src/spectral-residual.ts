import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { EwStats, zOf } from './internal/ew.js';
import { fft } from './internal/fft.js';
import { fmt, zToScore } from './internal/math.js';
import { StatsWindow } from './internal/window.js';

/** Options of {@link createSpectralResidual}. */
export const spectralResidualOptionsSchema = z.strictObject({
  /**
   * FFT length: past values plus extrapolated ones; a power of two from 16 to 1024. Default 64.
   */
  windowSize: z
    .number()
    .int()
    .min(16)
    .max(1024)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
    .default(64),
  /**
   * Points extrapolated past the newest value so it is not at the edge of the window. Default 5.
   */
  extrapolate: z.number().int().min(1).max(16).default(5),
  /** Width of the moving average over the log amplitude spectrum. Default 3. */
  spectrumAverage: z.number().int().min(1).max(15).default(3),
  /** Rate of the running statistics of the saliency ratio, in (0, 1). Default 0.01. */
  alpha: z.number().gt(0).lt(1).default(0.01),
});

/** Options of {@link createSpectralResidual} (all optional). */
export type SpectralResidualOptions = z.input<typeof spectralResidualOptionsSchema>;

class SpectralResidual extends BaseDetector {
  readonly name = 'spectral-residual';
  private readonly options: z.output<typeof spectralResidualOptionsSchema>;
  private readonly past: StatsWindow;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly logAmp: Float64Array;
  private readonly saliency: Float64Array;
  private readonly ratio: EwStats;
  private lastRatio = 0;
  private z = 0;

  constructor(options: z.output<typeof spectralResidualOptionsSchema>) {
    super();
    this.options = options;
    const n = options.windowSize;
    this.past = new StatsWindow(n - options.extrapolate);
    this.re = new Float64Array(n);
    this.im = new Float64Array(n);
    this.logAmp = new Float64Array(n);
    this.saliency = new Float64Array(n);
    this.ratio = new EwStats(options.alpha);
  }

  protected step(v: number): number {
    const p = this.past;
    p.push(v);
    if (!p.count || p.count < p.capacity) return 0;
    const { windowSize: n, extrapolate: m, spectrumAverage: q } = this.options;
    const real = n - m;
    // Centre the window so a large offset does not swamp the spectrum.
    const mean = p.mean();
    for (let i = 0; i < real; i++) {
      this.re[i] = p.at(i) - mean;
      this.im[i] = 0;
    }
    // Extrapolate with the mean slope from the last m values to the newest one.
    const last = this.re[real - 1]!;
    let g = 0;
    for (let i = 1; i <= m; i++) g += (last - this.re[real - 1 - i]!) / i;
    g /= m;
    for (let i = 0; i < m; i++) {
      this.re[real + i] = this.re[real - m + i]! + g * m;
      this.im[real + i] = 0;
    }
    fft(this.re, this.im, false);
    for (let i = 0; i < n; i++) {
      const a = Math.sqrt(this.re[i]! * this.re[i]! + this.im[i]! * this.im[i]!);
      this.logAmp[i] = Math.log(a + 1e-12);
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < q; k++) s += this.logAmp[(i + k - (q >> 1) + n) % n]!;
      const residual = this.logAmp[i]! - s / q;
      const a = Math.sqrt(this.re[i]! * this.re[i]! + this.im[i]! * this.im[i]!);
      // Keep the phase, replace the amplitude by exp(spectral residual).
      const scale = a > 0 ? Math.exp(residual) / a : 0;
      this.re[i] = this.re[i]! * scale;
      this.im[i] = this.im[i]! * scale;
    }
    fft(this.re, this.im, true);
    let avg = 0;
    for (let i = 0; i < real; i++) {
      this.saliency[i] = Math.sqrt(this.re[i]! * this.re[i]! + this.im[i]! * this.im[i]!);
      avg += this.saliency[i]!;
    }
    avg /= real;
    const s = this.saliency[real - 1]!;
    const r = avg > 0 ? (s - avg) / avg : 0;
    this.lastRatio = r;
    let score = 0;
    this.z = 0;
    if (this.ratio.n >= 16) {
      this.z = zOf(r, this.ratio.mean, this.ratio.sd());
      score = this.z > 0 ? zToScore(this.z) : 0;
    }
    this.ratio.push(r);
    return score;
  }

  protected describe(): string {
    if (this.ratio.n <= 16) return `warming up (${this.past.count}/${this.past.capacity} values)`;
    return `spectral saliency of value ${fmt(this.lastValue)} is ${fmt(this.lastRatio)}x above the window average, ${fmt(this.z)} sd over its usual level; score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return { options: this.options, window: this.past.toJSON(), ratio: this.ratio.toJSON() };
  }

  static fromState(s: Record<string, unknown>): SpectralResidual {
    const d = new SpectralResidual(
      parseOptions(spectralResidualOptionsSchema, s.options, { source: 'spectral-residual state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    d.past.restore(r, 'window');
    d.ratio.load(r, 'ratio');
    return d;
  }
}

/** @internal */
export const spectralResidualFromState = (s: Record<string, unknown>): Detector =>
  SpectralResidual.fromState(s);

/**
 * Spectral residual: the saliency of the newest value in the window's spectrum. The log
 * amplitude spectrum minus its local average (the "spectral residual") is transformed back; a
 * value that breaks the window's regular structure stands out in the result. The saliency ratio
 * is standardised by its own running statistics and mapped to [0, 1] (only upward deviations).
 *
 * @remarks Two FFTs of `windowSize` per update, into preallocated buffers (no allocation);
 * memory about `40 * windowSize` bytes.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createSpectralResidual({ windowSize: 64 });
 * d.update(v, t);
 * ```
 */
export function createSpectralResidual(options: SpectralResidualOptions = {}): Detector {
  return new SpectralResidual(
    parseOptions(spectralResidualOptionsSchema, options, { source: 'createSpectralResidual' }),
  );
}
