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
  /** Series identity, for example `checkout:/pay:latency_p99`. Non-empty. */
  series: z.string().min(1, 'must be a non-empty string'),
  /** Event time in epoch milliseconds. Finite. */
  t: finite,
  /** The observed value. Finite (`NaN` and `±Infinity` are refused). */
  value: finite,
  /** Optional labels of the series (string keys to string values), for example `service`. */
  labels: labelsSchema.optional(),
});

/** zod schema of `Scored`. */
export const scoredSchema = z.object({
  /** The sample that was scored (see {@link sampleSchema}). */
  sample: sampleSchema,
  /** Anomaly score in [0, 1]; higher is more anomalous. */
  score: unit,
  /** Name of the detector that produced the score. Non-empty. */
  detector: z.string().min(1),
  /** Why the score is what it is, in words. */
  explanation: z.string().optional(),
  /** Member or component scores (ensembles, multi-part detectors), each finite. */
  parts: z.record(z.string(), finite).optional(),
});

/** zod schema of `Anomaly`. */
export const anomalySchema = scoredSchema.extend({
  /** The threshold the score crossed, in [0, 1]. */
  threshold: unit,
});

/** zod schema of `Forecast`. */
export const forecastSchema = z.object({
  /** Series the forecast is for, as named in its samples. Non-empty. */
  series: z.string().min(1),
  /** Time the forecast was made (event time of the last sample seen, epoch ms). */
  t: finite,
  /** How far ahead of `t` the forecast is for, in ms (≥ 0). */
  horizonMs: nonNegative,
  /** Point forecast at `t + horizonMs`, in the series' own unit. */
  mean: finite,
  /** Lower bound of the prediction interval at coverage `level`, in the series' unit. */
  lower: finite,
  /** Upper bound of the prediction interval at coverage `level`, in the series' unit. */
  upper: finite,
  /** Coverage of `[lower, upper]` as a ratio in [0, 1], for example 0.95. */
  level: unit.optional(),
  /** Name of the model. Non-empty. */
  model: z.string().min(1),
});

/** zod schema of `ExhaustionForecast`. */
export const exhaustionForecastSchema = z.object({
  /** Series watched, as named in its samples. Non-empty. */
  series: z.string().min(1),
  /** Time the estimate was made (event time, epoch ms). */
  t: finite.optional(),
  /**
   * The limit the series must not cross, in the series' own unit (disk bytes, heap, connections).
   */
  limit: finite,
  // zod's number() refuses Infinity, which means "no crossing expected" here.
  /**
   * Milliseconds from `t` until the limit is crossed (≥ 0); `Infinity` when no crossing is
   * expected.
   */
  etaMs: z.custom<number>((n) => typeof n === 'number' && n >= 0, {
    message: 'must be ≥ 0 or Infinity',
  }),
  /** Probability that the limit is crossed within the forecast horizon, in [0, 1]. */
  probability: unit,
  /** Name of the model that made the estimate, when known. */
  model: z.string().optional(),
});

/** zod schema of `Severity`. */
export const severitySchema = z.enum(SEVERITIES as ['info', 'warning', 'error', 'critical']);

/** zod schema of `Symptom`. */
export const symptomSchema = z.object({
  /** Series the symptom was seen on. Non-empty. */
  series: z.string().min(1),
  /** The component (service, host, dependency) the series belongs to. */
  resource: z.string().optional(),
  /** The metric name, for example `latency_p99`. */
  metric: z.string().optional(),
  /** Event time of the symptom (epoch ms). */
  t: finite,
  /** The observed value of the series at `t`, when known. */
  value: finite.optional(),
  /** Anomaly score in [0, 1]; higher is more anomalous. */
  score: unit,
  /** Name of the detector that reported it, when known. */
  detector: z.string().optional(),
  /** Why it was reported, in words (for example an alert summary). */
  explanation: z.string().optional(),
});

/** zod schema of `RootCause`. */
export const rootCauseSchema = z.object({
  /** The graph node (component id) suspected to be the cause. Non-empty. */
  node: z.string().min(1),
  /**
   * How likely the node is the cause: higher is more likely. Finite, comparable within one
   * ranking, not a calibrated probability (the decision engine clamps the top one to [0, 1]).
   */
  score: finite,
  /** Reasons behind the score, in words, in the order they were found. */
  evidence: z.array(z.string()),
});

/** zod schema of `Incident`. */
export const incidentSchema = z.object({
  /** Identifier of the incident, unique per source. Non-empty. */
  id: z.string().min(1),
  /** The component the incident is about. Non-empty. */
  resource: z.string().min(1),
  /** The symptoms gathered into the incident (see {@link symptomSchema}); may be empty. */
  symptoms: z.array(symptomSchema),
  /** How bad the incident is: `info`, `warning`, `error` or `critical`. */
  severity: severitySchema,
  /** Event time of the first symptom or of the alert's start (epoch ms). */
  openedAt: finite,
  /** Labels of the incident (for example `service`, `metric`, `alertname`); may be empty. */
  labels: labelsSchema,
  /** Free-text annotations from the source (for example Alertmanager's `summary`). */
  annotations: labelsSchema.optional(),
  /** `resolved` when the source says the problem is gone; absent means firing. */
  status: z.enum(['firing', 'resolved']).optional(),
  /** Ranked root-cause candidates, most likely first, when an RCA step has run. */
  rootCauses: z.array(rootCauseSchema).optional(),
});

