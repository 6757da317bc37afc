/**
 * `@homeostat/detectors`: streaming anomaly detectors that score every sample in [0, 1] with an
 * explanation, seeing only the past. Each detector is a plain stateful object
 * (`update(value, t) → score`, `explain()`, `toJSON()` + {@link restoreDetector}); {@link detect}
 * runs one per series over a stream of samples and {@link anomalies} keeps those over a threshold.
 *
 * @packageDocumentation
 */
export { hasParts, type Detector, type DetectorWithParts } from './detector.js';
export { DetectorStateError, type DetectorStateErrorOptions } from './errors.js';
export { detectorRegistry, defaultDetector, DEFAULT_THRESHOLD } from './registry.js';
export { restoreDetector } from './restore-detector.js';
export { detect, detectOptionsSchema, type DetectOptions } from './detect.js';
export {
  anomalies,
  anomaliesOptionsSchema,
  type AnomaliesOptions,
  type AnomaliesDeps,
  type AnomaliesCounters,
} from './anomalies.js';
export { createRollingZ, rollingZOptionsSchema, type RollingZOptions } from './rolling-z.js';
export {
  createRangeBreach,
  rangeBreachOptionsSchema,
  type RangeBreachOptions,
} from './range-breach.js';
export { createRobustZ, robustZOptionsSchema, type RobustZOptions } from './robust-z.js';
export { createEwmaChart, ewmaChartOptionsSchema, type EwmaChartOptions } from './ewma.js';
export { createCusum, cusumOptionsSchema, type CusumOptions } from './cusum.js';
export {
  createHoltWinters,
  holtWintersOptionsSchema,
  type HoltWintersOptions,
} from './holt-winters.js';
export {
  createContextualBaseline,
  contextualBaselineOptionsSchema,
  type ContextualBaselineOptions,
} from './contextual-baseline.js';
export {
  createSpectralResidual,
  spectralResidualOptionsSchema,
  type SpectralResidualOptions,
} from './spectral-residual.js';
export {
  createIsolationForest,
  isolationForestOptionsSchema,
  type IsolationForestOptions,
} from './isolation-forest.js';
export {
  createRelativeEntropy,
  relativeEntropyOptionsSchema,
  type RelativeEntropyOptions,
} from './relative-entropy.js';
export {
  createSequenceContext,
  sequenceContextOptionsSchema,
  type SequenceContextOptions,
} from './sequence-context.js';
export {
  createCorrelationDetector,
  restoreCorrelationDetector,
  detectCorrelated,
  correlationOptionsSchema,
  detectCorrelatedOptionsSchema,
  relationSchema,
  type CorrelationDetector,
  type CorrelationOptions,
  type DetectCorrelatedOptions,
} from './correlation.js';
export {
  createAnomalyLikelihood,
  restoreAnomalyLikelihood,
  withLikelihood,
  anomalyLikelihoodOptionsSchema,
  type AnomalyLikelihood,
  type AnomalyLikelihoodOptions,
} from './anomaly-likelihood.js';
export {
  createEnsemble,
  ensembleOptionsSchema,
  type EnsembleOptions,
  type EnsembleMember,
} from './ensemble.js';
export { withSuppression, suppressionOptionsSchema, type SuppressionOptions } from './suppress.js';
