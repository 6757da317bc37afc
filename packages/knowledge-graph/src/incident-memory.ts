import {
  parseOptions,
  systemClock,
  type Clock,
  type Incident,
  type Outcome,
  type OutcomeStatus,
} from '@homeostat/core';
import { z } from 'zod';
import { StoreError } from './errors.js';

/** Success and failure counts of one runbook on one incident signature. */
export interface TrackRecordEntry {
  /** Successes counted: from outcomes, runs that succeeded and passed verification (≥ 0). */
  readonly successes: number;
  /**
   * Failures counted: from outcomes, runs that failed, rolled back, timed out, or succeeded
   * without passing verification (≥ 0).
   */
  readonly failures: number;
}

/**
 * How often each runbook worked on each incident signature: what the decision engine reads as
 * its track record.
 */
export interface TrackRecord {
  /** Counts for `runbook` on `signature` (zeros when never tried). */
  get(signature: string, runbook: string): TrackRecordEntry;
}

/** A resolved incident as remembered. */
export interface ResolvedIncident {
  /** The incident's id; remembering an id again replaces the earlier entry. */
  readonly id: string;
  /** The incident's signature (see {@link incidentSignature}), as the memory computed it. */
  readonly signature: string;
  /** The component the incident was about. */
  readonly resource: string;
  /** Symptoms, reduced to what similarity needs: the first 50 at most. */
  readonly symptoms: readonly {
    /** Series the symptom was seen on. */
    readonly series: string;
    /** The component the series belongs to, when known. */
    readonly resource?: string;
    /** The metric name, when known. */
    readonly metric?: string;
    /** Anomaly score in [0, 1], as reported. */
    readonly score: number;
  }[];
  /** The node found to be the cause: as given, else the incident's top-ranked root cause. */
  readonly rootCause?: string;
  /** The runbook run, when one was. */
  readonly runbook?: string;
  /** The actions taken (runbook steps or free text). */
  readonly actions: readonly string[];
  /** How the resolution ended. */
  readonly outcome: OutcomeStatus;
  /** How well the resolution worked, in [0, 1] (clamped; non-finite counts as 0). */
  readonly effectiveness: number;
  /** When it was resolved (epoch ms). */
  readonly resolvedAt: number;
  /** Sparse feature vector used for similarity (see {@link incidentFeatures}). */
  readonly features: Readonly<Record<string, number>>;
}

/** What {@link IncidentMemory.remember} takes. */
export interface RecordInput {
  /** The incident that was resolved. */
  readonly incident: Incident;
  /** The node found to be the cause. Default: the incident's top-ranked root cause, if any. */
  readonly rootCause?: string;
  /** The runbook run, when one was. */
  readonly runbook?: string;
  /** The actions taken, in words (default none). */
  readonly actions?: readonly string[];
  /** How the resolution ended. */
  readonly outcome: OutcomeStatus;
  /** How well it worked, in [0, 1] (clamped). Default: 1 for `succeeded`, 0 otherwise. */
  readonly effectiveness?: number;
  /** When it was resolved (epoch ms). Default: the clock's time. */
  readonly resolvedAt?: number;
}

/** One similar past incident. */
export interface SimilarIncident {
  /** The past incident, as remembered. */
  readonly incident: ResolvedIncident;
  /** Cosine similarity of the feature vectors, in [0, 1]. */
  readonly similarity: number;
}

/** A suggested resolution, from similar past incidents. */
export interface Suggestion {
  /** The runbook to run; absent when the resolution was a list of actions without a runbook. */
  readonly runbook?: string;
  /** The actions taken, as remembered from the first (most similar) incident that used it. */
  readonly actions: readonly string[];
  /**
   * Similarity × effectiveness, summed over the incidents that used it, divided by the best
   * suggestion's sum: in (0, 1], 1 for the best.
   */
  readonly score: number;
  /** How many of the similar incidents used it. */
  readonly support: number;
  /** Ids of those incidents, most similar first. */
  readonly examples: readonly string[];
}

