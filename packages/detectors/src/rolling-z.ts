import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { clampValue, fmt, nextTime, zToScore } from './internal/math.js';
import { StatsWindow } from './internal/window.js';

/** Options of {@link createRollingZ}. */
export const rollingZOptionsSchema = z.object({
  /** Number of past values the mean and standard deviation are computed over. */
  windowSize: z.number().int().min(2).max(100_000).default(256),
  /** Values seen before scoring starts (scores are 0 until then). */
  minCount: z.number().int().min(2).default(16),
});

/** Options of {@link createRollingZ} (all optional). */
export type RollingZOptions = z.input<typeof rollingZOptionsSchema>;

/** Serialised state of a rolling z-score detector. */
export interface RollingZState {
  readonly kind: 'rolling-z';
  readonly options: z.output<typeof rollingZOptionsSchema>;
  readonly t: number;
  readonly window: number[];
}

class RollingZ implements Detector {
  readonly name = 'rolling-z';
  private readonly options: z.output<typeof rollingZOptionsSchema>;
  private readonly window: StatsWindow;
  private t = Number.NEGATIVE_INFINITY;
  private lastValue = Number.NaN;
  private lastMean = 0;
  private lastStd = 0;
  private lastZ = 0;
  private lastScore = 0;

  constructor(options: z.output<typeof rollingZOptionsSchema>) {
    this.options = options;
    this.window = new StatsWindow(options.windowSize);
  }

  update(value: number, t: number): number {
    this.t = nextTime(this.t, t);
    this.lastValue = value;
    if (!Number.isFinite(value)) {
      this.lastScore = 0;
      this.lastZ = Number.NaN;
      return 0;
    }
    const v = clampValue(value);
    const w = this.window;
    let score = 0;
    let z = 0;
    if (w.count >= this.options.minCount) {
      const mean = w.mean();
      const std = w.std();
      this.lastMean = mean;
      this.lastStd = std;
      const d = v - mean;
      // A constant window has no spread: any change is maximally surprising, no change is not.
      z = std > 0 ? d / std : d === 0 ? 0 : Math.sign(d) * 1e6;
      score = zToScore(z);
    }
    w.push(v);
    this.lastZ = z;
    this.lastScore = score;
    return score;
  }

  explain(): string {
    if (!Number.isFinite(this.lastValue)) return 'rolling-z: non-finite value skipped';
    if (this.window.count <= this.options.minCount && this.lastScore === 0 && this.lastZ === 0) {
      return `rolling-z: warming up (${this.window.count}/${this.options.minCount} values)`;
    }
    const dir = this.lastZ >= 0 ? 'above' : 'below';
    return `rolling-z: value ${fmt(this.lastValue)} is ${fmt(Math.abs(this.lastZ))} standard deviations ${dir} the mean ${fmt(this.lastMean)} (sd ${fmt(this.lastStd)}) of the last ${this.window.count} values; score ${fmt(this.lastScore)}`;
  }

  toJSON(): RollingZState {
    return { kind: 'rolling-z', options: this.options, t: this.t, window: this.window.values() };
  }

  static fromJSON(state: RollingZState): RollingZ {
    const d = new RollingZ(
      parseOptions(rollingZOptionsSchema, state.options, { source: 'rolling-z state' }),
    );
    d.window.load(state.window.filter((v) => Number.isFinite(v)));
    d.t =
      typeof state.t === 'number' && !Number.isNaN(state.t) ? state.t : Number.NEGATIVE_INFINITY;
    return d;
  }
}

/**
 * Rolling z-score: how many standard deviations a value lies from the mean of the last
 * `windowSize` values, mapped to [0, 1] as the two-sided normal probability within |z|.
 *
 * @remarks O(1) per update, no allocation; memory is `8 * windowSize` bytes.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createRollingZ({ windowSize: 128 });
 * for (const [t, v] of rows) if (d.update(v, t) > 0.999) console.log(d.explain());
 * ```
 */
export function createRollingZ(options: RollingZOptions = {}): Detector {
  return new RollingZ(parseOptions(rollingZOptionsSchema, options, { source: 'createRollingZ' }));
}

/**
 * Recreates a rolling z-score detector from its `toJSON()` output.
 *
 * @throws {ConfigError} when the saved options are invalid.
 */
export function restoreRollingZ(state: RollingZState): Detector {
  return RollingZ.fromJSON(state);
}
