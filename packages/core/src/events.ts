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
  /** Optional labels of the series, for example `service` or `route`. */
  readonly labels?: Labels | undefined;
}

/** Every sample, scored by a detector. `score` is in [0, 1]; higher is more anomalous. */
export interface Scored<T extends Sample = Sample> {
  /** The sample that was scored, passed through unchanged. */
  readonly sample: T;
  /** Anomaly score in [0, 1]; higher is more anomalous. */
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
  /** Series the forecast is for, as named in its samples. */
  readonly series: string;
  /** Time the forecast was made (event time of the last sample seen). */
  readonly t: number;
  /** How far ahead of `t` the forecast is for. */
  readonly horizonMs: number;
  /** Point forecast at `t + horizonMs`, in the series' own unit. */
  readonly mean: number;
  /** Lower bound of the prediction interval at coverage `level`, in the series' unit. */
  readonly lower: number;
  /** Upper bound of the prediction interval at coverage `level`, in the series' unit. */
  readonly upper: number;
  /** Coverage of `[lower, upper]`, for example 0.95. */
  readonly level?: number | undefined;
  /** Name of the model. */
  readonly model: string;
}

/** When a series is expected to cross a limit. */
export interface ExhaustionForecast {
  /** Series watched, as named in its samples. */
  readonly series: string;
  /** Time the estimate was made (event time). */
  readonly t?: number | undefined;
  /**
   * The limit the series must not cross, in the series' own unit (disk bytes, heap, connections).
   */
  readonly limit: number;
  /** Milliseconds from `t` until the limit is crossed; `Infinity` when no crossing is expected. */
  readonly etaMs: number;
  /** Probability that the limit is crossed within the forecast horizon, in [0, 1]. */
  readonly probability: number;
  /** Name of the model that made the estimate, when known. */
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
  /** Series the symptom was seen on. */
  readonly series: string;
  /** The component (service, host, dependency) the series belongs to. */
  readonly resource?: string | undefined;
  /** The metric name, for example `latency_p99`. */
  readonly metric?: string | undefined;
  /** Event time of the symptom (epoch ms). */
  readonly t: number;
  /** The observed value of the series at `t`, when known. */
  readonly value?: number | undefined;
  /** Anomaly score in [0, 1]; higher is more anomalous. */
  readonly score: number;
  /** Name of the detector that reported it, when known. */
  readonly detector?: string | undefined;
  /** Why it was reported, in words (for example an alert summary). */
  readonly explanation?: string | undefined;
}

/** A ranked root-cause candidate with the evidence for it. */
export interface RootCause {
  /** The graph node (component id) suspected to be the cause. */
  readonly node: string;
  /**
   * How likely the node is the cause: higher is more likely. Finite, comparable within one
   * ranking, not a calibrated probability (the decision engine clamps the top one to [0, 1]).
   */
  readonly score: number;
  /** Reasons behind the score, in words, in the order they were found. */
  readonly evidence: readonly string[];
}

/** Correlated symptoms on one resource, with ranked root causes. */
export interface Incident {
  /** Identifier of the incident, unique per source (non-empty). */
  readonly id: string;
  /** The component the incident is about. */
  readonly resource: string;
  /** The symptoms gathered into the incident (may be capped by the producer). */
  readonly symptoms: readonly Symptom[];
  /** How bad the incident is (see {@link Severity}). */
  readonly severity: Severity;
  /** Event time of the first symptom or of the alert's start (epoch ms). */
  readonly openedAt: number;
  /** Labels of the incident (for example `service`, `metric`, `alertname`); may be empty. */
  readonly labels: Labels;
  /** Free-text annotations from the source (for example Alertmanager's `summary`). */
  readonly annotations?: Labels | undefined;
  /** `resolved` when the source says the problem is gone (for example Alertmanager). */
  readonly status?: 'firing' | 'resolved' | undefined;
  /** Ranked root-cause candidates, most likely first, when an RCA step has run. */
  readonly rootCauses?: readonly RootCause[] | undefined;
}

/** What the Plan stage decided to do about an incident. */
export type Verdict = 'execute' | 'approve' | 'escalate' | 'ignore';