/** zod schema of {@link IncidentMemoryOptions}. */
export const incidentMemoryOptionsSchema = z.strictObject({
  /** Most incidents kept (default 1000); the oldest are dropped (and counted) beyond it. */
  capacity: z.number().int().positive().default(1000),
  /**
   * Most (signature, runbook) pairs in the track record (default 10 000); counts for new pairs
   * beyond it are dropped (and counted).
   */
  maxTrackRecords: z.number().int().positive().default(10_000),
});

/** Options of {@link IncidentMemory} (plain data). */
export type IncidentMemoryOptions = z.input<typeof incidentMemoryOptionsSchema>;

/** Capabilities of {@link IncidentMemory}. */
export interface IncidentMemoryDeps {
  /** Time for `resolvedAt` when none is given. Default: `systemClock`. */
  readonly clock?: Clock;
  /** How an incident maps to a signature. Default: {@link incidentSignature}. */
  readonly signature?: (incident: Incident) => string;
}

/** Counters of an {@link IncidentMemory}. */
export interface IncidentMemoryStats {
  /** Incidents remembered now (at most `capacity`). */
  readonly incidents: number;
  /** Incidents dropped, oldest first, because `capacity` was reached. */
  readonly droppedIncidents: number;
  /** (signature, runbook) pairs in the track record now (at most `maxTrackRecords`). */
  readonly trackRecords: number;
  /** Successes and failures not counted: they were for a new pair when the pairs were full. */
  readonly droppedTrackRecords: number;
  /** Outcomes that said nothing about a runbook (blocked, rejected, dry runs). */
  readonly ignoredOutcomes: number;
}

function metricOf(s: { readonly series: string; readonly metric?: string | undefined }): string {
  if (s.metric) return s.metric;
  const i = s.series.lastIndexOf(':');
  return i >= 0 ? s.series.slice(i + 1) : s.series;
}

/**
 * The default incident signature: the `alertname` label when there is one; otherwise the
 * sorted, distinct metric names (or series) of the symptoms joined by `+`; otherwise the
 * resource. It is the same rule as the decision engine's default, so counts recorded here and
 * looked up there agree without configuration.
 *
 * @example
 * ```ts
 * incidentSignature(incident); // 'HighLatency', or 'errors+latency_p99', or 'checkout'
 * ```
 */
export function incidentSignature(incident: Incident): string {
  const alert = incident.labels?.alertname;
  if (alert !== undefined && alert !== '') return alert;
  const names = new Set<string>();
  for (const s of incident.symptoms ?? []) names.add(s.metric ?? s.series);
  if (names.size > 0) return [...names].sort().join('+');
  return incident.resource;
}

/**
 * The sparse feature vector of an incident: its resource, the metrics of its symptoms (alone
 * and per resource, weighted by score), severity, labels, and its top root cause.
 */
export function incidentFeatures(incident: Incident): Record<string, number> {
  const f: Record<string, number> = {};
  const put = (key: string, value: number): void => {
    f[key] = Math.max(f[key] ?? 0, value);
  };
  put(`resource:${incident.resource}`, 1);
  for (const s of incident.symptoms ?? []) {
    const score = Number.isFinite(s.score) ? Math.max(0.1, s.score) : 0.1;
    const m = metricOf(s);
    put(`metric:${m}`, score);
    put(`at:${s.resource ?? incident.resource}:${m}`, score);
  }
  put(`severity:${incident.severity}`, 0.5);
  for (const [k, v] of Object.entries(incident.labels ?? {})) put(`label:${k}=${v}`, 0.3);
  const cause = incident.rootCauses?.[0]?.node;
  if (cause) put(`cause:${cause}`, 1);
  return f;
}

/** Cosine similarity of two sparse vectors (0 when either is all zeros). */
export function cosineSimilarity(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of Object.entries(a)) {
    na += v * v;
    const w = b[k];
    if (w !== undefined) dot += v * w;
  }
  for (const v of Object.values(b)) nb += v * v;
  return na > 0 && nb > 0 ? Math.max(0, Math.min(1, dot / Math.sqrt(na * nb))) : 0;
}

const statusSchema = z.enum([
  'succeeded',
  'failed',
  'rolled_back',
  'blocked',
  'timed_out',
  'rejected',
]);

