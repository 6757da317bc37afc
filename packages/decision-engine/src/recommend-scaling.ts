import { z } from 'zod';
import {
  KeyedStore,
  isolate,
  parseOptions,
  type Forecast,
  type OperatorDeps,
  type Sample,
} from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import {
  createScaler,
  scalerOptionsSchema,
  type Scaler,
  type ScalerDeps,
  type ScalingRecommendation,
} from './predictive-scaler.js';

/** zod schema of {@link recommendScaling}'s options: a scaler's options plus a bound on series. */
export const recommendScalingOptionsSchema = scalerOptionsSchema.extend({
  /**
   * Most series scaled at once (least recently used forgotten, and counted in `deps.stats`).
   * Default 1,000.
   */
  maxSeries: z.number().int().min(1).default(1_000),
});

/** Options of {@link recommendScaling}. */
export type RecommendScalingOptions = z.input<typeof recommendScalingOptionsSchema>;

/** Capabilities of {@link recommendScaling}. */
export interface RecommendScalingDeps extends OperatorDeps, Omit<ScalerDeps, 'clock'> {
  /** The replica count of a series' target right now (from the host's orchestrator). */
  readonly currentReplicas: (series: string, sample: Sample) => number;
  /** Counters updated in place: series evicted by `maxSeries`. */
  readonly stats?: {
    /** Series forgotten because `maxSeries` was reached. */
    seriesEvicted: number;
  };
}

/**
 * The scaling operator: samples and forecasts in (per series), {@link ScalingRecommendation}s
 * out — one per sample. Forecasts are remembered and raise later recommendations (predictive
 * mode); they emit nothing themselves. Event time (`sample.t`) drives the HPA windows.
 *
 * @remarks A throw on one event (for example `currentReplicas` failing) is reported through
 * `deps.onError` and the event skipped. State is per subscription and per series, bounded by
 * `maxSeries`.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * merge(samples$, forecasts$).pipe(
 *   recommendScaling({ hpa: { maxReplicas: 30 }, target: 0.6 }, { currentReplicas: () => k8s.replicas }),
 * ).subscribe((r) => console.log(r.desiredReplicas, r.rationale));
 * ```
 */
export function recommendScaling(
  options: RecommendScalingOptions,
  deps: RecommendScalingDeps,
): OperatorFunction<Sample | Forecast, ScalingRecommendation> {
  const { maxSeries, ...scalerOptions } = parseOptions(recommendScalingOptionsSchema, options, {
    source: 'recommendScaling',
  });
  const scalerDeps: ScalerDeps = deps.forecastConfidence
    ? { forecastConfidence: deps.forecastConfidence }
    : {};
  const stats = deps.stats;
  return isolate(
    'recommendScaling',
    () => {
      const store = new KeyedStore<Scaler>(
        { maxKeys: maxSeries },
        {
          create: () => createScaler(scalerOptions, scalerDeps),
          onEvict: () => {
            if (stats) stats.seriesEvicted++;
          },
        },
      );
      return {
        next(event: Sample | Forecast): ScalingRecommendation | undefined {
          if ('horizonMs' in event) {
            store.getOrCreate(event.series, event.t, undefined).observeForecast(event);
            return undefined;
          }
          const current = deps.currentReplicas(event.series, event);
          return store.getOrCreate(event.series, event.t, undefined).recommend({
            series: event.series,
            currentReplicas: current,
            value: event.value,
            t: event.t,
          });
        },
        teardown: () => store.clear(),
      };
    },
    deps,
  );
}
