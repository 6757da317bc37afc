/**
 * The event types that flow through a Homeostat loop. Plain readonly objects; every timestamp
 * is epoch milliseconds of event time.
 */

/** Labels attached to a series, an incident or a request: string keys to string values. */
export type Labels = Readonly<Record<string, string>>;

/** One metric observation. */
export interface Sample {
  /** Series identity, for example `checkout:/pay:latency_p99`. Non-empty. */
  readonly series: string;
  /** Event time in epoch milliseconds. */
  readonly t: number;
  /** The observed value. Finite. */
  readonly value: number;
  readonly labels?: Labels | undefined;
}

/** Every sample, scored by a detector. `score` is in [0, 1]; higher is more anomalous. */
export interface Scored<T extends Sample = Sample> {
  readonly sample: T;
  readonly score: number;
  /** Name of the detector that produced the score. */
  readonly detector: string;
  /** Why the score is what it is, in words. */
  readonly explanation?: string | undefined;
  /** Member or component scores (ensembles, multi-part detectors). */
  readonly parts?: Readonly<Record<string, number>> | undefined;
}

/** A scored sample over its detector's threshold. */
export interface Anomaly<T extends Sample = Sample> extends Scored<T> {
  /** The threshold the score crossed. */
  readonly threshold: number;
}

/** A forecast of one series at one horizon, with a prediction interval. */
export interface Forecast {
  readonly series: string;
  /** Time the forecast was made (event time of the last sample seen). */
  readonly t: number;
  /** How far ahead of `t` the forecast is for. */
  readonly horizonMs: number;
  readonly mean: number;
  readonly lower: number;
  readonly upper: number;
  /** Coverage of `[lower, upper]`, for example 0.95. */
  readonly level?: number | undefined;
  /** Name of the model. */
  readonly model: string;
}

/** When a series is expected to cross a limit. */
export interface ExhaustionForecast {
  readonly series: string;
  /** Time the estimate was made (event time). */
  readonly t?: number | undefined;
  readonly limit: number;
  /** Milliseconds from `t` until the limit is crossed; `Infinity` when no crossing is expected. */
  readonly etaMs: number;
  /** Probability that the limit is crossed within the forecast horizon, in [0, 1]. */
  readonly probability: number;
  readonly model?: string | undefined;
}

/** Severity of an incident, in increasing order. */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** Every {@link Severity}, in increasing order. */
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];

/**
 * Numeric rank of a severity (`info` 0 … `critical` 3), for comparisons.
 *
 * @example
 * ```ts
 * severityRank('error') >= severityRank('warning'); // true
 * ```
 */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** One observed symptom of an incident: usually an anomaly on one series. */
export interface Symptom {
  readonly series: string;
  /** The component (service, host, dependency) the series belongs to. */
  readonly resource?: string | undefined;
  /** The metric name, for example `latency_p99`. */
  readonly metric?: string | undefined;
  readonly t: number;
  readonly value?: number | undefined;
  readonly score: number;
  readonly detector?: string | undefined;
  readonly explanation?: string | undefined;
}

/** A ranked root-cause candidate with the evidence for it. */
export interface RootCause {
  readonly node: string;
  readonly score: number;
  readonly evidence: readonly string[];
}

/** Correlated symptoms on one resource, with ranked root causes. */
export interface Incident {
  readonly id: string;
  /** The component the incident is about. */
  readonly resource: string;
  readonly symptoms: readonly Symptom[];
  readonly severity: Severity;
  readonly openedAt: number;
  readonly labels: Labels;
  readonly annotations?: Labels | undefined;
  /** `resolved` when the source says the problem is gone (for example Alertmanager). */
  readonly status?: 'firing' | 'resolved' | undefined;
  readonly rootCauses?: readonly RootCause[] | undefined;
}

/** What the Plan stage decided to do about an incident. */
export type Verdict = 'execute' | 'approve' | 'escalate' | 'ignore';

/** A decision with its confidence, risk and reasons. */
export interface Decision {
  readonly id: string;
  readonly incident: Incident;
  readonly verdict: Verdict;
  readonly runbook?: string | undefined;
  readonly params?: Readonly<Record<string, unknown>> | undefined;
  /** In [0, 1]. */
  readonly confidence: number;
  /** In [0, 1]. */
  readonly risk: number;
  /** Every reason, in the order they were considered. */
  readonly rationale: readonly string[];
  /** Time of the decision. */
  readonly t?: number | undefined;
  /** When true, the executor only plans and runs read-only actions. */
  readonly dryRun?: boolean | undefined;
}

/** How a run ended. */
export type OutcomeStatus =
  'succeeded' | 'failed' | 'rolled_back' | 'blocked' | 'timed_out' | 'rejected';

/** One step of a run, as it happened. */
export interface StepOutcome {
  readonly step: string;
  readonly action: string;
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'timed_out' | 'rolled_back';
  readonly durationMs: number;
  readonly attempts?: number | undefined;
  readonly error?: string | undefined;
}

/** What happened when a decision was executed. */
export interface Outcome {
  readonly decision: Decision;
  readonly status: OutcomeStatus;
  /** True when the runbook's verification passed. */
  readonly verified: boolean;
  readonly steps: readonly StepOutcome[];
  readonly durationMs: number;
  readonly error?: string | undefined;
  readonly t?: number | undefined;
}

/** State of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled';

/** Something that happened in a circuit breaker. */
export interface BreakerEvent {
  readonly breaker: string;
  readonly type: 'success' | 'failure' | 'timeout' | 'rejected' | 'state-change';
  readonly t: number;
  /** State after the event. */
  readonly state: BreakerState;
  /** For `state-change`: the state before. */
  readonly from?: BreakerState | undefined;
  readonly durationMs?: number | undefined;
  readonly error?: string | undefined;
}

/** One HTTP request handled by a service, as the sidecar saw it. */
export interface RequestObservation {
  readonly t: number;
  readonly service?: string | undefined;
  readonly method: string;
  /** Route template (`/users/:id`), never the raw URL. */
  readonly route: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly bytesIn?: number | undefined;
  readonly bytesOut?: number | undefined;
  /** Requests in flight when this one started. */
  readonly inFlight: number;
  /** True when the sidecar shed the request (503) instead of running the handler. */
  readonly shed?: boolean | undefined;
}

/** One outgoing call from a service to a dependency. */
export interface DependencyObservation {
  readonly t: number;
  readonly service?: string | undefined;
  /** The dependency, `host:port`. */
  readonly target: string;
  readonly method?: string | undefined;
  readonly status?: number | undefined;
  readonly latencyMs: number;
  /** True when the call failed (network error or 5xx). */
  readonly error: boolean;
}
