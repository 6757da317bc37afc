import { z } from 'zod';
import { SEVERITIES } from './events.js';

// zod schemas for events that enter from outside (HTTP, files, user config). Inside a pipeline
// events are trusted and never re-validated.

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number' });
const nonNegative = finite.refine((n) => n >= 0, { message: 'must be ≥ 0' });
const unit = finite.refine((n) => n >= 0 && n <= 1, { message: 'must be in [0, 1]' });

/** zod schema of `Labels`. */
export const labelsSchema = z.record(z.string(), z.string());

/** zod schema of `Sample`. */
export const sampleSchema = z.object({
  series: z.string().min(1, 'must be a non-empty string'),
  t: finite,
  value: finite,
  labels: labelsSchema.optional(),
});

/** zod schema of `Scored`. */
export const scoredSchema = z.object({
  sample: sampleSchema,
  score: unit,
  detector: z.string().min(1),
  explanation: z.string().optional(),
  parts: z.record(z.string(), finite).optional(),
});

/** zod schema of `Anomaly`. */
export const anomalySchema = scoredSchema.extend({ threshold: unit });

/** zod schema of `Forecast`. */
export const forecastSchema = z.object({
  series: z.string().min(1),
  t: finite,
  horizonMs: nonNegative,
  mean: finite,
  lower: finite,
  upper: finite,
  level: unit.optional(),
  model: z.string().min(1),
});

/** zod schema of `ExhaustionForecast`. */
export const exhaustionForecastSchema = z.object({
  series: z.string().min(1),
  t: finite.optional(),
  limit: finite,
  // zod's number() refuses Infinity, which means "no crossing expected" here.
  etaMs: z.custom<number>((n) => typeof n === 'number' && n >= 0, {
    message: 'must be ≥ 0 or Infinity',
  }),
  probability: unit,
  model: z.string().optional(),
});

/** zod schema of `Severity`. */
export const severitySchema = z.enum(SEVERITIES as ['info', 'warning', 'error', 'critical']);

/** zod schema of `Symptom`. */
export const symptomSchema = z.object({
  series: z.string().min(1),
  resource: z.string().optional(),
  metric: z.string().optional(),
  t: finite,
  value: finite.optional(),
  score: unit,
  detector: z.string().optional(),
  explanation: z.string().optional(),
});

/** zod schema of `RootCause`. */
export const rootCauseSchema = z.object({
  node: z.string().min(1),
  score: finite,
  evidence: z.array(z.string()),
});

/** zod schema of `Incident`. */
export const incidentSchema = z.object({
  id: z.string().min(1),
  resource: z.string().min(1),
  symptoms: z.array(symptomSchema),
  severity: severitySchema,
  openedAt: finite,
  labels: labelsSchema,
  annotations: labelsSchema.optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  rootCauses: z.array(rootCauseSchema).optional(),
});

/** zod schema of `Decision`. */
export const decisionSchema = z.object({
  id: z.string().min(1),
  incident: incidentSchema,
  verdict: z.enum(['execute', 'approve', 'escalate', 'ignore']),
  runbook: z.string().min(1).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  confidence: unit,
  risk: unit,
  rationale: z.array(z.string()),
  t: finite.optional(),
  dryRun: z.boolean().optional(),
});

/** zod schema of `StepOutcome`. */
export const stepOutcomeSchema = z.object({
  step: z.string(),
  action: z.string(),
  status: z.enum(['succeeded', 'failed', 'skipped', 'timed_out', 'rolled_back']),
  durationMs: nonNegative,
  attempts: z.number().int().min(0).optional(),
  error: z.string().optional(),
});

/** zod schema of `Outcome`. */
export const outcomeSchema = z.object({
  decision: decisionSchema,
  status: z.enum(['succeeded', 'failed', 'rolled_back', 'blocked', 'timed_out', 'rejected']),
  verified: z.boolean(),
  steps: z.array(stepOutcomeSchema),
  durationMs: nonNegative,
  error: z.string().optional(),
  t: finite.optional(),
});

const breakerStateSchema = z.enum(['closed', 'open', 'half-open', 'forced-open', 'disabled']);

/** zod schema of `BreakerEvent`. */
export const breakerEventSchema = z.object({
  breaker: z.string().min(1),
  type: z.enum(['success', 'failure', 'timeout', 'rejected', 'state-change']),
  t: finite,
  state: breakerStateSchema,
  from: breakerStateSchema.optional(),
  durationMs: nonNegative.optional(),
  error: z.string().optional(),
});

/** zod schema of `RequestObservation`. */
export const requestObservationSchema = z.object({
  t: finite,
  service: z.string().optional(),
  method: z.string().min(1),
  route: z.string().min(1),
  status: z.number().int().min(100).max(599),
  latencyMs: nonNegative,
  bytesIn: nonNegative.optional(),
  bytesOut: nonNegative.optional(),
  inFlight: z.number().int().min(0),
  shed: z.boolean().optional(),
});

/** zod schema of `DependencyObservation`. */
export const dependencyObservationSchema = z.object({
  t: finite,
  service: z.string().optional(),
  target: z.string().min(1),
  method: z.string().optional(),
  status: z.number().int().optional(),
  latencyMs: nonNegative,
  error: z.boolean(),
});
