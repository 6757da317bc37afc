import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { cumulativeStdNormalProbability } from 'simple-statistics';
import { keyed, parseOptions, RingBuffer, type ExhaustionForecast, type KeyedDeps, type Sample } from '@homeostat/core';

/** Options of {@link timeToExhaustion}. */
export const timeToExhaustionOptionsSchema = z
  .object({
    /** The limit the series must not cross (disk size, heap limit, connection cap). */
    limit: z.number().refine(Number.isFinite, 'must be a finite number'),
    /** `above`: exhausted when the value rises to the limit; `below`: when it falls to it. */
    direction: z.enum(['above', 'below']).default('above'),
    /** Only samples this recent (event time) feed the trend. */
    windowMs: z.number().positive().default(7 * 86_400_000),
    /** Most samples kept per series (oldest dropped). */
    maxSamples: z.number().int().min(3).max(1_000_000).default(5_000),
    /** Samples needed before the first estimate. */
    minSamples: z.number().int().min(3).default(10),
    /** `probability` is the chance of crossing within this much event time. */
    horizonMs: z.number().positive().default(86_400_000),
    /** Most series held at once (least recently used evicted). */
    maxKeys: z.number().int().min(1).default(10_000),
    /** A series unseen for this long (event time) is forgotten. */
    idleTtlMs: z.number().positive().default(Number.POSITIVE_INFINITY),
  })
  .strict();
/** Options of {@link timeToExhaustion}. `limit` is required. */
export type TimeToExhaustionOptions = z.input<typeof timeToExhaustionOptionsSchema>;

interface TrendState {
  readonly times: RingBuffer;
  readonly values: RingBuffer;
  lastT: number;
}

/** One linear-trend estimate of the time to a limit, in the "above" orientation. */
export interface ExhaustionEstimate {
  /** Milliseconds from `t` until the trend reaches `limit` (`Infinity` when it never does). */
  readonly etaMs: number;
  /** Probability that the value is past `limit` at `t + horizonMs`. */
  readonly probability: number;
}

/**
 * Fits a least-squares line to `(times, values)` and returns when it reaches `limit` after `t`,
 * with the probability of being past `limit` at `t + horizonMs` from the line's prediction
 * interval (normal residuals). Values rise towards the limit ("above").
 *
 * @throws {RangeError} when fewer than three points are given or the lengths differ.
 * @example
 * ```ts
 * estimateExhaustion([0, 1, 2, 3], [1, 2, 3, 4], { limit: 10, t: 3, horizonMs: 10 }).etaMs; // 6
 * ```
 */
export function estimateExhaustion(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  at: { limit: number; t: number; horizonMs: number },
): ExhaustionEstimate {
  const n = times.length;
  if (n < 3 || values.length !== n) {
    throw new RangeError(`estimateExhaustion: needs ≥ 3 points of equal length, got ${n} and ${values.length}`);
  }
  const t0 = times[0]!;
  let tm = 0;
  let vm = 0;
  for (let i = 0; i < n; i++) {
    tm += (times[i]! - t0) / n;
    vm += values[i]! / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = times[i]! - t0 - tm;
    sxx += dx * dx;
    sxy += dx * (values[i]! - vm);
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (values[i]! - vm - slope * (times[i]! - t0 - tm)) ** 2;
  const s = Math.sqrt(sse / (n - 2));
  const x = at.t - t0;
  const level = vm + slope * (x - tm);
  let etaMs: number;
  if (level >= at.limit) etaMs = 0;
  else if (slope > 0) etaMs = (at.limit - level) / slope;
  else etaMs = Number.POSITIVE_INFINITY;
  const xh = x + at.horizonMs;
  const mean = level + slope * at.horizonMs;
  const sd = s * Math.sqrt(1 + 1 / n + (sxx > 0 ? (xh - tm) ** 2 / sxx : 0));
  let probability: number;
  if (sd > 0 && Number.isFinite(sd)) probability = 1 - cumulativeStdNormalProbability((at.limit - mean) / sd);
  else probability = mean >= at.limit ? 1 : 0;
  return { etaMs, probability: Math.min(1, Math.max(0, probability)) };
}

/**
 * Estimates, per series, when the value will cross `limit` (disk used, heap used, connection
 * count), emitting an {@link ExhaustionForecast} after every sample once `minSamples` are held.
 *
 * @remarks
 * The estimate is a least-squares line over the last `windowMs` of event time (at most
 * `maxSamples` samples): `etaMs` is when the line reaches the limit (0 when already past it,
 * `Infinity` when moving away), `probability` the chance of being past the limit `horizonMs`
 * after the sample, from the line's prediction interval. Cyclic noise (a daily pattern)
 * averages out once the window spans a few cycles. Samples whose time is not after the previous
 * one of their series are skipped; a throw on one sample is reported through `deps.onError`.
 * @throws {ConfigError} when the options are invalid (for example a missing `limit`).
 * @example
 * ```ts
 * diskUsed$.pipe(timeToExhaustion({ limit: 500e9, horizonMs: 3_600_000 }))
 *   .subscribe((e) => { if (e.probability > 0.5) console.warn(`${e.series} full in ${e.etaMs} ms`); });
 * ```
 */
export function timeToExhaustion<T extends Sample>(
  options: TimeToExhaustionOptions,
  deps: KeyedDeps = {},
): OperatorFunction<T, ExhaustionForecast> {
  const o = parseOptions(timeToExhaustionOptionsSchema, options, { source: 'timeToExhaustion' });
  const sign = o.direction === 'above' ? 1 : -1;
  return keyed<T, TrendState, ExhaustionForecast>(
    { maxKeys: o.maxKeys, idleTtlMs: o.idleTtlMs },
    {
      create: () => ({
        times: new RingBuffer(o.maxSamples),
        values: new RingBuffer(o.maxSamples),
        lastT: Number.NEGATIVE_INFINITY,
      }),
      update(s, sample) {
        const { t, value } = sample;
        if (!Number.isFinite(value) || !Number.isFinite(t)) {
          throw new RangeError(`sample of ${sample.series} at ${t} has a non-finite time or value`);
        }
        if (!(t > s.lastT)) return undefined;
        s.lastT = t;
        s.times.push(t);
        s.values.push(sign * value);
        let times = s.times.toArray();
        let values = s.values.toArray();
        const from = times.findIndex((x) => x >= t - o.windowMs);
        if (from > 0) {
          times = times.slice(from);
          values = values.slice(from);
        }
        if (times.length < o.minSamples) return undefined;
        const est = estimateExhaustion(times, values, { limit: sign * o.limit, t, horizonMs: o.horizonMs });
        return {
          series: sample.series,
          t,
          limit: o.limit,
          etaMs: est.etaMs,
          probability: est.probability,
          model: 'linear',
        };
      },
    },
    deps,
  );
}
