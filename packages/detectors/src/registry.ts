import type { Detector } from './detector.js';
import { withLikelihood } from './anomaly-likelihood.js';
import { createContextualBaseline } from './contextual-baseline.js';
import { createCusum } from './cusum.js';
import { createEnsemble } from './ensemble.js';
import { createEwmaChart } from './ewma.js';
import { createHoltWinters } from './holt-winters.js';
import { createRangeBreach } from './range-breach.js';
import { createIsolationForest } from './isolation-forest.js';
import { createRelativeEntropy } from './relative-entropy.js';
import { createRobustZ } from './robust-z.js';
import { createRollingZ } from './rolling-z.js';
import { createSequenceContext } from './sequence-context.js';
import { createSpectralResidual } from './spectral-residual.js';
import { withSuppression } from './suppress.js';

/**
 * The score at or above which the default detector's output counts as an anomaly.
 *
 * @remarks Chosen on NAB together with {@link defaultDetector}; it is also the level at which the
 * default detector starts its quiet period, so scores just below it are never alarms.
 */
export const DEFAULT_THRESHOLD = 0.5;

/**
 * The recommended detector for any series, with its one corpus-wide configuration.
 *
 * @remarks
 * Three diverse views of the value — a rolling z-score over the last 256 values, an hour-of-day
 * baseline and an hour-of-week baseline — are each turned into an anomaly likelihood (how
 * unusual their last 5 scores are against their own history) and averaged. A range-breach
 * member scores 1 when a value leaves everything seen so far. The ensemble takes the larger of
 * the two, and after a score reaches {@link DEFAULT_THRESHOLD} the next 50 scores are held at 0,
 * so one incident raises one early alarm.
 *
 * Chosen by measurement on NAB (41 files, one configuration for all; figures and the
 * leave-one-category-out check are in the package guide). About 14 KB of state per series; no
 * allocation per update.
 * @example
 * ```ts
 * const d = defaultDetector();
 * if (d.update(value, t) >= DEFAULT_THRESHOLD) console.log(d.explain());
 * ```
 */
export function defaultDetector(): Detector {
  const lik = { shortWindow: 5 } as const;
  return withSuppression(
    createEnsemble(
      {
        likelihood: createEnsemble(
          {
            'rolling-z': withLikelihood(createRollingZ({ windowSize: 256 }), lik),
            'hour-of-day': withLikelihood(createContextualBaseline({ period: 'day' }), lik),
            'hour-of-week': withLikelihood(createContextualBaseline({ period: 'week' }), lik),
          },
          { combine: 'mean', fireThreshold: DEFAULT_THRESHOLD },
        ),
        'range-breach': createRangeBreach(),
      },
      { combine: 'max', fireThreshold: DEFAULT_THRESHOLD, name: 'homeostat' },
    ),
    { level: DEFAULT_THRESHOLD, holdSamples: 50 },
  );
}

/**
 * One factory per detector, each with its single corpus-wide default configuration. The key
 * `homeostat` is {@link defaultDetector}. Benchmarks call `detectorRegistry[name]()` per series.
 *
 * @example
 * ```ts
 * for (const [name, make] of Object.entries(detectorRegistry)) console.log(name, make().name);
 * ```
 */
export const detectorRegistry: Readonly<Record<string, () => Detector>> = Object.freeze({
  homeostat: defaultDetector,
  'rolling-z': () => createRollingZ(),
  'robust-z': () => createRobustZ(),
  ewma: () => createEwmaChart(),
  cusum: () => createCusum(),
  'holt-winters': () => createHoltWinters(),
  'contextual-baseline': () => createContextualBaseline(),
  'spectral-residual': () => createSpectralResidual(),
  'isolation-forest': () => createIsolationForest(),
  'relative-entropy': () => createRelativeEntropy(),
  'sequence-context': () => createSequenceContext(),
  'range-breach': () => createRangeBreach(),
  'rolling-z-likelihood': () => withLikelihood(createRollingZ()),
});
