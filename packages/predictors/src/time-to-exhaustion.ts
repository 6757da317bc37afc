import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  keyed,
  parseOptions,
  RingBuffer,
  type ExhaustionForecast,
  type KeyedDeps,
  type Sample,
} from '@homeostat/core';

/** Options of {@link timeToExhaustion}. */
export const timeToExhaustionOptionsSchema = z
  .object({
    /** The limit the series must not cross (disk size, heap limit, connection cap). */
    limit: z.number().refine(Number.isFinite, 'must be a finite number'),
    /**
     * `above`: exhausted when the value rises to the limit; `below`: when it falls to it. Default
     * `'above'`.
     */
    direction: z.enum(['above', 'below']).default('above'),
    /** Only samples this recent (event time, ms) feed the trend. Default 7 days. */
    windowMs: z
      .number()
      .positive()
      .default(7 * 86_400_000),
    /** Most samples kept per series (oldest dropped). Default 5,000. */
    maxSamples: z.number().int().min(3).max(1_000_000).default(5_000),
    /** Samples needed before the first estimate (≤ `maxSamples`). Default 10. */
    minSamples: z.number().int().min(3).default(10),
    /**
     * Length of the cycle to allow for (a daily pattern, by default); `null` fits a straight
     * line only.
     */
    periodMs: z.number().positive().nullable().default(86_400_000),
    /**
     * `probability` is the chance of crossing within this much event time, in ms. Default
     * 86,400,000 (24 h).
     */
    horizonMs: z.number().positive().default(86_400_000),
    /** Most series held at once (least recently used evicted). Default 10,000. */
    maxKeys: z.number().int().min(1).default(10_000),
    /** A series unseen for this long (event time) is forgotten (default: never). */
    idleTtlMs: z.number().positive().optional(),
  })
  .strict()
  // A series could never hold minSamples samples, so the operator would never emit.
  .refine((o) => o.minSamples <= o.maxSamples, {
    message: 'must be ≤ maxSamples',
    path: ['minSamples'],
  });
/** Options of {@link timeToExhaustion}. `limit` is required. */
export type TimeToExhaustionOptions = z.input<typeof timeToExhaustionOptionsSchema>;

/** Counters of {@link timeToExhaustion}, updated in place and readable by the host. */
export interface TimeToExhaustionCounters {
  /** Samples skipped because their time was not after the previous one of their series. */
  outOfOrder: number;
}

/** Creates zeroed {@link TimeToExhaustionCounters}. */
export function createTimeToExhaustionCounters(): TimeToExhaustionCounters {
  return { outOfOrder: 0 };
}

/** Capabilities of {@link timeToExhaustion}. */
export interface TimeToExhaustionDeps extends KeyedDeps {
  /** Counters updated in place (see {@link createTimeToExhaustionCounters}). */
  readonly counters?: TimeToExhaustionCounters;
}

interface TrendState {
  readonly times: RingBuffer;
  readonly values: RingBuffer;
  lastT: number;
}

/** One trend estimate of the time to a limit, in the "above" orientation. */
export interface ExhaustionEstimate {
  /** Milliseconds from `t` until the fitted curve reaches `limit` (`Infinity` when it never does). */
  readonly etaMs: number;
  /** Probability that the value is past `limit` at `t + horizonMs`. */
  readonly probability: number;
  /** Fitted growth per millisecond. */
  readonly slope: number;
}

/** Standard normal CDF (complementary error function, fractional error below 1.2e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - 0.5 * r : 0.5 * r;
}

/** Solves the small dense system `a·x = b` by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-12) return undefined;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let v = m[r]![n]!;
    for (let k = r + 1; k < n; k++) v -= m[r]![k]! * x[k]!;
    x[r] = v / m[r]![r]!;
  }
  return x;
}

/**
 * Crossings estimated to lie further ahead than this (100 years, in ms) are not searched for
 * exactly: the trend-only estimate is returned instead.
 */
const MAX_SEARCH_MS = 100 * 365.25 * 86_400_000;

/**
 * Fits a least-squares trend to `(times, values)` — a line, plus one harmonic of `periodMs`
 * when the points span at least one period — and returns when the fitted curve first reaches
 * `limit` after `t`, with the probability of being past `limit` at `t + horizonMs` from the
 * prediction interval (normal residuals). Values rise towards the limit ("above").
 *
 * @remarks
 * Times and values are centred and scaled before the fit, so any finite input works (values
 * near ±1.7e308 included); a `limit` beyond the scaled range is never (or always) reached.
 * The search for the first crossing of the cycle-plus-trend curve costs at most a few hundred
 * evaluations whatever the slope: it only looks between the earliest time the cycle's peak can
 * reach the limit and the first peak after it. When even that earliest time is more than 100
 * years away, `etaMs` is the trend-only estimate (when the line alone reaches `limit`), which
 * is within `amplitude / slope` of the exact crossing.
 * @throws {RangeError} when fewer than three points are given, the lengths differ, or the fit
 * is not finite (times so far apart that their spread overflows).
 * @example
 * ```ts
 * estimateExhaustion([0, 1, 2, 3], [1, 2, 3, 4], { limit: 10, t: 3, horizonMs: 10 }).etaMs; // 6
 * ```
 */
