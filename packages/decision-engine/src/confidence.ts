import { z } from 'zod';
import { KeyedStore, parseOptions, type Incident } from '@homeostat/core';
import { maxScore } from './internal/fields.js';
import { f2 } from './internal/format.js';

/** Successes and failures of a runbook on one kind of incident. */
export interface TrackCounts {
  /** Runs that succeeded (counts below 0 are read as 0). */
  readonly successes: number;
  /** Runs that failed, rolled back or timed out (counts below 0 are read as 0). */
  readonly failures: number;
}

/**
 * The runbook's record per kind of incident, fed back from outcomes by the Knowledge stage.
 * `record` is optional: a read-only view (for example over the knowledge graph) is enough.
 */
export interface TrackRecord {
  /** Counts of `runbook` on incidents of kind `signature`; zeros when unknown. */
  get(signature: string, runbook: string): TrackCounts;
  /** Adds one outcome of `runbook` on incidents of kind `signature`. */
  record?(signature: string, runbook: string, success: boolean): void;
}

const trackRecordSchema = z.object({
  /**
   * Most (signature, runbook) pairs kept; the least recently used is forgotten beyond it. Default
   * 10,000.
   */
  maxEntries: z.number().int().min(1).default(10_000),
});

/** An in-memory {@link TrackRecord} with bounded size; `evicted` counts forgotten pairs. */
export interface MemoryTrackRecord extends TrackRecord {
  /**
   * Adds one outcome of `runbook` on incidents of kind `signature` (may evict the least recently
   * used pair).
   */
  record(signature: string, runbook: string, success: boolean): void;
  /** Pairs forgotten because `maxEntries` was reached. */
  readonly evicted: number;
  /** Pairs (signature, runbook) held now (at most `maxEntries`). */
  readonly size: number;
}

/**
 * Creates an in-memory, bounded {@link TrackRecord}.
 *
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const track = createTrackRecord();
 * track.record('HighLatency', 'restart-pod', true);
 * track.get('HighLatency', 'restart-pod'); // { successes: 1, failures: 0 }
 * ```
 */
export function createTrackRecord(
  options: z.input<typeof trackRecordSchema> = {},
): MemoryTrackRecord {
  const o = parseOptions(trackRecordSchema, options, { source: 'createTrackRecord' });
  const store = new KeyedStore<{ successes: number; failures: number }>(
    { maxKeys: o.maxEntries },
    { create: () => ({ successes: 0, failures: 0 }) },
  );
  let t = 0;
  const key = (s: string, r: string): string => `${s}\u0000${r}`;
  return {
    get(signature, runbook) {
      const c = store.peek(key(signature, runbook));
      return c === undefined
        ? { successes: 0, failures: 0 }
        : { successes: c.successes, failures: c.failures };
    },
    record(signature, runbook, success) {
      const c = store.getOrCreate(key(signature, runbook), ++t, undefined);
      if (success) c.successes++;
      else c.failures++;
    },
    get evicted() {
      return store.stats.evictedLru;
    },
    get size() {
      return store.size;
    },
  };
}

/**
 * The default "kind of incident" used to look up a runbook's record: the `alertname` label when
 * present, otherwise the sorted distinct symptom metrics (or series), otherwise the resource.
 *
 * @example
 * ```ts
 * incidentSignature({ ...incident, labels: { alertname: 'HighLatency' } }); // 'HighLatency'
 * ```
 */
export function incidentSignature(incident: Incident): string {
  const alert = incident.labels.alertname;
  if (alert !== undefined && alert !== '') return alert;
  const names = new Set<string>();
  for (const s of incident.symptoms) names.add(s.metric ?? s.series);
  if (names.size > 0) return [...names].sort().join('+');
  return incident.resource;
}

