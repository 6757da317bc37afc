import { clamp01, clampValue, nextTime } from './math.js';
import type { Detector } from '../detector.js';

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

  /** Restores the fields kept by this base class. */
  protected restoreBase(s: { t?: unknown; n?: unknown; skipped?: unknown }): void {
    this.t = typeof s.t === 'number' && !Number.isNaN(s.t) ? s.t : Number.NEGATIVE_INFINITY;
    this.n = typeof s.n === 'number' && Number.isFinite(s.n) ? s.n : 0;
    this.skipped = typeof s.skipped === 'number' && Number.isFinite(s.skipped) ? s.skipped : 0;
  }

  /** Scores a finite, clamped value at monotone time `t`; may return anything (clamped after). */
  protected abstract step(v: number, t: number): number;
  /** Explanation of the last finite update, without the name prefix. */
  protected abstract describe(): string;
  /** Detector-specific serialisable state (including options). */
  protected abstract state(): Record<string, unknown>;
}

/** Reads a numeric field of saved state, with a fallback when absent or not finite. */
export function num(o: Record<string, unknown>, key: string, fallback: number): number {
  const v = o[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Reads a numeric array field of saved state (non-finite entries become 0). */
export function nums(o: Record<string, unknown>, key: string): number[] {
  const v = o[key];
  return Array.isArray(v)
    ? v.map((x) => (typeof x === 'number' && Number.isFinite(x) ? x : 0))
    : [];
}
