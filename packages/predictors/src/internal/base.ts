import { ForecastInputError, type ForecastResult, type Model, type ModelState } from '../model.js';

/** Checks a history: non-empty and finite everywhere. Returns a copy as a plain array. */
export function checkHistory(model: string, history: ArrayLike<number>): number[] {
  if (history === null || typeof history !== 'object' || typeof history.length !== 'number') {
    throw new ForecastInputError(model, 'history must be an array of numbers');
  }
  if (history.length === 0) throw new ForecastInputError(model, 'history is empty');
  const out = new Array<number>(history.length);
  for (let i = 0; i < history.length; i++) {
    const v = history[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ForecastInputError(
        model,
        `history[${i}] is ${String(v)}; every value must be a finite number (fill gaps first)`,
        i,
      );
    }
    out[i] = v;
  }
  return out;
}

/** Checks a horizon. */
export function checkHorizon(model: string, h: number): void {
  if (!Number.isInteger(h) || h < 1) {
    throw new ForecastInputError(model, `horizon must be a positive integer, got ${h}`);
  }
}

/** Replaces any non-finite entry so that a forecast never holds NaN (a last line of defence). */
export function sanitise(
  result: ForecastResult,
  history: readonly number[],
  clamp = true,
): ForecastResult {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of history) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // A model that diverges (for example a multiplicative season on data near zero) has its mean
  // held to one history range beyond the observed extremes, and its bounds to three, so that a
  // held mean keeps an interval on the side it was heading to.
  const range = Math.max(hi - lo, Math.abs(hi) * 0.1, 1e-9);
  const fallback = history[history.length - 1]!;
  const fix = (a: number[], k: number): number[] =>
    a.map((v) =>
      !Number.isFinite(v)
        ? fallback
        : clamp
          ? Math.min(hi + k * range, Math.max(lo - k * range, v))
          : v,
    );
  const mean = fix(result.mean, 1);
  const lower = fix(result.lower, 3).map((v, i) => Math.min(v, mean[i]!));
  const upper = fix(result.upper, 3).map((v, i) => Math.max(v, mean[i]!));
  return { mean, lower, upper, level: result.level };
}

/**
 * Shared plumbing: bounded history, input checks, lazy re-estimation. Subclasses implement
 * `estimate` (from the whole history) and may override `step` (cheap state update).
 */
export abstract class BaseModel implements Model {
  abstract readonly name: string;
  /** The history the model keeps, oldest first (bounded by `maxHistory`). */
  protected history: number[] = [];
  /** Values dropped from the front of the history because of `maxHistory`. */
  dropped = 0;
  /** Hold forecasts to one history range beyond the observed extremes (off for trend models). */
  protected readonly clampToRange: boolean = true;
  private fitted = false;
  private stale = false;

  constructor(
    protected readonly level: number,
    protected readonly maxHistory: number,
  ) {}

  fit(history: ArrayLike<number>): void {
    let h = checkHistory(this.name, history);
    if (h.length > this.maxHistory) {
      this.dropped += h.length - this.maxHistory;
      h = h.slice(h.length - this.maxHistory);
    }
    this.history = h;
    this.estimate(h);
    this.fitted = true;
    this.stale = false;
  }

  update(value: number, _t?: number): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ForecastInputError(
        this.name,
        `update value is ${String(value)}; it must be finite`,
      );
    }
    if (!this.fitted) {
      this.fit([value]);
      return;
    }
    this.history.push(value);
    if (this.history.length > this.maxHistory) {
      this.history.shift();
      this.dropped++;
    }
    if (!this.step(value)) this.stale = true;
  }

  forecast(h: number): ForecastResult {
    checkHorizon(this.name, h);
    if (!this.fitted) throw new ForecastInputError(this.name, 'forecast() called before fit()');
    if (this.stale) {
      this.estimate(this.history);
      this.stale = false;
    }
    return sanitise(this.predict(h), this.history, this.clampToRange);
  }

  toJSON(): ModelState {
    return { model: this.name, history: [...this.history] };
  }

  /** Estimates parameters and state from `history` (finite, non-empty). */
  protected abstract estimate(history: readonly number[]): void;
  /** Advances the state by one value; returns false to ask for a re-estimate instead. */
  protected step(_value: number): boolean {
    return false;
  }
  /** Forecasts from the current state. */
  protected abstract predict(h: number): ForecastResult;
}
