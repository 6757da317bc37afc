/** Runs one model over a set of series, timing fit + forecast and scoring the result. */
import type { ModelFactory } from '@homeostat/predictors';
import { coverage, scoreSet, M4_HORIZON, type Scores } from './score.js';

/** What one model produced over the set. */
export interface ModelRun {
  readonly name: string;
  /** Mean forecasts, one array of 48 per series (Naive2's when the model failed on a series). */
  readonly forecasts: number[][];
  readonly scores: Scores | undefined;
  /** Share of actual values inside the 95 % interval (NaN without actual values). */
  readonly coverage: number;
  /** Wall-clock seconds spent fitting and forecasting, over all series. */
  readonly seconds: number;
  /** CPU seconds (user + system) of the same work: fairer than wall time on a shared machine. */
  readonly cpuSeconds: number;
  /** Series where the model threw (Naive2 used instead, counted here). */
  readonly failures: number;
  /** For selecting models: how often each candidate was chosen. */
  readonly selected: Record<string, number> | undefined;
}

/** Fits `factory()` on every series, forecasts 48 steps and scores against `actual` when given. */
export function runModel(
  model: { readonly name: string; readonly factory: ModelFactory },
  series: readonly { insample: number[]; actual: number[] | undefined }[],
  options: { naive2: readonly number[][]; onSeries?: () => void },
): ModelRun {
  const { name, factory } = model;
  const forecasts: number[][] = [];
  let inside = 0;
  let total = 0;
  let failures = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  let selected: Record<string, number> | undefined;
  series.forEach((s, i) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let mean: number[];
    let lower: number[] | undefined;
    let upper: number[] | undefined;
    try {
      const model = factory();
      model.fit(s.insample);
      const f = model.forecast(M4_HORIZON);
      mean = f.mean;
      lower = f.lower;
      upper = f.upper;
      const sel = (model as { selected?: unknown }).selected;
      if (typeof sel === 'string') {
        selected ??= {};
        selected[sel] = (selected[sel] ?? 0) + 1;
      }
    } catch {
      failures++;
      mean = options.naive2[i]!;
    }
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    cpuSeconds += (c.user + c.system) / 1e6;
    forecasts.push(mean);
    if (s.actual && lower && upper) {
      const c = coverage(s.actual, lower, upper);
      inside += c.inside;
      total += c.total;
    }
    options.onSeries?.();
  });
  const scored = series.every((s) => s.actual !== undefined);
  const scores = scored
    ? scoreSet(
        series.map((s, i) => ({
          insample: s.insample,
          actual: s.actual!,
          forecast: forecasts[i]!,
        })),
        options.naive2,
      )
    : undefined;
  return {
    name,
    forecasts,
    scores,
    coverage: total > 0 ? inside / total : Number.NaN,
    seconds,
    cpuSeconds,
    failures,
    selected,
  };
}