/** zod schema of {@link MemorySnapshot}. */
export const memorySnapshotSchema = z.object({
  /** Format version: always 1. */
  version: z.literal(1),
  /** The remembered incidents, oldest first (see {@link ResolvedIncident}). */
  incidents: z.array(
    z.object({
      /** The incident's id (non-empty). */
      id: z.string().min(1),
      /** The incident's signature. */
      signature: z.string(),
      /** The component the incident was about. */
      resource: z.string(),
      /** Symptoms, reduced to what similarity needs. */
      symptoms: z.array(
        z.object({
          /** Series the symptom was seen on. */
          series: z.string(),
          /** The component the series belongs to, when known. */
          resource: z.string().optional(),
          /** The metric name, when known. */
          metric: z.string().optional(),
          /** Anomaly score, as reported. */
          score: z.number(),
        }),
      ),
      /** The node found to be the cause, when known. */
      rootCause: z.string().optional(),
      /** The runbook run, when one was. */
      runbook: z.string().optional(),
      /** The actions taken, in words. */
      actions: z.array(z.string()),
      /** How the resolution ended. */
      outcome: statusSchema,
      /** How well the resolution worked, in [0, 1]. */
      effectiveness: z.number().min(0).max(1),
      /** When it was resolved (epoch ms). */
      resolvedAt: z.number(),
      /** Sparse feature vector used for similarity. */
      features: z.record(z.string(), z.number()),
    }),
  ),
  /** The track record: `[signature, runbook, successes, failures]` per pair (counts ≥ 0). */
  trackRecord: z.array(
    z.tuple([
      z.string(),
      z.string(),
      z.number().int().nonnegative(),
      z.number().int().nonnegative(),
    ]),
  ),
});

/** A plain-data copy of an {@link IncidentMemory}, as saved by a knowledge store. */
export type MemorySnapshot = z.infer<typeof memorySnapshotSchema>;

/**
 * Incident memory: resolved incidents with their symptoms, root cause, actions, outcome and
 * effectiveness; the k most similar to a new incident (cosine over feature vectors) and the
 * resolutions that worked for them; and per-signature runbook success counts (the
 * {@link TrackRecord} the decision engine reads).
 *
 * @remarks Bounded: at most `capacity` incidents (oldest dropped first) and `maxTrackRecords`
 * (signature, runbook) pairs; drops are counted in {@link IncidentMemory.stats}. Similarity
 * search is a linear scan, fine for thousands of incidents.
 * @example
 * ```ts
 * const memory = new IncidentMemory({ capacity: 500 });
 * outcomes$.pipe(learn(memory)).subscribe();
 * memory.suggest(newIncident, 3);
 * memory.get('HighLatency', 'restart-pod'); // { successes: 4, failures: 1 }
 * ```
 */
export class IncidentMemory implements TrackRecord {
  // `record(signature, runbook, success)` and `get` make this a full decision-engine track record.
  private readonly options: z.output<typeof incidentMemoryOptionsSchema>;
  private readonly clock: Clock;
  private readonly signatureOf: (incident: Incident) => string;
  /** Insertion order = age order (Map keeps it); re-recording an id moves it to the end. */
  private readonly incidents = new Map<string, ResolvedIncident>();
  private readonly track = new Map<string, { successes: number; failures: number }>();
  private droppedIncidents = 0;
  private droppedTrackRecords = 0;
  private ignoredOutcomes = 0;

  /** @throws {ConfigError} when `options` are invalid. */
  constructor(options: IncidentMemoryOptions = {}, deps: IncidentMemoryDeps = {}) {
    this.options = parseOptions(incidentMemoryOptionsSchema, options, { source: 'IncidentMemory' });
    this.clock = deps.clock ?? systemClock;
    this.signatureOf = deps.signature ?? incidentSignature;
  }

