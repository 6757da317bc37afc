import {
  createKeyedStats,
  isolate,
  KeyedStore,
  keyedOptionsSchema,
  parseOptions,
  type Anomaly,
  type KeyedDeps,
  type Sample,
  type Scored,
} from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { pickBounds } from './detect.js';
import { DEFAULT_THRESHOLD } from './registry.js';

/** Options of {@link anomalies}. */
export const anomaliesOptionsSchema = keyedOptionsSchema.extend({
  /**
   * A scored sample is an anomaly when its score is at or above this. Default 0.5
   * (`DEFAULT_THRESHOLD`).
   */
  threshold: z.number().min(0).max(1).default(DEFAULT_THRESHOLD),
  /**
   * After an anomaly of a series, further anomalies of that series within this much event time
   * (ms) are dropped. Default 0: none are.
   */
  cooldownMs: z.number().min(0).default(0),
});

/** Options of {@link anomalies} (all optional). */
export type AnomaliesOptions = z.input<typeof anomaliesOptionsSchema>;

/** Counters of {@link anomalies}, updated in place. */
export interface AnomaliesCounters {
  /** Scored samples at or above the threshold but dropped by the cooldown. */
  cooledDown: number;
}

/** Capabilities of {@link anomalies}: keyed deps plus a cooldown counter the host can read. */
export interface AnomaliesDeps extends KeyedDeps {
  /** Counters updated in place (drops by cooldown); omitted: nothing is counted. */
  readonly counters?: AnomaliesCounters;
}

/**
 * Keeps only scored samples at or above `threshold`, as `Anomaly` events, with a per-series
 * cooldown in event time: after an anomaly at time `t`, the same series' anomalies before
 * `t + cooldownMs` are dropped (and counted in `deps.counters.cooledDown`).
 *
 * @remarks Only samples over the threshold touch the per-series map (one number per series),
 * bounded by `maxKeys`/`idleTtlMs` and counted in `deps.stats`.
 * A sample earlier than the last anomaly of its series (time going backwards) is inside the
 * cooldown when `cooldownMs > 0`.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * scored$.pipe(anomalies({ threshold: 0.99, cooldownMs: 600_000 }))
 *   .subscribe((a) => page(a.sample.series, a.explanation));
 * ```
 */
export function anomalies<T extends Sample>(
  options: AnomaliesOptions = {},
  deps: AnomaliesDeps = {},
): OperatorFunction<Scored<T>, Anomaly<T>> {
  const { threshold, cooldownMs } = parseOptions(anomaliesOptionsSchema, options, {
    source: 'anomalies',
  });
  const bounds = pickBounds(options);
  const counters = deps.counters;
  const stats = deps.stats ?? createKeyedStats();
  return isolate<Scored<T>, Anomaly<T>>(
    'anomalies',
    () => {
      const store = new KeyedStore<{ last: number }, Scored<T>>(
        bounds,
        { create: () => ({ last: Number.NaN }) },
        stats,
      );
      return {
        next(s) {
          if (!(s.score >= threshold)) return undefined;
          const t = s.sample.t;
          const state = store.getOrCreate(s.sample.series, t, s);
          if (cooldownMs > 0 && state.last === state.last && !(t - state.last >= cooldownMs)) {
            if (counters) counters.cooledDown++;
            return undefined;
          }
          state.last = t;
          return { ...s, threshold };
        },
        teardown: () => store.clear(),
      };
    },
    deps,
  );
}
