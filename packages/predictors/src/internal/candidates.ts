import { z } from 'zod';
import type { ForecastResult, Model } from '../model.js';
import { createDampedTrend, createHolt, createHoltWinters, createSes } from '../ets-models.js';
import { createSeasonalNaive } from '../create-seasonal-naive.js';
import { createNaive2 } from '../create-naive2.js';
import { createTheta } from '../create-theta.js';
import { createMstl } from '../create-mstl.js';
import { createLinearTrend } from '../create-linear-trend.js';

/** Names of the models {@link createAutoModel} and {@link createEnsemble} can combine. */
export const CANDIDATE_NAMES = [
  'snaive',
  'snaive-long',
  'naive2',
  'ses',
  'holt',
  'damped',
  'hw-additive',
  'hw-multiplicative',
  'hw-long',
  'mstl',
  'mstl-adaptive',
  'theta',
  'linear',
] as const;
/** A name from {@link CANDIDATE_NAMES}. */
export type CandidateName = (typeof CANDIDATE_NAMES)[number];
/** Validates a {@link CandidateName}. */
export const candidateNameSchema = z.enum(CANDIDATE_NAMES);

/** What every candidate is built with. */
export interface CandidateContext {
  readonly periods: readonly number[];
  readonly level: number;
  readonly maxHistory: number;
}

/** Builds a candidate: `period` is the shortest period, `long` the longest. */
export function makeCandidate(name: CandidateName, ctx: CandidateContext): Model {
  const { level, maxHistory } = ctx;
  const period = Math.min(...ctx.periods);
  const long = Math.max(...ctx.periods);
  const base = { level, maxHistory };
  switch (name) {
    case 'snaive':
      return createSeasonalNaive({ ...base, period });
    case 'snaive-long':
      return createSeasonalNaive({ ...base, period: long });
    case 'naive2':
      return createNaive2({ ...base, period });
    case 'ses':
      return createSes({ ...base, adjustPeriod: period });
    case 'holt':
      return createHolt({ ...base, adjustPeriod: period });
    case 'damped':
      return createDampedTrend({ ...base, adjustPeriod: period });
    case 'hw-additive':
      return createHoltWinters({ ...base, period, trend: 'damped' });
    case 'hw-multiplicative':
      return createHoltWinters({ ...base, period, season: 'multiplicative', trend: 'damped' });
    case 'hw-long':
      return createHoltWinters({ ...base, period: long, trend: 'none' });
    case 'mstl':
      return createMstl({ ...base, periods: [...ctx.periods] });
    case 'mstl-adaptive':
      return createMstl({ ...base, periods: [...ctx.periods], decay: 0.5 });
    case 'theta':
      return createTheta({ ...base, period });
    case 'linear':
      return createLinearTrend(base);
  }
}

/** Accuracy of a forecast against held-out values: sMAPE (%) and MAE. */
export function accuracy(
  actual: readonly number[],
  forecast: readonly number[],
): { smape: number; mae: number } {
  let s = 0;
  let a = 0;
  for (let i = 0; i < actual.length; i++) {
    const y = actual[i]!;
    const f = forecast[i]!;
    const den = Math.abs(y) + Math.abs(f);
    s += den === 0 ? 0 : (200 * Math.abs(y - f)) / den;
    a += Math.abs(y - f);
  }
  return { smape: s / actual.length, mae: a / actual.length };
}

/**
 * Fits every candidate on `train` and scores it on `test`; returns the relative error of each
 * (½·(sMAPE/best sMAPE + MAE/best MAE), 1 for the best) — candidates that throw are left out.
 */
export function rankOnHoldout(
  names: readonly CandidateName[],
  ctx: CandidateContext,
  split: { readonly train: readonly number[]; readonly test: readonly number[] },
): { name: CandidateName; score: number; mae: number; widen: number }[] {
  const { train, test } = split;
  const results: { name: CandidateName; smape: number; mae: number; widen: number }[] = [];
  for (const name of names) {
    try {
      const model = makeCandidate(name, ctx);
      model.fit(train);
      const f = model.forecast(test.length);
      results.push({ name, ...accuracy(test, f.mean), widen: widening(test, f) });
    } catch {
      // A candidate that cannot handle this history is simply not chosen.
    }
  }
  const bestS = Math.min(...results.map((r) => r.smape));
  const bestA = Math.min(...results.map((r) => r.mae));
  const rel = (v: number, best: number): number => (best > 0 ? v / best : v > 0 ? 2 : 1);
  return results
    .map((r) => ({
      name: r.name,
      mae: r.mae,
      widen: r.widen,
      score: 0.5 * (rel(r.smape, bestS) + rel(r.mae, bestA)),
    }))
    .sort((a, b) => a.score - b.score);
}

/**
 * How much the interval must widen to cover held-out values as often as its level says: the
 * `level` quantile of |error| / half-width over the holdout, clamped to [1, 3] (intervals are
 * only ever widened, and by at most 3×). Ratios that are not numbers (NaN) are ignored, and the
 * factor is 1 when none is left; values near the largest double are halved before subtracting
 * so that differences cannot overflow.
 */
export function widening(actual: readonly number[], f: ForecastResult): number {
  const ratios: number[] = [];
  for (let i = 0; i < actual.length; i++) {
    const half = f.upper[i]! / 2 - f.lower[i]! / 2;
    const e = Math.abs(actual[i]! / 2 - f.mean[i]! / 2) * 2;
    const ratio = half > 0 ? e / half : e > 0 ? Number.POSITIVE_INFINITY : 0;
    if (!Number.isNaN(ratio)) ratios.push(ratio);
  }
  ratios.sort((a, b) => a - b);
  const q = ratios[Math.min(ratios.length - 1, Math.floor(f.level * ratios.length))] ?? 1;
  return Number.isNaN(q) ? 1 : Math.min(3, Math.max(1, q));
}

/**
 * Widens an interval around its mean by `factor` (ignored unless finite and above 1). A bound
 * that would overflow is held at ±`Number.MAX_VALUE`, and a bound that is not finite is left as
 * it was, so every entry of a finite forecast stays finite.
 */
export function widen(f: ForecastResult, factor: number): ForecastResult {
  if (!(factor > 1) || !Number.isFinite(factor)) return f;
  const stretch = (m: number, bound: number): number => {
    // Halved so that m − bound cannot overflow before scaling.
    const v = m + (bound / 2 - m / 2) * factor * 2;
    if (Number.isNaN(v)) return bound;
    return Math.min(Number.MAX_VALUE, Math.max(-Number.MAX_VALUE, v));
  };
  return {
    mean: f.mean,
    lower: f.mean.map((m, i) => stretch(m, f.lower[i]!)),
    upper: f.mean.map((m, i) => stretch(m, f.upper[i]!)),
    level: f.level,
  };
}
