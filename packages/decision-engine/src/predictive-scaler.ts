import { z } from 'zod';
import { parseOptions, type Clock, type Forecast } from '@homeostat/core';
import { createHpaCalculator, hpaOptionsSchema, metricReplicas, type HpaLimit } from './hpa.js';

/** zod schema of {@link createScaler}'s options. */
export const scalerOptionsSchema = z
  .object({
    /** Kubernetes HPA options (min/max, tolerance, behavior; see {@link hpaOptionsSchema}). */
    hpa: hpaOptionsSchema,
    /** Target metric value per replica, in the metric's unit (finite, > 0). Required. */
    target: z.number().positive().finite(),
    /**
     * `average`: samples and forecasts are the per-replica average (as the HPA reads metrics);
     * `total`: they are the total demand, served at `target` per replica. Default `'average'`.
     */
    metric: z.enum(['average', 'total']).default('average'),
    /** How forecasts raise the recommendation ahead of demand. */
    predictive: z
      .object({
        /** When false, forecasts are ignored and the scaler is the plain HPA. Default `true`. */
        enabled: z.boolean().default(true),
        /** Forecasts further ahead than this, in ms, are ignored. Default 600,000 (10 min). */
        lookaheadMs: z.number().positive().default(600_000),
        /** Buffer = 1 + (1 − confidence) × bufferWeight, in [0, 1]. Default 0.3. */
        bufferWeight: z.number().min(0).max(1).default(0.3),
        /**
         * In [0, 1]: when both the present and the forecast ask for fewer replicas, the scale-down
         * stabilization window is multiplied by (1 − costPreference), so spare capacity is
         * released sooner. 0 keeps the plain HPA window. Default 0.5.
         */
        costPreference: z.number().min(0).max(1).default(0.5),
        /** Forecasts held at once (the oldest dropped, and counted). Default 32. */
        maxForecasts: z.number().int().min(1).default(32),
      })
      .prefault({}),
  })
  .strict();

/** Options of {@link createScaler}. */
export type ScalerOptions = z.input<typeof scalerOptionsSchema>;

/** A scaling recommendation for one series. */
export interface ScalingRecommendation {
  /** The series the recommendation is for. */
  readonly series: string;
  /** Time of the recommendation (epoch ms): the input's `t`, a sample's event time. */
  readonly t: number;
  /** The replica count given as input. */
  readonly currentReplicas: number;
  /** Final replica count, after the HPA's stabilization, rate policies and min/max. */
  readonly desiredReplicas: number;
  /** What the present metric asks for (HPA formula with tolerance). */
  readonly reactiveReplicas: number;
  /** What the forecasts ask for, buffered; absent without usable forecasts. */
  readonly predictiveReplicas?: number;
  /** Which side drove the raw recommendation. */
  readonly mode: 'reactive' | 'predictive';
  /** Which HPA rule set the final count. */
  readonly limitedBy: HpaLimit;
  /** Each step, reactive and predictive, in words. */
  readonly rationale: readonly string[];
}

/** Capabilities of {@link createScaler}. */
export interface ScalerDeps {
  /** Time for inputs without `t`. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Confidence of a forecast in [0, 1]. Default: {@link forecastConfidence}. */
  readonly forecastConfidence?: (forecast: Forecast) => number;
}

/** Counters of a scaler. */
export interface ScalerStats {
  /** Forecasts accepted. */
  forecasts: number;
  /** Forecasts dropped because `maxForecasts` was reached. */
  forecastsDropped: number;
  /** Forecasts ignored (beyond the lookahead, or malformed). */
  forecastsIgnored: number;
}

/** Reactive HPA scaling plus predictive scaling from forecasts, for one target. */
export interface Scaler {
  /** Remembers a forecast of the metric. */
  observeForecast(forecast: Forecast): void;
  /** Recommends replicas from the current metric value and the forecasts still ahead. */
  recommend(input: {
    readonly series: string;
    readonly currentReplicas: number;
    readonly value: number;
    readonly t: number;
  }): ScalingRecommendation;
  /** Counters updated in place, readable by the host. */
  readonly stats: ScalerStats;
}

/**
 * Default confidence of a forecast: 1 − (upper − lower) / (2 |mean|), clamped to [0, 1] — a
 * narrow interval relative to the mean is a confident forecast.
 *
 * @example
 * ```ts
 * forecastConfidence({ series: 'rps', t: 0, horizonMs: 60_000, mean: 100, lower: 90, upper: 110, model: 'x' }); // 0.9
 * ```
 */
export function forecastConfidence(forecast: Forecast): number {
  const width = forecast.upper - forecast.lower;
  const m = Math.abs(forecast.mean);
  if (!Number.isFinite(width) || width < 0) return 0;
  if (m === 0) return width === 0 ? 1 : 0;
  return Math.max(0, Math.min(1, 1 - width / (2 * m)));
}