  /** Remembers a resolved incident and returns what was stored. */
  remember(input: RecordInput): ResolvedIncident {
    const incident = input.incident;
    const effectiveness = input.effectiveness ?? (input.outcome === 'succeeded' ? 1 : 0);
    const rootCause = input.rootCause ?? incident.rootCauses?.[0]?.node;
    const entry: ResolvedIncident = {
      id: incident.id,
      signature: this.signatureOf(incident),
      resource: incident.resource,
      symptoms: (incident.symptoms ?? []).slice(0, 50).map((s) => ({
        series: s.series,
        ...(s.resource === undefined ? {} : { resource: s.resource }),
        ...(s.metric === undefined ? {} : { metric: s.metric }),
        score: s.score,
      })),
      ...(rootCause === undefined ? {} : { rootCause }),
      ...(input.runbook === undefined ? {} : { runbook: input.runbook }),
      actions: [...(input.actions ?? [])],
      outcome: input.outcome,
      effectiveness: Math.min(1, Math.max(0, Number.isFinite(effectiveness) ? effectiveness : 0)),
      resolvedAt: input.resolvedAt ?? this.clock.now(),
      features: incidentFeatures(incident),
    };
    this.incidents.delete(entry.id);
    this.incidents.set(entry.id, entry);
    while (this.incidents.size > this.options.capacity) {
      const oldest = this.incidents.keys().next().value as string;
      this.incidents.delete(oldest);
      this.droppedIncidents++;
    }
    return entry;
  }

  /**
   * Learns from the outcome of a decision: counts a success (`succeeded` and verified) or a
   * failure (`failed`, `rolled_back`, `timed_out`, or succeeded but not verified) for the
   * decision's runbook on the incident's signature, and remembers the incident.
   *
   * @returns The stored incident, or undefined when the outcome says nothing about the runbook
   * (`blocked`, `rejected`, a dry run, or no runbook), which is counted as ignored.
   */
  recordOutcome(outcome: Outcome): ResolvedIncident | undefined {
    const d = outcome.decision;
    if (!d.runbook || d.dryRun || outcome.status === 'blocked' || outcome.status === 'rejected') {
      this.ignoredOutcomes++;
      return undefined;
    }
    const success = outcome.status === 'succeeded' && outcome.verified;
    this.record(this.signatureOf(d.incident), d.runbook, success);
    return this.remember({
      incident: d.incident,
      runbook: d.runbook,
      actions: outcome.steps.map((s) => `${s.step}: ${s.action} (${s.status})`),
      outcome: outcome.status,
      effectiveness: success ? 1 : 0,
      resolvedAt: outcome.t ?? this.clock.now(),
    });
  }

  /** Success and failure counts of `runbook` on `signature` ({@link TrackRecord}). */
  get(signature: string, runbook: string): TrackRecordEntry {
    const e = this.track.get(`${signature}\u0000${runbook}`);
    return e ? { ...e } : { successes: 0, failures: 0 };
  }

  /**
   * A read-only {@link TrackRecord} over this memory: hand it to the decision engine when
   * outcomes reach the memory through `learn`, so they are not counted twice.
   */
  trackRecordView(): TrackRecord {
    return { get: (signature, runbook) => this.get(signature, runbook) };
  }

  /** The signature this memory uses for `incident`. */
  signature(incident: Incident): string {
    return this.signatureOf(incident);
  }

  /** The `k` remembered incidents most similar to `incident` (similarity > 0), best first. */
  similar(incident: Incident, k = 5): SimilarIncident[] {
    const f = incidentFeatures(incident);
    const out: SimilarIncident[] = [];
    for (const past of this.incidents.values()) {
      if (past.id === incident.id) continue;
      const similarity = cosineSimilarity(f, past.features);
      if (similarity > 0) out.push({ incident: past, similarity });
    }
    out.sort(
      (a, b) => b.similarity - a.similarity || b.incident.resolvedAt - a.incident.resolvedAt,
    );
    return out.slice(0, Math.max(0, k));
  }