/** zod schema of `Decision`. */
export const decisionSchema = z.object({
  /** Identifier of the decision. Non-empty. */
  id: z.string().min(1),
  /** The incident the decision is about (see {@link incidentSchema}). */
  incident: incidentSchema,
  /** What to do: run the runbook, ask for approval, escalate to a person, or do nothing. */
  verdict: z.enum(['execute', 'approve', 'escalate', 'ignore']),
  /** Id of the runbook to run (non-empty); absent when no policy chose one. */
  runbook: z.string().min(1).optional(),
  /** Parameters for the runbook, as chosen by the policy. */
  params: z.record(z.string(), z.unknown()).optional(),
  /** Confidence in the decision, in [0, 1]. */
  confidence: unit,
  /** Risk of acting on the decision, in [0, 1]. */
  risk: unit,
  /** Every reason, in the order they were considered. */
  rationale: z.array(z.string()),
  /** Time of the decision (epoch ms). */
  t: finite.optional(),
  /** When true, the executor only plans and runs read-only actions. */
  dryRun: z.boolean().optional(),
});

/** zod schema of `StepOutcome`. */
export const stepOutcomeSchema = z.object({
  /**
   * Step label: its name, `name@target` when it ran once per target, or `undo:<name>` for an
   * undo that failed.
   */
  step: z.string(),
  /** Name of the action the step ran. */
  action: z.string(),
  /**
   * How the step ended: `skipped` for a changing action in a dry run, `rolled_back` when its undo
   * succeeded after a later failure.
   */
  status: z.enum(['succeeded', 'failed', 'skipped', 'timed_out', 'rolled_back']),
  /** Duration of the step in ms of scheduler time, retries and backoff included (≥ 0). */
  durationMs: nonNegative,
  /** Number of attempts made (1 + retries used); 0 when the step never started. Integer ≥ 0. */
  attempts: z.number().int().min(0).optional(),
  /** Message of the last failure, when the step did not succeed. */
  error: z.string().optional(),
});

/** zod schema of `Outcome`. */
export const outcomeSchema = z.object({
  /** The decision that was executed (see {@link decisionSchema}). */
  decision: decisionSchema,
  /** How the run ended. */
  status: z.enum(['succeeded', 'failed', 'rolled_back', 'blocked', 'timed_out', 'rejected']),
  /** True when the runbook's verification passed. */
  verified: z.boolean(),
  /** The steps as they ran, in order (dry-run skips included; failed undo steps appended). */
  steps: z.array(stepOutcomeSchema),
  /** Duration of the whole run in ms (≥ 0). */
  durationMs: nonNegative,
  /** Why the run did not succeed, when it did not. */
  error: z.string().optional(),
  /** Event time the run ended (epoch ms), when known. */
  t: finite.optional(),
});

const breakerStateSchema = z.enum(['closed', 'open', 'half-open', 'forced-open', 'disabled']);

/** zod schema of `BreakerEvent`. */
export const breakerEventSchema = z.object({
  /** Name of the breaker. Non-empty. */
  breaker: z.string().min(1),
  /** What happened: a call succeeded, failed, timed out or was rejected, or the state changed. */
  type: z.enum(['success', 'failure', 'timeout', 'rejected', 'state-change']),
  /** Time of the event (epoch ms, from the breaker's clock). */
  t: finite,
  /** State after the event. */
  state: breakerStateSchema,
  /** For `state-change`: the state before. */
  from: breakerStateSchema.optional(),
  /** Duration of the call in ms (≥ 0), for call events. */
  durationMs: nonNegative.optional(),
  /** Message of the error, for `failure` and `timeout` events. */
  error: z.string().optional(),
});

/** zod schema of `RequestObservation`. */
export const requestObservationSchema = z.object({
  /** Time the request arrived (epoch ms, wall clock). */
  t: finite,
  /** Name of the service that handled the request, when known. */
  service: z.string().optional(),
  /** HTTP method, for example `GET`. Non-empty. */
  method: z.string().min(1),
  /** Route template (`/users/:id`), never the raw URL. Non-empty. */
  route: z.string().min(1),
  /** HTTP status code sent: an integer in 100–599. */
  status: z.number().int().min(100).max(599),
  /** Time from arrival to the end of the response, in ms on a monotonic clock (≥ 0). */
  latencyMs: nonNegative,
  /** Request body size in bytes (≥ 0), when known. */
  bytesIn: nonNegative.optional(),
  /**
   * Response size in bytes (≥ 0) as written to the connection, status line and headers
   * included, when known.
   */
  bytesOut: nonNegative.optional(),
  /** Requests in flight when this one started (integer ≥ 0). */
  inFlight: z.number().int().min(0),
  /** True when the sidecar shed the request (503) instead of running the handler. */
  shed: z.boolean().optional(),
});

/** zod schema of `DependencyObservation`. */
export const dependencyObservationSchema = z.object({
  /** Time the call started (epoch ms, wall clock). */
  t: finite,
  /** Name of the calling service, when known. */
  service: z.string().optional(),
  /** The dependency, `host:port`. Non-empty. */
  target: z.string().min(1),
  /** Method of the call (for example the HTTP method), when known. */
  method: z.string().optional(),
  /** Status code of the response (integer), when there was one. */
  status: z.number().int().optional(),
  /** Duration of the call in ms on a monotonic clock (≥ 0). */
  latencyMs: nonNegative,
  /** True when the call failed (network error or 5xx). */
  error: z.boolean(),
});
