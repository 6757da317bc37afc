/**
 * `@homeostat/core`: the event types and their zod schemas, errors with stable codes, clocks,
 * option parsing, and the operator toolkit (error isolation, bounded per-series state, sample
 * validation) that every Homeostat package builds on.
 *
 * @packageDocumentation
 */
export type {
  Labels,
  Sample,
  Scored,
  Anomaly,
  Forecast,
  ExhaustionForecast,
  Severity,
  Symptom,
  RootCause,
  Incident,
  Verdict,
  Decision,
  OutcomeStatus,
  StepOutcome,
  Outcome,
  BreakerState,
  BreakerEvent,
  RequestObservation,
  DependencyObservation,
} from './events.js';
export { SEVERITIES, severityRank } from './events.js';
export {
  labelsSchema,
  sampleSchema,
  scoredSchema,
  anomalySchema,
  forecastSchema,
  exhaustionForecastSchema,
  severitySchema,
  symptomSchema,
  rootCauseSchema,
  incidentSchema,
  decisionSchema,
  stepOutcomeSchema,
  outcomeSchema,
  breakerEventSchema,
  requestObservationSchema,
  dependencyObservationSchema,
} from './schemas.js';
export {
  HomeostatError,
  isHomeostatError,
  ConfigError,
  InputError,
  OperatorError,
  type CoreErrorCode,
  type HomeostatErrorOptions,
  type Issue,
  type IssueErrorOptions,
} from './errors.js';
export { parseOptions, parseInput, toIssues, type ParseContext } from './options.js';
export {
  systemClock,
  monotonicClock,
  createManualClock,
  type Clock,
  type ManualClock,
} from './clock.js';
export {
  createDefaultOnError,
  resolveOnError,
  type Logger,
  type OnError,
  type OperatorDeps,
} from './deps.js';
export { isolate, type IsolatedHandler } from './isolate.js';
export {
  keyed,
  KeyedStore,
  createKeyedStats,
  keyedOptionsSchema,
  type KeyedOptions,
  type KeyedStats,
  type KeyedHandlers,
  type KeyedDeps,
  type KeyedStoreHooks,
  type EvictionReason,
} from './keyed.js';
export {
  validateSamples,
  validateSamplesOptionsSchema,
  checkSample,
  createSampleCounters,
  SampleError,
  SAMPLE_ISSUES,
  type SampleIssue,
  type SampleCounters,
  type ValidateSamplesOptions,
  type ValidateSamplesDeps,
} from './validate-samples.js';
export { RingBuffer } from './ring-buffer.js';
export { seededRandom } from './random.js';
export { ok, err, type Result } from './result.js';