  /**
   * Resolutions of the `k` most similar incidents, grouped by runbook (or by actions when no
   * runbook was used), scored by similarity × effectiveness; resolutions that never worked
   * (score 0) are left out.
   */
  suggest(incident: Incident, k = 5): Suggestion[] {
    const groups = new Map<
      string,
      { runbook?: string; actions: readonly string[]; score: number; examples: string[] }
    >();
    for (const { incident: past, similarity } of this.similar(incident, k)) {
      const key = past.runbook ?? `actions:${past.actions.join('\u0000')}`;
      let g = groups.get(key);
      if (!g) {
        g = {
          ...(past.runbook === undefined ? {} : { runbook: past.runbook }),
          actions: past.actions,
          score: 0,
          examples: [],
        };
        groups.set(key, g);
      }
      g.score += similarity * past.effectiveness;
      g.examples.push(past.id);
    }
    const list = [...groups.values()].filter((g) => g.score > 0);
    const max = Math.max(0, ...list.map((g) => g.score));
    return list
      .map((g) => ({
        ...(g.runbook === undefined ? {} : { runbook: g.runbook }),
        actions: g.actions,
        score: max > 0 ? g.score / max : 0,
        support: g.examples.length,
        examples: g.examples,
      }))
      .sort((a, b) => b.score - a.score);
  }

  /** Every remembered incident, oldest first. */
  list(): ResolvedIncident[] {
    return [...this.incidents.values()];
  }

  /** Counters: sizes and what was dropped or ignored. */
  stats(): IncidentMemoryStats {
    return {
      incidents: this.incidents.size,
      droppedIncidents: this.droppedIncidents,
      trackRecords: this.track.size,
      droppedTrackRecords: this.droppedTrackRecords,
      ignoredOutcomes: this.ignoredOutcomes,
    };
  }

  /** A plain-data copy, loadable with {@link IncidentMemory.fromSnapshot}. */
  toJSON(): MemorySnapshot {
    return {
      version: 1,
      incidents: this.list().map((i) => ({
        ...i,
        symptoms: i.symptoms.map((s) => ({ ...s })),
        actions: [...i.actions],
        features: { ...i.features },
      })),
      trackRecord: [...this.track].map(([key, e]) => {
        const [signature = '', runbook = ''] = key.split('\u0000');
        return [signature, runbook, e.successes, e.failures] as [string, string, number, number];
      }),
    };
  }

  /**
   * Rebuilds a memory from a snapshot.
   *
   * @throws {StoreError} `SNAPSHOT_INVALID` naming every problem.
   * @throws {ConfigError} when `options` are invalid.
   */
  static fromSnapshot(
    snapshot: unknown,
    options: IncidentMemoryOptions = {},
    deps: IncidentMemoryDeps = {},
  ): IncidentMemory {
    const parsed = memorySnapshotSchema.safeParse(snapshot);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new StoreError('SNAPSHOT_INVALID', `invalid incident memory snapshot: ${detail}`, {
        cause: parsed.error,
      });
    }
    const memory = new IncidentMemory(options, deps);
    for (const i of parsed.data.incidents) {
      memory.incidents.delete(i.id);
      memory.incidents.set(i.id, i as ResolvedIncident);
      if (memory.incidents.size > memory.options.capacity) {
        memory.incidents.delete(memory.incidents.keys().next().value as string);
        memory.droppedIncidents++;
      }
    }
    for (const [signature, runbook, successes, failures] of parsed.data.trackRecord) {
      const key = `${signature}\u0000${runbook}`;
      if (!memory.track.has(key) && memory.track.size >= memory.options.maxTrackRecords) {
        memory.droppedTrackRecords++;
        continue;
      }
      memory.track.set(key, { successes, failures });
    }
    return memory;
  }

  /**
   * Counts one success or failure of `runbook` on `signature` (the write side of the decision
   * engine's track record). {@link IncidentMemory.recordOutcome} calls it; call it yourself only
   * for outcomes that do not go through there, or they are counted twice.
   */
  record(signature: string, runbook: string, success: boolean): void {
    const key = `${signature}\u0000${runbook}`;
    let e = this.track.get(key);
    if (!e) {
      if (this.track.size >= this.options.maxTrackRecords) {
        this.droppedTrackRecords++;
        return;
      }
      e = { successes: 0, failures: 0 };
      this.track.set(key, e);
    }
    if (success) e.successes++;
    else e.failures++;
  }
}
