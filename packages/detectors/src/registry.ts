import type { Detector } from './detector.js';
import { withLikelihood } from './anomaly-likelihood.js';
import { createContextualBaseline } from './contextual-baseline.js';
import { createCusum } from './cusum.js';
import { createEnsemble } from './ensemble.js';
import { createEwmaChart } from './ewma.js';
import { createHoltWinters } from './holt-winters.js';
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
 * The recommended detector for any series, with its one corpus-wide configuration: three
 * diverse detectors (rolling z-score, time-of-day baseline, Holt-Winters residual), each turned
 * into an anomaly likelihood, averaged, with a quiet period after each alarm.
 *
 * @remarks Chosen by measurement on NAB (see the package guide for the figures). Memory per
 * series is about 9 KB; no allocation per update.
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
        'rolling-z': withLikelihood(createRollingZ({ windowSize: 1024 }), lik),
        'time-of-day': withLikelihood(createContextualBaseline(), lik),
        'holt-winters': withLikelihood(createHoltWinters(), lik),
      },
      { combine: 'mean', fireThreshold: DEFAULT_THRESHOLD },
    ),
    { level: DEFAULT_THRESHOLD, holdSamples: 100 },
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
  'rolling-z-likelihood': () => withLikelihood(createRollingZ()),
});