export function estimateExhaustion(
  times: ArrayLike<number>,
  values: ArrayLike<number>,
  at: { limit: number; t: number; horizonMs: number; periodMs?: number },
): ExhaustionEstimate {
  const n = times.length;
  if (n < 3 || values.length !== n) {
    throw new RangeError(
      `estimateExhaustion: needs ≥ 3 points of equal length, got ${n} and ${values.length}`,
    );
  }
  const t0 = times[0]!;
  const span = times[n - 1]! - t0;
  let tm = 0;
  for (let i = 0; i < n; i++) tm += (times[i]! - t0) / n;
  const scale = Math.max(span, 1);
  // Values are fitted as (value / vs − vm), all within [−2, 2]: sums of squares of raw values
  // near 1e300 would overflow. The limit is mapped the same way (it may become ±Infinity).
  let vs = 0;
  for (let i = 0; i < n; i++) vs = Math.max(vs, Math.abs(values[i]!));
  if (!(vs > 0)) vs = 1;
  let vm = 0;
  for (let i = 0; i < n; i++) vm += values[i]! / vs / n;
  const y = (i: number): number => values[i]! / vs - vm;
  const limit = at.limit / vs - vm;
  const period = at.periodMs;
  const harmonic = period !== undefined && span >= period && n >= 8;
  const w = harmonic ? (2 * Math.PI) / period : 0;
  // Design: [1, u, sin, cos] with u the centred, scaled time.
  const row = (time: number): number[] => {
    const u = (time - t0 - tm) / scale;
    return harmonic ? [1, u, Math.sin(w * (time - t0)), Math.cos(w * (time - t0))] : [1, u];
  };
  const k = harmonic ? 4 : 2;
  const xtx = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const xty = new Array<number>(k).fill(0);
  let suu = 0;
  for (let i = 0; i < n; i++) {
    const r = row(times[i]!);
    suu += r[1]! ** 2;
    for (let a = 0; a < k; a++) {
      xty[a]! += r[a]! * y(i);
      for (let b = 0; b < k; b++) xtx[a]![b]! += r[a]! * r[b]!;
    }
  }
  const beta = solve(xtx, xty) ?? [xty[0]! / n, 0, 0, 0].slice(0, k);
  const fitAt = (time: number): number => row(time).reduce((s, v, i) => s + v * beta[i]!, 0);
  const trendAt = (time: number): number => beta[0]! + beta[1]! * ((time - t0 - tm) / scale);
  let sse = 0;
  for (let i = 0; i < n; i++) sse += (y(i) - fitAt(times[i]!)) ** 2;
  const s = Math.sqrt(sse / Math.max(1, n - k));
  if (!beta.every(Number.isFinite) || !Number.isFinite(s) || !Number.isFinite(suu)) {
    throw new RangeError('estimateExhaustion: the fit is not finite (times too far apart?)');
  }
  // Growth per ms in scaled units (the reported slope is in the caller's units).
  const slope = beta[1]! / scale;
  const amp = harmonic ? Math.hypot(beta[2]!, beta[3]!) : 0;

  /**
   * First time in [from, to] at which the fitted curve reaches the limit (`to` itself is always
   * tried), or undefined: a scan in steps of 1/96 period (at most ~1,000), then bisection.
   */
  function firstCrossing(from: number, to: number): number | undefined {
    const step = Math.max((to - from) / 1_000, period! / 96);
    const steps = Math.ceil((to - from) / step);
    let prev = from;
    for (let i = 0; i <= steps; i++) {
      const x = Math.min(from + i * step, to);
      if (fitAt(x) >= limit) {
        let lo = prev;
        let hi = x;
        for (let j = 0; j < 40; j++) {
          const mid = (lo + hi) / 2;
          if (fitAt(mid) >= limit) hi = mid;
          else lo = mid;
        }
        return Math.max(0, hi - at.t);
      }
      prev = x;
    }
    return undefined;
  }

  let etaMs: number;
  if (fitAt(at.t) >= limit) etaMs = 0;
  else if (slope <= 0)
    etaMs =
      amp > 0 && trendAt(at.t) + amp >= limit
        ? (firstCrossing(at.t, at.t + period!) ?? Number.POSITIVE_INFINITY)
        : Number.POSITIVE_INFINITY;
  else {
    // The trend alone crosses at `late`. Before `from` the curve (at most trend + amp) cannot
    // reach the limit; at the first peak of the cycle after `from` it does (trend + amp ≥ limit
    // there), and before that peak it rises. So the search spans at most one period, however
    // small the slope.
    const late = at.t + (limit - trendAt(at.t)) / slope;
    const from = Math.max(at.t, late - amp / slope);
    if (!Number.isFinite(late)) etaMs = Number.POSITIVE_INFINITY;
    else if (amp === 0 || from - at.t > MAX_SEARCH_MS) etaMs = late - at.t;
    else {
      // β₂·sin θ + β₃·cos θ = amp·sin(θ + φ), which peaks at θ + φ = π/2 (mod 2π).
      const phi = Math.atan2(beta[3]!, beta[2]!);
      const cycles = Math.ceil((w * (from - t0) + phi - Math.PI / 2) / (2 * Math.PI));
      const peak = Math.max(from, t0 + (Math.PI / 2 - phi + 2 * Math.PI * cycles) / w);
      // One more period allows for rounding at the peak; the trend-only time is the last resort
      // (when the search cannot resolve the period at this magnitude of time). The trend alone
      // may already be past the limit (`late` before `t`) while a trough of the cycle holds the
      // curve below it: the crossing is then within the period, so 0 is the nearest estimate.
      etaMs =
        firstCrossing(from, peak) ??
        firstCrossing(peak, peak + period!) ??
        Math.max(0, late - at.t);
    }
  }

  const xh = at.t + at.horizonMs;
  const mean = fitAt(xh);
  const uh = (xh - t0 - tm) / scale;
  const sd = s * Math.sqrt(1 + 1 / n + (suu > 0 ? (uh * uh) / suu : 0));
  let probability: number;
  if (sd > 1e-12 * Math.max(1, Math.abs(mean + vm)) && Number.isFinite(sd))
    probability = 1 - normalCdf((limit - mean) / sd);
  else probability = mean >= limit ? 1 : 0;
  return { etaMs, probability: Math.min(1, Math.max(0, probability)), slope: slope * vs };
}

