import { mergeMap, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import {
  ConfigError,
  keyed,
  parseOptions,
  type Forecast,
  type KeyedDeps,
  type Sample,
} from '@homeostat/core';
import type { Model, ModelFactory } from './model.js';

/** Options of {@link forecast}. */
export const forecastOptionsSchema = z
  .object({
    /** How far ahead to forecast, in event-time milliseconds (default 15 min, 1 h, 24 h). */
    horizons: z
      .array(z.number().positive())
      .min(1)
      .max(32)
      .default([15 * 60_000, 3_600_000, 86_400_000]),
    /**
     * Re-estimate the model when this much event time (ms) has passed since the last fit. Default
     * 3,600,000 (1 h).
     */
    refitEveryMs: z.number().positive().default(3_600_000),
    /**
     * Spread the series' refits over `refitEveryMs` instead of refitting every series that
     * started together at once: each series' first refit comes after a fraction of the period
     * fixed by its name, then every `refitEveryMs`. A refit of a long history can take tens of
     * milliseconds, and the event loop is blocked for all of them together. Default true.
     */
    staggerRefits: z.boolean().default(true),
    /** Values kept per series for refits (oldest dropped and counted). Default 5,000. */
    maxHistory: z.number().int().min(2).max(1_000_000).default(5_000),
    /** Values needed before the first fit and the first forecast (≤ `maxHistory`). Default 10. */
    minHistory: z.number().int().min(1).default(10),
    /** Sample step in ms; inferred per series (median of recent spacings) when omitted. */
    stepMs: z.number().positive().optional(),
    /**
     * A gap of up to this many missing steps is filled with the last value; a longer gap
     * restarts the series (history cleared). Default 60.
     */
    maxGapSteps: z.number().int().min(0).default(60),
    /**
     * Horizons beyond this many steps are not emitted (counted in `skippedHorizons`). Default
     * 10,000.
     */
    maxSteps: z.number().int().min(1).default(10_000),
    /** Most series held at once (least recently used evicted). Default 10,000. */
    maxKeys: z.number().int().min(1).default(10_000),
    /** A series unseen for this long (event time) is forgotten (default: never). */
    idleTtlMs: z.number().positive().optional(),
  })
  .strict()
  // A series could never hold minHistory values, so the operator would never emit.
  .refine((o) => o.minHistory <= o.maxHistory, {
    message: 'must be ≤ maxHistory',
    path: ['minHistory'],
  });
/** Options of {@link forecast} (all optional). */
export type ForecastOptions = z.input<typeof forecastOptionsSchema>;

/** Counters of {@link forecast}, updated in place and readable by the host. */
export interface ForecastCounters {
  /** Missing steps filled with the last value. */
  filled: number;
  /** Series restarted after a gap longer than `maxGapSteps`. */
  restarts: number;
  /** Samples skipped because their time was not after the previous one of their series. */
  outOfOrder: number;
  /** Values dropped from the front of a history because of `maxHistory`. */
  droppedHistory: number;
  /** Horizons not emitted because they needed more than `maxSteps` steps. */
  skippedHorizons: number;
  /** Model (re-)estimations. */
  fits: number;
}

/** Creates zeroed {@link ForecastCounters}. */
export function createForecastCounters(): ForecastCounters {
  return { filled: 0, restarts: 0, outOfOrder: 0, droppedHistory: 0, skippedHorizons: 0, fits: 0 };
}

/** Capabilities of {@link forecast}. */
export interface ForecastDeps extends KeyedDeps {
  /** Counters updated in place (see {@link createForecastCounters}). */
  readonly counters?: ForecastCounters;
}

interface SeriesState {
  model: Model;
  values: number[];
  lastT: number;
  lastValue: number;
  diffs: number[];
  fitted: boolean;
  lastFitT: number;
}

const MAX_DIFFS = 15;

/**
 * Where in the refit period a series' refits fall, in [0, 1): from its name (FNV-1a, mixed), so the
 * same series keeps its place across runs and restarts.
 */
function phaseOf(series: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < series.length; i++) {
    h ^= series.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // Mixed, so that names differing only at the end (route-1, route-2) spread over the period.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Forecasts every series of a stream of samples at several horizons, emitting one
 * {@link Forecast} per horizon after each sample (once `minHistory` values have been seen).
 *
 * @param model - Makes one model per series (for example `() => createAutoModel()`); its
 * periods are in steps of the series.
 * @remarks
 * Event time only: the step is inferred per series from the spacing of its samples (or
 * `stepMs`), gaps up to `maxGapSteps` are filled with the last value, and the model is
 * re-estimated every `refitEveryMs` of event time on at most `maxHistory` values (each series'
 * refits at its own phase of that period, unless `staggerRefits` is false); between refits each
 * sample only advances the model's state. A horizon between two steps is
 * interpolated linearly between their forecasts (this sample's value standing for step 0). Per-series state is bounded by
 * `maxKeys`/`idleTtlMs` (core's `keyed`). A throw on one sample (a model that refuses its
 * input) is reported through `deps.onError` and that sample skipped.
 * @throws {ConfigError} when `model` is not a function or the options are invalid (for example `minHistory` above
 * `maxHistory`, which could never be reached).
 * @example
 * ```ts
 * samples$.pipe(
 *   forecast(() => createHoltWinters({ period: 24 }), { horizons: [3_600_000, 86_400_000] }),
 * ).subscribe((f) => console.log(f.series, f.horizonMs, f.mean, f.upper));
 * ```
 */
export function forecast<T extends Sample>(
  model: ModelFactory,
  options: ForecastOptions = {},
  deps: ForecastDeps = {},
): OperatorFunction<T, Forecast> {
  const o = parseOptions(forecastOptionsSchema, options, { source: 'forecast' });
  if (typeof model !== 'function') {
    throw new ConfigError(
      [
        {
          path: 'model',
          message: 'must be a function that creates a model (for example createAutoModel)',
        },
      ],
      { source: 'forecast' },
    );
  }
  const counters = deps.counters ?? createForecastCounters();
  const horizons = [...o.horizons].sort((a, b) => a - b);
  const push = (s: SeriesState, value: number): void => {
    s.values.push(value);
    if (s.values.length > o.maxHistory) {
      s.values.shift();
      counters.droppedHistory++;
    }
    if (s.fitted) s.model.update(value);
  };
  const refit = (s: SeriesState, t: number): void => {
    s.model.fit(s.values);
    s.fitted = true;
    s.lastFitT = t;
    counters.fits++;
  };
  return (source) =>
    source.pipe(
      keyed<T, SeriesState, Forecast[]>(
        o.idleTtlMs === undefined
          ? { maxKeys: o.maxKeys }
          : { maxKeys: o.maxKeys, idleTtlMs: o.idleTtlMs },
        {
          create: () => ({
            model: model(),
            values: [],
            lastT: Number.NEGATIVE_INFINITY,
            lastValue: 0,
            diffs: [],
            fitted: false,
            lastFitT: Number.NEGATIVE_INFINITY,
          }),
          update(s, sample) {
            const { t, value } = sample;
            if (!Number.isFinite(value) || !Number.isFinite(t)) {
              throw new RangeError(
                `sample of ${sample.series} at ${t} has a non-finite time or value`,
              );
            }
            if (s.values.length > 0) {
              const dt = t - s.lastT;
              if (!(dt > 0)) {
                counters.outOfOrder++;
                return undefined;
              }
              s.diffs.push(dt);
              if (s.diffs.length > MAX_DIFFS) s.diffs.shift();
              const step = o.stepMs ?? medianOf(s.diffs);
              const missing = Math.round(dt / step) - 1;
              if (missing > o.maxGapSteps) {
                counters.restarts++;
                s.model = model();
                s.values = [];
                s.fitted = false;
              } else {
                for (let i = 0; i < missing; i++) {
                  push(s, s.lastValue);
                  counters.filled++;
                }
              }
            }
            s.lastT = t;
            s.lastValue = value;
            if (s.fitted && t - s.lastFitT >= o.refitEveryMs) {
              s.values.push(value);
              if (s.values.length > o.maxHistory) {
                s.values.shift();
                counters.droppedHistory++;
              }
              refit(s, t);
            } else {
              push(s, value);
              if (!s.fitted) {
                if (s.values.length < o.minHistory) return undefined;
                refit(s, t);
                if (o.staggerRefits) s.lastFitT = t - phaseOf(sample.series) * o.refitEveryMs;
              }
            }
            const step = o.stepMs ?? (s.diffs.length > 0 ? medianOf(s.diffs) : undefined);
            if (step === undefined) return undefined;
            // Each horizon in steps, and the whole step at or after it (within rounding of a
            // whole number, that number).
            const wanted = horizons.map((h) => {
              const x = h / step;
              const whole = Math.round(x);
              return Math.abs(x - whole) <= 1e-9 * x ? whole : x;
            });
            const usable = wanted.filter((x) => Math.ceil(x) <= o.maxSteps);
            counters.skippedHorizons += wanted.length - usable.length;
            if (usable.length === 0) return undefined;
            const f = s.model.forecast(Math.ceil(Math.max(...usable)));
            const out: Forecast[] = [];
            horizons.forEach((horizonMs, i) => {
              const x = wanted[i]!;
              const k = Math.ceil(x);
              if (k > o.maxSteps) return;
              // A horizon between two steps is interpolated linearly between their forecasts;
              // step 0 is this sample's value, known exactly.
              const w = x - (k - 1);
              const at = (bound: readonly number[]): number => {
                const hi = bound[k - 1]!;
                if (w === 1) return hi;
                const lo = k === 1 ? value : bound[k - 2]!;
                const v = lo + w * (hi - lo);
                if (Number.isFinite(v)) return v;
                // hi − lo overflowed (bounds of opposite signs near the largest double): the same
                // point from halves, which cannot overflow, held between the two.
                const half = lo / 2 + w * (hi / 2 - lo / 2);
                return Math.min(Math.max(lo, hi), Math.max(Math.min(lo, hi), half * 2));
              };
              const mean = at(f.mean);
              // Interpolated separately, the bounds can round past the mean by an ulp.
              out.push({
                series: sample.series,
                t,
                horizonMs,
                mean,
                lower: Math.min(at(f.lower), mean),
                upper: Math.max(at(f.upper), mean),
                level: f.level,
                model: s.model.name,
              });
            });
            return out;
          },
        },
        deps,
      ),
      mergeMap((batch) => batch),
    );
}
