/**
 * `@homeostat/decision-engine`: the Plan stage. Policies match incidents and name a runbook with
 * parameter templates; risk factors and confidence are scored with reasons; a gate chooses
 * execute, approve or escalate under cross-decision safety constraints; and a Kubernetes-HPA
 * calculator with a predictive mode turns metrics and forecasts into replica recommendations.
 *
 * @packageDocumentation
 */
export { TemplateError, type DecisionErrorCode } from './errors.js';
export { compileTemplate, renderTemplate, type CompiledTemplate } from './template.js';
export {
  MATCH_OPS,
  matcherSchema,
  policySchema,
  policyFileSchema,
  compilePolicies,
  parsePolicies,
  loadPolicies,
  type MatchOp,
  type PolicyInput,
  type CompiledMatcher,
  type CompiledPolicy,
  type PolicySet,
  type CompilePoliciesOptions,
  type ParsePoliciesOptions,
} from './policy.js';
export { policy, PolicyBuilder } from './policy-builder.js';
export {
  parseCron,
  createFreezeCalendar,
  freezeWindowSchema,
  freezeCalendarOptionsSchema,
  type CronMatcher,
  type FreezeCalendar,
  type FreezeCalendarOptions,
} from './cron.js';
export {
  assessRisk,
  blastRadiusRisk,
  criticalityRisk,
  rollbackRisk,
  changeFreezeRisk,
  recentFailuresRisk,
  inFlightRisk,
  defaultRiskFactors,
  type RiskContext,
  type RiskAssessment,
  type RiskFactor,
  type RiskResult,
} from './risk.js';
export {
  assessConfidence,
  confidenceOptionsSchema,
  createTrackRecord,
  incidentSignature,
  type ConfidenceInputs,
  type ConfidenceOptions,
  type ConfidenceResult,
  type MemoryTrackRecord,
  type TrackCounts,
  type TrackRecord,
} from './confidence.js';
export {
  gateDecision,
  gateOptionsSchema,
  type GateOptions,
  type GateResult,
  type GateThresholds,
} from './gate.js';
export {
  createSafetyGuard,
  safetyOptionsSchema,
  type SafetyCheck,
  type SafetyDeps,
  type SafetyGuard,
  type SafetyOptions,
  type SafetyStats,
} from './safety.js';
export {
  createDecisionEngine,
  decisionEngineOptionsSchema,
  type DecisionEngine,
  type DecisionEngineDeps,
  type DecisionEngineOptions,
  type DecisionEngineStats,
} from './decision-engine.js';
export { decide, type DecideDeps } from './decide.js';
export {
  createHpaCalculator,
  metricReplicas,
  hpaOptionsSchema,
  type HpaCalculator,
  type HpaDeps,
  type HpaInput,
  type HpaLimit,
  type HpaNormalizeInput,
  type HpaOptions,
  type HpaRecommendation,
  type HpaStats,
} from './hpa.js';
export {
  createScaler,
  forecastConfidence,
  scalerOptionsSchema,
  type Scaler,
  type ScalerDeps,
  type ScalerOptions,
  type ScalerStats,
  type ScalingRecommendation,
} from './predictive-scaler.js';
export {
  recommendScaling,
  recommendScalingOptionsSchema,
  type RecommendScalingDeps,
  type RecommendScalingOptions,
} from './recommend-scaling.js';