/**
 * Estimates, per series, when the value will cross `limit` (disk used, heap used, connection
 * count), emitting an {@link ExhaustionForecast} after every sample once `minSamples` are held.
 *
 * @remarks
 * The estimate is a least-squares trend over the last `windowMs` of event time (at most
 * `maxSamples` samples): a line plus one harmonic of `periodMs` (a daily cycle, by default)
 * once the window spans a whole period, so that the cycle neither biases the slope nor hides
 * a crossing at its peak (see {@link estimateExhaustion}). `etaMs` is when the fitted curve
 * reaches the limit (0 when already past it, `Infinity` when it never does; more than 100
 * years ahead, the trend-only estimate); `probability` is the chance of being past the limit
 * `horizonMs` after the sample, from the prediction interval. Each estimate costs O(samples
 * in the window) whatever the slope, and works at any finite magnitude. Samples whose time is
 * not after the previous one of their series are skipped and counted in
 * `deps.counters.outOfOrder` (see {@link createTimeToExhaustionCounters}); a throw on one
 * sample (a non-finite time or value) is reported through `deps.onError`.
 * @throws {ConfigError} when the options are invalid (for example a missing `limit`, or
 * `minSamples` above `maxSamples`).
 * @example
 * ```ts
 * diskUsed$.pipe(timeToExhaustion({ limit: 500e9, horizonMs: 3_600_000 }))
 *   .subscribe((e) => { if (e.probability > 0.5) console.warn(`${e.series} full in ${e.etaMs} ms`); });
 * ```
 */
export function timeToExhaustion<T extends Sample>(
  options: TimeToExhaustionOptions,
  deps: TimeToExhaustionDeps = {},
): OperatorFunction<T, ExhaustionForecast> {
  const o = parseOptions(timeToExhaustionOptionsSchema, options, { source: 'timeToExhaustion' });
  const counters = deps.counters ?? createTimeToExhaustionCounters();
  const sign = o.direction === 'above' ? 1 : -1;
  return keyed<T, TrendState, ExhaustionForecast>(
    o.idleTtlMs === undefined
      ? { maxKeys: o.maxKeys }
      : { maxKeys: o.maxKeys, idleTtlMs: o.idleTtlMs },
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
        if (!(t > s.lastT)) {
          counters.outOfOrder++;
          return undefined;
        }
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
        const est = estimateExhaustion(times, values, {
          limit: sign * o.limit,
          t,
          horizonMs: o.horizonMs,
          ...(o.periodMs === null ? {} : { periodMs: o.periodMs }),
        });
        return {
          series: sample.series,
          t,
          limit: o.limit,
          etaMs: est.etaMs,
          probability: est.probability,
          model: 'trend',
        };
      },
    },
    deps,
  );
}
