import { HomeostatError } from '@homeostat/core';

/** Mean forecast and prediction interval, one entry per step ahead (index 0 = one step). */
export interface ForecastResult {
  /** Point forecast per step ahead (index 0 = one step), in the series' unit. */
  readonly mean: number[];
  /** Lower bound of the prediction interval per step ahead, at coverage `level`. */
  readonly lower: number[];
  /** Upper bound of the prediction interval per step ahead, at coverage `level`. */
  readonly upper: number[];
  /** Coverage of `[lower, upper]`, for example 0.95. */
  readonly level: number;
}

/**
 * A forecasting model with the plain API: `fit` on a history, `update` with each new value,
 * then `forecast(h)`.
 *
 * @remarks
 * `fit` estimates parameters (the expensive part); `update` advances the state with the
 * parameters already estimated, in O(1) or O(season) for most models. Values are equally spaced
 * in time: the caller (or the `forecast` operator) fills gaps first.
 */
export interface Model {
  /** Name used in `Forecast.model` and in benchmark tables. */
  readonly name: string;
  /**
   * Estimates the model on `history` (oldest first), replacing any previous state.
   *
   * @throws {ForecastInputError} when `history` is empty or holds a non-finite value.
   */
  fit(history: ArrayLike<number>): void;
  /**
   * Adds one observation after the last one seen (fits on it alone when nothing was fitted).
   *
   * @throws {ForecastInputError} when `value` is not finite.
   */
  update(value: number, t?: number): void;
  /**
   * Forecasts `h` steps ahead; every entry is finite.
   *
   * @throws {ForecastInputError} when nothing has been fitted, or `h` is not a positive integer.
   */
  forecast(h: number): ForecastResult;
  /**
   * The state to save across a restart: the model name and the history it keeps (bounded by
   * `maxHistory`). {@link restoreModel} refits from it; fitting is deterministic, so the restored
   * model forecasts as the saved one did after its last `fit`.
   */
  toJSON(): ModelState;
}

/** Serialisable state of a {@link Model} (see {@link Model.toJSON}). */
export interface ModelState {
  /**
   * Name of the model that saved the state; {@link restoreModel} refuses it for a model of another
   * name.
   */
  readonly model: string;
  /**
   * The values the model kept, oldest first (at most its `maxHistory` option); refitted on restore.
   */
  readonly history: readonly number[];
}

/** Creates a fresh, unfitted {@link Model}. */
export type ModelFactory = () => Model;

/** Codes of {@link ForecastInputError}. */
export type ForecastInputCode = 'FORECAST_INPUT_INVALID';

/**
 * Input a model cannot use: an empty history, a non-finite value, a forecast asked of an unfitted
 * model or a bad horizon. `index` is the position of the offending value, when there is one.
 *
 * @example
 * ```ts
 * try { model.fit([1, NaN]); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'FORECAST_INPUT_INVALID') console.error(e.message); }
 * ```
 */
export class ForecastInputError extends HomeostatError<ForecastInputCode> {
  /** Name of the model that refused the input. */
  readonly model: string;
  /** Position of the offending value in the history, when there is one. */
  readonly index: number | undefined;

  constructor(model: string, message: string, index?: number) {
    super('FORECAST_INPUT_INVALID', `${model}: ${message}`);
    this.model = model;
    this.index = index;
  }
}