/** A decision with its confidence, risk and reasons. */
export interface Decision {
  /** Identifier of the decision (non-empty). */
  readonly id: string;
  /** The incident the decision is about. */
  readonly incident: Incident;
  /** What to do: run the runbook, ask for approval, escalate to a person, or do nothing. */
  readonly verdict: Verdict;
  /** Id of the runbook to run; absent when no policy chose one. */
  readonly runbook?: string | undefined;
  /** Parameters for the runbook, as chosen by the policy. */
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
  /**
   * Step label: its name, `name@target` when it ran once per target, or `undo:<name>` for an
   * undo that failed.
   */
  readonly step: string;
  /** Name of the action the step ran. */
  readonly action: string;
  /**
   * How the step ended: `skipped` for a changing action in a dry run, `rolled_back` when its undo
   * succeeded after a later failure.
   */
  readonly status: 'succeeded' | 'failed' | 'skipped' | 'timed_out' | 'rolled_back';
  /** Duration of the step in ms of scheduler time, retries and backoff included (≥ 0). */
  readonly durationMs: number;
  /** Number of attempts made (1 + retries used); 0 when the step never started. */
  readonly attempts?: number | undefined;
  /** Message of the last failure, when the step did not succeed. */
  readonly error?: string | undefined;
}

/** What happened when a decision was executed. */
export interface Outcome {
  /** The decision that was executed. */
  readonly decision: Decision;
  /** How the run ended (see {@link OutcomeStatus}). */
  readonly status: OutcomeStatus;
  /** True when the runbook's verification passed. */
  readonly verified: boolean;
  /** The steps as they ran, in order (dry-run skips included; failed undo steps appended). */
  readonly steps: readonly StepOutcome[];
  /** Duration of the whole run in ms (≥ 0). */
  readonly durationMs: number;
  /** Why the run did not succeed, when it did not. */
  readonly error?: string | undefined;
  /** Event time the run ended (epoch ms), when known. */
  readonly t?: number | undefined;
}

/** State of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'forced-open' | 'disabled';

/** Something that happened in a circuit breaker. */
export interface BreakerEvent {
  /** Name of the breaker. */
  readonly breaker: string;
  /** What happened: a call succeeded, failed, timed out or was rejected, or the state changed. */
  readonly type: 'success' | 'failure' | 'timeout' | 'rejected' | 'state-change';
  /** Time of the event (epoch ms, from the breaker's clock). */
  readonly t: number;
  /** State after the event. */
  readonly state: BreakerState;
  /** For `state-change`: the state before. */
  readonly from?: BreakerState | undefined;
  /** Duration of the call in ms, for call events. */
  readonly durationMs?: number | undefined;
  /** Message of the error, for `failure` and `timeout` events. */
  readonly error?: string | undefined;
}

/** One HTTP request handled by a service, as the sidecar saw it. */
export interface RequestObservation {
  /** Time the request arrived (epoch ms, wall clock). */
  readonly t: number;
  /** Name of the service that handled the request, when known. */
  readonly service?: string | undefined;
  /** HTTP method, for example `GET`. */
  readonly method: string;
  /** Route template (`/users/:id`), never the raw URL. */
  readonly route: string;
  /** HTTP status code sent (100–599). */
  readonly status: number;
  /** Time from arrival to the end of the response, in ms on a monotonic clock (≥ 0). */
  readonly latencyMs: number;
  /** Request body size in bytes, when known. */
  readonly bytesIn?: number | undefined;
  /**
   * Response size in bytes as written to the connection, status line and headers included,
   * when known.
   */
  readonly bytesOut?: number | undefined;
  /** Requests in flight when this one started. */
  readonly inFlight: number;
  /** True when the sidecar shed the request (503) instead of running the handler. */
  readonly shed?: boolean | undefined;
}

/** One outgoing call from a service to a dependency. */
export interface DependencyObservation {
  /** Time the call started (epoch ms, wall clock). */
  readonly t: number;
  /** Name of the calling service, when known. */
  readonly service?: string | undefined;
  /** The dependency, `host:port`. */
  readonly target: string;
  /** Method of the call (for example the HTTP method), when known. */
  readonly method?: string | undefined;
  /** Status code of the response, when there was one. */
  readonly status?: number | undefined;
  /** Duration of the call in ms on a monotonic clock (≥ 0). */
  readonly latencyMs: number;
  /** True when the call failed (network error or 5xx). */
  readonly error: boolean;
}
