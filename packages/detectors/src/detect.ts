import {
  keyed,
  keyedOptionsSchema,
  parseOptions,
  type KeyedDeps,
  type KeyedOptions,
  type Sample,
  type Scored,
} from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { hasParts, type Detector } from './detector.js';

/** Options of {@link detect}. */
export const detectOptionsSchema = keyedOptionsSchema.extend({
  /**
   * Scores at or above this carry an `explanation` (building one costs a string per event, so
   * ordinary scores skip it). 0 explains every event; above 1 explains none. Default 0.5.
   */
  explainAbove: z.number().min(0).default(0.5),
});

/** The `keyed` bounds of an options object, as the caller gave them. @internal */
export function pickBounds(options: {
  maxKeys?: number | undefined;
  idleTtlMs?: number | undefined;
}): KeyedOptions {
  const out: { maxKeys?: number; idleTtlMs?: number } = {};
  if (options.maxKeys !== undefined) out.maxKeys = options.maxKeys;
  if (options.idleTtlMs !== undefined) out.idleTtlMs = options.idleTtlMs;
  return out;
}

/** Options of {@link detect} (all optional): bounds of the per-series map and explanations. */
export type DetectOptions = z.input<typeof detectOptionsSchema>;

/**
 * Runs a detector per series over a stream of samples and emits every sample scored.
 *
 * @param factory - Makes the detector of a new series (called on first sight of each series,
 * and again if an evicted series comes back).
 * @param options - `maxKeys` (10 000) and `idleTtlMs` (∞) bound the per-series state; the least
 * recently used or idle series is evicted and counted in `deps.stats`. `explainAbove` (0.5).
 * @returns An operator emitting one `Scored` per sample: `detector` is the detector's name,
 * `parts` the member scores of an ensemble, `explanation` present when the score reaches
 * `explainAbove`.
 * @remarks Non-finite values are scored 0 and leave the detector's state untouched; samples
 * going back in time are scored as if at the latest time seen. A throw in the factory or the
 * detector is reported through `deps.onError` and the sample skipped. State is per subscription.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * samples$.pipe(detect(defaultDetector), anomalies({ threshold: DEFAULT_THRESHOLD }))
 *   .subscribe((a) => console.log(a.sample.series, a.explanation));
 * ```
 */
export function detect<T extends Sample>(
  factory: () => Detector,
  options: DetectOptions = {},
  deps: KeyedDeps = {},
): OperatorFunction<T, Scored<T>> {
  const { explainAbove } = parseOptions(detectOptionsSchema, options, { source: 'detect' });
  // keyed() validates its bounds again; hand it the caller's input (its parsed default, Infinity,
  // does not pass its own schema a second time).
  const bounds = pickBounds(options);
  if (typeof factory !== 'function') {
    parseOptions(z.object({ factory: z.function() }), { factory }, { source: 'detect' });
  }
  return keyed<T, Detector, Scored<T>>(
    bounds,
    {
      create: () => factory(),
      update(d, sample) {
        const score = d.update(sample.value, sample.t);
        const explain = score >= explainAbove;
        if (hasParts(d)) {
          return explain
            ? { sample, score, detector: d.name, explanation: d.explain(), parts: d.parts() }
            : { sample, score, detector: d.name, parts: d.parts() };
        }
        return explain
          ? { sample, score, detector: d.name, explanation: d.explain() }
          : { sample, score, detector: d.name };
      },
    },
    deps,
  );
}