/** zod schema of confidence options. */
export const confidenceOptionsSchema = z
  .strictObject({
    /**
     * Weights of the weighted mean (normalised by their sum, which must be above 0). Default
     * 0.25 / 0.25 / 0.2 / 0.3.
     */
    weights: z
      .strictObject({
        /** Weight of the detector part, the highest symptom score (≥ 0). Default 0.25. */
        detector: z.number().min(0).default(0.25),
        /** Weight of the root-cause part, the top candidate's score (≥ 0). Default 0.25. */
        rootCause: z.number().min(0).default(0.25),
        /** Weight of the matching policy's specificity (≥ 0). Default 0.2. */
        specificity: z.number().min(0).default(0.2),
        /** Weight of the runbook's track record on this kind of incident (≥ 0). Default 0.3. */
        trackRecord: z.number().min(0).default(0.3),
      })
      .default({ detector: 0.25, rootCause: 0.25, specificity: 0.2, trackRecord: 0.3 }),
    /** Beta prior of the track record: Beta(alpha, beta). Default uniform Beta(1, 1). */
    prior: z
      .strictObject({
        /** Prior successes α (> 0): pulls an untried runbook's record up. Default 1. */
        alpha: z.number().positive().default(1),
        /** Prior failures β (> 0): pulls an untried runbook's record down. Default 1. */
        beta: z.number().positive().default(1),
      })
      .default({ alpha: 1, beta: 1 }),
    /**
     * Used for a component that is not available (no symptoms, no root causes), in [0, 1].
     * Default 0.5.
     */
    neutral: z.number().min(0).max(1).default(0.5),
  })
  .refine(
    (o) =>
      o.weights.detector + o.weights.rootCause + o.weights.specificity + o.weights.trackRecord > 0,
    { message: 'at least one confidence weight must be positive', path: ['weights'] },
  );

/** Options of {@link assessConfidence} (all optional). */
export type ConfidenceOptions = z.input<typeof confidenceOptionsSchema>;

/** Inputs to confidence. */
export interface ConfidenceInputs {
  /** The incident: its top symptom score and top root cause feed confidence. */
  readonly incident: Incident;
  /** Specificity of the matching policy, in [0, 1). */
  readonly specificity: number;
  /** The runbook's record on this kind of incident. */
  readonly track: TrackCounts;
}

/** Confidence with its parts. */
export interface ConfidenceResult {
  /** Weighted mean of the parts, in [0, 1]. */
  readonly confidence: number;
  /** Each component, in [0, 1] (`neutral` when not available). */
  readonly parts: {
    /** Highest symptom score (`neutral` without symptoms). */
    readonly detector: number;
    /** Top root cause's score clamped to [0, 1] (`neutral` without root causes). */
    readonly rootCause: number;
    /** The matching policy's specificity. */
    readonly specificity: number;
    /**
     * Beta posterior mean of the track record: (successes + α) / (successes + failures + α + β).
     */
    readonly trackRecord: number;
  };
  /** One line per part, in words, for the rationale. */
  readonly reasons: readonly string[];
}

const clamp01 = (x: number): number => (Number.isNaN(x) ? 0 : x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Confidence that the matched runbook fits the incident: the weighted mean of the detector
 * score (highest symptom score), the root-cause confidence (top candidate's score), the policy's
 * specificity, and the runbook's record on this kind of incident as the mean of the Beta
 * posterior, (successes + α) / (successes + failures + α + β).
 *
 * @remarks Options must already be parsed (see {@link confidenceOptionsSchema}); the engine does so once.
 * @example
 * ```ts
 * const opts = confidenceOptionsSchema.parse({});
 * assessConfidence({ incident, specificity: 0.5, track: { successes: 9, failures: 1 } }, opts).confidence;
 * ```
 */
export function assessConfidence(
  inputs: ConfidenceInputs,
  options: z.output<typeof confidenceOptionsSchema>,
): ConfidenceResult {
  const { weights: w, prior, neutral } = options;
  const reasons: string[] = [];
  const ms = maxScore(inputs.incident);
  const detector = ms === undefined ? neutral : clamp01(ms);
  reasons.push(
    ms === undefined
      ? `detector: no symptoms, neutral ${neutral}`
      : `detector: top symptom score ${f2(detector)}`,
  );
  const rc = inputs.incident.rootCauses?.[0];
  const rootCause = rc === undefined ? neutral : clamp01(rc.score);
  reasons.push(
    rc === undefined
      ? `root cause: none ranked, neutral ${neutral}`
      : `root cause: ${rc.node} at ${f2(rootCause)}`,
  );
  const specificity = clamp01(inputs.specificity);
  reasons.push(`policy specificity ${f2(specificity)}`);
  const s = Math.max(0, inputs.track.successes);
  const f = Math.max(0, inputs.track.failures);
  const trackRecord = (s + prior.alpha) / (s + f + prior.alpha + prior.beta);
  reasons.push(
    `track record: ${s} succeeded, ${f} failed → Beta posterior mean ${f2(trackRecord)}`,
  );
  const wsum = w.detector + w.rootCause + w.specificity + w.trackRecord;
  const confidence =
    (w.detector * detector +
      w.rootCause * rootCause +
      w.specificity * specificity +
      w.trackRecord * trackRecord) /
    wsum;
  return {
    confidence: clamp01(confidence),
    parts: { detector, rootCause, specificity, trackRecord },
    reasons,
  };
}
