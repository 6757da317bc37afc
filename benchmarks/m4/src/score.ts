/**
 * The M4 measures, as the competition computes them: sMAPE, MASE (scaled by the in-sample
 * seasonal-naive error) and OWA relative to Naive2.
 */
import { createNaive2 } from '@homeostat/predictors';

/** Seasonal period of the hourly series. */
export const M4_PERIOD = 24;
/** Forecast horizon of the hourly series. */
export const M4_HORIZON = 48;

/** Mean over horizons of `200·|y − f| / (|y| + |f|)` (a step where both are 0 counts as 0). */
export function smape(actual: readonly number[], forecast: readonly number[]): number {
  checkLengths(actual, forecast);
  let s = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const f = forecast[i]!;
    const den = Math.abs(y) + Math.abs(f);
    s += den === 0 ? 0 : (200 * Math.abs(y - f)) / den;
  }
  return s / actual.length;
}

/** In-sample seasonal-naive mean absolute error, `mean_{j>m} |x_j − x_{j−m}|`. */
export function maseScale(insample: readonly number[], m = M4_PERIOD): number {
  if (insample.length <= m)
    throw new RangeError(`maseScale: needs more than m = ${m} points, got ${insample.length}`);
  let s = 0;
  for (let j = m; j < insample.length; j++) s += Math.abs(insample[j]! - insample[j - m]!);
  return s / (insample.length - m);
}

/** Mean over horizons of `|y − f| / scale`, with {@link maseScale} of the in-sample part. */
export function mase(c: SeriesCase, m = M4_PERIOD): number {
  const { insample, actual, forecast } = c;
  checkLengths(actual, forecast);
  const scale = maseScale(insample, m);
  let s = 0;
  for (let i = 0; i < actual.length; i++) s += Math.abs(actual[i]! - forecast[i]!);
  return s / actual.length / scale;
}

/** The competition's Naive2 forecast of `h` steps for one series. */
export function naive2Forecast(
  insample: readonly number[],
  h = M4_HORIZON,
  m = M4_PERIOD,
): number[] {
  const model = createNaive2({ period: m });
  model.fit(insample);
  return model.forecast(h).mean;
}

/** One scored series. */
export interface SeriesCase {
  readonly insample: readonly number[];
  readonly actual: readonly number[];
  readonly forecast: readonly number[];
}

/** Overall scores of a method over a set of series. */
export interface Scores {
  readonly smape: number;
  readonly mase: number;
  readonly owa: number;
}

/**
 * sMAPE and MASE averaged over every series, and OWA = ½·(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2)
 * from those overall means. `naive2` holds the Naive2 forecasts of the same series (computed when
 * omitted).
 */
export function scoreSet(
  cases: readonly SeriesCase[],
  naive2?: readonly (readonly number[])[],
  m = M4_PERIOD,
): Scores {
  if (cases.length === 0) throw new RangeError('scoreSet: no series');
  let s = 0;
  let a = 0;
  let s2 = 0;
  let a2 = 0;
  cases.forEach((c, i) => {
    const ref = naive2?.[i] ?? naive2Forecast(c.insample, c.actual.length, m);
    s += smape(c.actual, c.forecast);
    a += mase(c, m);
    s2 += smape(c.actual, ref);
    a2 += mase({ insample: c.insample, actual: c.actual, forecast: ref }, m);
  });
  const k = cases.length;
  const result = { smape: s / k, mase: a / k };
  return { ...result, owa: 0.5 * (result.smape / (s2 / k) + result.mase / (a2 / k)) };
}

/** Fraction of actual values inside `[lower, upper]`. */
export function coverage(
  actual: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
): { inside: number; total: number } {
  let inside = 0;
  for (let i = 0; i < actual.length; i++)
    if (actual[i]! >= lower[i]! && actual[i]! <= upper[i]!) inside++;
  return { inside, total: actual.length };
}

function checkLengths(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length || a.length === 0) {
    throw new RangeError(`lengths differ or are zero: actual ${a.length}, forecast ${b.length}`);
  }
}
