/**
 * `@homeostat/predictors`: forecasts with prediction intervals, time-to-exhaustion and the
 * models behind them.
 *
 * @packageDocumentation
 */
export {
  ForecastInputError,
  type ForecastInputCode,
  type ForecastResult,
  type Model,
  type ModelFactory,
  type ModelState,
} from './model.js';
export { restoreModel } from './restore-model.js';
export { seasonalityTest, decompose, type Decomposition } from './decompose.js';
export { cyclicFeatures } from './cyclic-features.js';
export {
  createSes,
  createHolt,
  createDampedTrend,
  createHoltWinters,
  etsOptionsSchema,
  holtWintersOptionsSchema,
  type EtsOptions,
  type HoltWintersOptions,
} from './ets-models.js';
export {
  createSeasonalNaive,
  seasonalNaiveOptionsSchema,
  type SeasonalNaiveOptions,
} from './create-seasonal-naive.js';
export { createNaive2, naive2OptionsSchema, type Naive2Options } from './create-naive2.js';
export { createTheta, thetaOptionsSchema, type ThetaOptions } from './create-theta.js';
export { createMstl, mstlOptionsSchema, type MstlOptions } from './create-mstl.js';
export {
  createLinearTrend,
  linearTrendOptionsSchema,
  type LinearTrendOptions,
} from './create-linear-trend.js';
export {
  createAutoModel,
  autoModelOptionsSchema,
  type AutoModel,
  type AutoModelOptions,
} from './create-auto-model.js';
export {
  createEnsemble,
  ensembleOptionsSchema,
  type Ensemble,
  type EnsembleOptions,
} from './create-ensemble.js';
export { CANDIDATE_NAMES, type CandidateName } from './internal/candidates.js';
export { modelRegistry, DEFAULT_MODEL } from './model-registry.js';
export {
  forecast,
  forecastOptionsSchema,
  createForecastCounters,
  type ForecastOptions,
  type ForecastCounters,
  type ForecastDeps,
} from './forecast.js';
export {
  timeToExhaustion,
  estimateExhaustion,
  normalCdf,
  timeToExhaustionOptionsSchema,
  createTimeToExhaustionCounters,
  type TimeToExhaustionOptions,
  type TimeToExhaustionCounters,
  type TimeToExhaustionDeps,
  type ExhaustionEstimate,
} from './time-to-exhaustion.js';
