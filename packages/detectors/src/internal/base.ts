import { clamp01, clampValue, nextTime } from './math.js';
import type { Detector } from '../detector.js';
import type { StateReader } from './state.js';

/**
 * Shared bad-input policy of every plain detector: non-finite values are skipped (score 0,
 * state untouched), time never goes backwards, values are clamped to ±1e150, and the score is
 * forced into [0, 1] with NaN mapped to 0. Subclasses implement `step`, `describe` and `state`.
 */
export abstract class BaseDetector implements Detector {
  abstract readonly name: string;
  /** Latest event time seen (monotone). */
  protected t = Number.NEGATIVE_INFINITY;
  /** Value of the last update (possibly non-finite). */
  protected lastValue = Number.NaN;
  /** Score of the last update. */
  protected lastScore = 0;
  /** Updates that carried a finite value. */
  protected n = 0;
  /** Non-finite values skipped so far. */
  protected skipped = 0;

  update(value: number, t: number): number {
    this.t = nextTime(this.t, t);
    this.lastValue = value;
    if (!Number.isFinite(value)) {
      this.skipped++;
      this.lastScore = 0;
      return 0;
    }
    this.n++;
    const s = clamp01(this.step(clampValue(value), this.t));
    this.lastScore = s;
    return s;
  }

  explain(): string {
    if (this.n === 0 && this.skipped === 0) return `${this.name}: no value seen yet`;
    if (!Number.isFinite(this.lastValue)) {
      return `${this.name}: non-finite value ${String(this.lastValue)} skipped (score 0)`;
    }
    return `${this.name}: ${this.describe()}`;
  }

  toJSON(): unknown {
    return { kind: this.name, t: this.t, n: this.n, skipped: this.skipped, ...this.state() };
  }

  /** Restores the fields kept by this base class (`t` is `null` when no finite time was seen). */
  protected restoreBase(r: StateReader): void {
    this.t = r.numOrNull('t') ?? Number.NEGATIVE_INFINITY;
    this.n = r.num('n', 'count');
    this.skipped = r.num('skipped', 'count');
  }

  /** Scores a finite, clamped value at monotone time `t`; may return anything (clamped after). */
  protected abstract step(v: number, t: number): number;
  /** Explanation of the last finite update, without the name prefix. */
  protected abstract describe(): string;
  /** Detector-specific serialisable state (including options). */
  protected abstract state(): Record<string, unknown>;
}