/**
 * Creates a scaler for one target: the Kubernetes HPA calculation on the present metric,
 * raised to what forecasts ask for — each forecast's mean times a buffer of
 * 1 + (1 − confidence) × 0.3 — so capacity arrives before the demand does; when both the present
 * and the forecasts ask for less, the scale-down stabilization window is shortened by the cost
 * preference.
 *
 * @remarks Forecasts are kept while `t + horizonMs` is still ahead of the sample time and the
 * horizon is within `lookaheadMs`; at most `maxForecasts` are held.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const scaler = createScaler({ hpa: { minReplicas: 2, maxReplicas: 50 }, target: 100, metric: 'total' });
 * scaler.observeForecast(forecast);
 * scaler.recommend({ series: 'rps', currentReplicas: 4, value: 380, t }).desiredReplicas;
 * ```
 */
export function createScaler(options: ScalerOptions, deps: ScalerDeps = {}): Scaler {
  const o = parseOptions(scalerOptionsSchema, options, { source: 'createScaler' });
  const hpa = createHpaCalculator(o.hpa, deps.clock ? { clock: deps.clock } : {});
  const confOf = deps.forecastConfidence ?? forecastConfidence;
  const tolerance = o.hpa.tolerance ?? 0.1;
  const downWindow = o.hpa.behavior?.scaleDown?.stabilizationWindowSeconds ?? 300;
  const p = o.predictive;
  const forecasts: Forecast[] = [];
  const stats: ScalerStats = { forecasts: 0, forecastsDropped: 0, forecastsIgnored: 0 };

  const replicasFor = (value: number, current: number): number => {
    if (o.metric === 'average')
      return metricReplicas({ currentReplicas: current, value, target: o.target }, tolerance);
    // Total demand: the per-replica average is value / current.
    if (current === 0) return Math.ceil(value / o.target);
    return metricReplicas(
      { currentReplicas: current, value: value / current, target: o.target },
      tolerance,
    );
  };

  return {
    stats,
    observeForecast(f) {
      if (!p.enabled || f.horizonMs > p.lookaheadMs || !Number.isFinite(f.mean) || f.mean < 0) {
        stats.forecastsIgnored++;
        return;
      }
      stats.forecasts++;
      const same = forecasts.findIndex((x) => x.horizonMs === f.horizonMs);
      if (same >= 0) forecasts.splice(same, 1);
      forecasts.push(f);
      if (forecasts.length > p.maxForecasts) {
        forecasts.shift();
        stats.forecastsDropped++;
      }
    },
    recommend({ series, currentReplicas: current, value, t }) {
      const rationale: string[] = [];
      const reactive = replicasFor(value, current);
      rationale.push(
        `reactive: ${o.metric} ${value} at target ${o.target} → ${reactive} replica(s)`,
      );
      let predictive: number | undefined;
      for (let i = forecasts.length - 1; i >= 0; i--) {
        const f = forecasts[i]!;
        if (f.t + f.horizonMs < t) {
          forecasts.splice(i, 1); // its moment has passed
          continue;
        }
        const c = Math.max(0, Math.min(1, confOf(f)));
        const buffer = 1 + (1 - c) * p.bufferWeight;
        const r = replicasFor(f.mean * buffer, current);
        rationale.push(
          `forecast +${Math.round(f.horizonMs / 1000)} s (${f.model}): mean ${f.mean.toFixed(2)} × buffer ${buffer.toFixed(3)} (confidence ${c.toFixed(2)}) → ${r} replica(s)`,
        );
        if (predictive === undefined || r > predictive) predictive = r;
      }
      const usePredictive = predictive !== undefined && predictive > reactive;
      const raw = usePredictive ? predictive! : reactive;
      const lowDemand = raw < current && (predictive === undefined || predictive < current);
      let scaleDownWindowSeconds: number | undefined;
      if (lowDemand && predictive !== undefined && p.costPreference > 0) {
        scaleDownWindowSeconds = Math.round(downWindow * (1 - p.costPreference));
        rationale.push(
          `present and forecast demand are low: cost preference ${p.costPreference} shortens scale-down stabilization to ${scaleDownWindowSeconds} s`,
        );
      }
      const r = hpa.normalize({
        currentReplicas: current,
        rawReplicas: raw,
        t,
        ...(scaleDownWindowSeconds === undefined ? {} : { scaleDownWindowSeconds }),
      });
      return {
        series,
        t,
        currentReplicas: current,
        desiredReplicas: r.desiredReplicas,
        reactiveReplicas: reactive,
        ...(predictive === undefined ? {} : { predictiveReplicas: predictive }),
        mode: usePredictive ? 'predictive' : 'reactive',
        limitedBy: r.limitedBy,
        rationale: [...rationale, ...r.rationale],
      };
    },
  };
}
