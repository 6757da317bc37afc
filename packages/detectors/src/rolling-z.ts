import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { fmt, zToScore } from './internal/math.js';
import { minCountWithinWindow, withMinCount, savedMinCount } from './internal/min-count.js';
import { StatsWindow } from './internal/window.js';
import { zOf } from './internal/ew.js';

/** Options of {@link createRollingZ}. */
export const rollingZOptionsSchema = z
  .strictObject({
    /** Number of past values the mean and standard deviation are computed over. Default 256. */
    windowSize: z.number().int().min(2).max(100_000).default(256),
    /**
     * Values seen before scoring starts (scores are 0 until then), at most `windowSize`. Default
     * 16, or `windowSize` when that is smaller.
     */
    minCount: z.number().int().min(2).optional(),
  })
  .superRefine(minCountWithinWindow);

/** Options of {@link createRollingZ} (all optional). */
export type RollingZOptions = z.input<typeof rollingZOptionsSchema>;

type Opts = ReturnType<typeof withMinCount<z.output<typeof rollingZOptionsSchema>>>;

class RollingZ extends BaseDetector {
  readonly name = 'rolling-z';
  private readonly options: Opts;
  private readonly window: StatsWindow;
  private mean = 0;
  private sd = 0;
  private z = 0;

  constructor(options: Opts) {
    super();
    this.options = options;
    this.window = new StatsWindow(options.windowSize);
  }

  protected step(v: number): number {
    const w = this.window;
    let score = 0;
    this.z = 0;
    if (w.count >= this.options.minCount) {
      this.mean = w.mean();
      this.sd = w.std();
      // A constant window has no spread: any change is maximally surprising, no change is not.
      // "No change" within rounding: the running sums give a constant 0.1 a mean a few ulps off
      // and an sd of 0 or of rounding noise, which an exact test would score as 1e6 sd.
      this.z = zOf(v, this.mean, this.sd);
      score = zToScore(this.z);
    }
    w.push(v);
    return score;
  }

  protected describe(): string {
    if (this.window.count <= this.options.minCount) {
      return `warming up (${this.window.count}/${this.options.minCount} values)`;
    }
    const dir = this.z >= 0 ? 'above' : 'below';
    return `value ${fmt(this.lastValue)} is ${fmt(Math.abs(this.z))} sd ${dir} the mean ${fmt(this.mean)} (sd ${fmt(this.sd)}) of the last ${this.window.count} values; score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    return { options: this.options, window: this.window.toJSON() };
  }

  static fromState(s: Record<string, unknown>): RollingZ {
    const d = new RollingZ(
      withMinCount(
        parseOptions(rollingZOptionsSchema, savedMinCount(s.options), {
          source: 'rolling-z state',
        }),
      ),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    d.window.restore(r, 'window');
    return d;
  }
}

/** @internal */
export const rollingZFromState = (s: Record<string, unknown>): Detector => RollingZ.fromState(s);

/**
 * Rolling z-score: how many standard deviations a value lies from the mean of the last
 * `windowSize` values, mapped to [0, 1] as the two-sided normal probability within |z|
 * (|z| = 3 scores 0.997).
 *
 * @remarks O(1) per update (amortised: the window's sums are recomputed exactly every
 * `windowSize` values, and when a large value leaving it would leave rounding behind), no
 * allocation; memory is `8 * windowSize` bytes. The sums are taken about the window's mean, so a
 * large offset (1e9 ± 1) costs no precision.
 * @throws {ConfigError} when an option is invalid, or `minCount` exceeds `windowSize`.
 * @example
 * ```ts
 * const d = createRollingZ({ windowSize: 128 });
 * for (const [t, v] of rows) if (d.update(v, t) > 0.999) console.log(d.explain());
 * ```
 */
export function createRollingZ(options: RollingZOptions = {}): Detector {
  return new RollingZ(
    withMinCount(parseOptions(rollingZOptionsSchema, options, { source: 'createRollingZ' })),
  );
}
