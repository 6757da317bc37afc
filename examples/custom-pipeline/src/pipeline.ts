/**
 * A whole Monitor → Analyse → Plan → Execute loop composed by hand out of operators, without
 * HTTP: synthetic samples (event time, so two days replay in about a second) →
 * `validateSamples` → `detect(defaultDetector)` → `anomalies` → `toIncidents` (correlation
 * step) → `rankRootCauses` over a small `DependencyGraph` → `decide` with policies → `execute`
 * with runbooks in dry-run mode.
 */
import { filter, from, lastValueFrom, tap, toArray } from 'rxjs';
import { z } from 'zod';
import {
  createManualClock,
  createSampleCounters,
  validateSamples,
  type Anomaly,
  type Decision,
  type Incident,
  type Outcome,
} from '@homeostat/core';
import { anomalies, DEFAULT_THRESHOLD, defaultDetector, detect } from '@homeostat/detectors';
import {
  DependencyGraph,
  rankRootCauses,
  toIncidents,
  type ToIncidentsStats,
} from '@homeostat/knowledge-graph';
import { compilePolicies, createDecisionEngine, decide } from '@homeostat/decision-engine';
import {
  createMemoryAudit,
  createRunbookRegistry,
  defineAction,
  defineRunbook,
  execute,
  type Escalation,
} from '@homeostat/runbooks';
import { DAYS, FAULTS, generateSamples, T0, WARMUP_DAYS } from './data.js';

/** Options of {@link run}. */
export interface RunOptions {
  readonly log?: (line: string) => void;
  /** Seed of the generated data (default 7). */
  readonly seed?: number;
}

/** What every stage produced. */
export interface RunResult {
  readonly input: number;
  readonly validation: ReturnType<typeof createSampleCounters>;
  readonly scored: number;
  /** Anomalies during the warm-up (detectors still learning the daily cycle; not acted on). */
  readonly warmupAnomalies: number;
  /** Anomalies after the warm-up, passed on to correlation. */
  readonly anomalies: readonly Anomaly[];
  readonly correlation: ToIncidentsStats;
  readonly incidents: readonly Incident[];
  readonly decisions: readonly Decision[];
  readonly outcomes: readonly Outcome[];
  readonly escalations: readonly Escalation[];
  /** Plans printed by the dry run. */
  readonly plans: readonly string[];
  /** Read-only actions that really ran during the dry run. */
  readonly readOnlyCalls: readonly string[];
}

/** The system's dependency graph: edges point from a component to what it depends on. */
export function systemGraph(): DependencyGraph {
  const graph = new DependencyGraph();
  graph.addNode('web').addNode('api').addNode('db', { kind: 'database' });
  graph.addNode('cache', { kind: 'database' });
  graph.addEdge('web', 'api').addEdge('api', 'db', { weight: 0.9 }).addEdge('api', 'cache');
  return graph;
}

const minutes = (t: number): string => {
  const m = Math.round((t - T0) / 60_000);
  return `day ${Math.floor(m / 1440) + 1} ${String(Math.floor((m % 1440) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

/** Runs the pipeline over the generated data, printing each stage. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const raw = generateSamples(options.seed ?? 7);
  const graph = systemGraph();

  // ── Knowledge + Plan + Execute configuration ───────────────────────────────────────────────
  const policies = compilePolicies(
    [
      {
        name: 'kill-slow-queries-when-db-is-the-cause',
        match: ['rootCause="db"', 'symptom.metric="latency_ms"'],
        runbook: 'kill-slow-queries',
        params: { database: '${rootCause}', olderThanSeconds: 30 },
        target: '${rootCause}',
        rollback: false,
      },
      {
        name: 'roll-back-web-on-errors',
        match: ['rootCause="web"', 'symptom.metric="error_ratio"'],
        runbook: 'rollback-deploy',
        params: { service: '${rootCause}' },
        target: '${rootCause}',
        rollback: true,
      },
    ],
    { source: 'custom-pipeline policies' },
  );
  const readOnlyCalls: string[] = [];
  const registry = createRunbookRegistry({
    actions: [
      defineAction({
        name: 'list-slow-queries',
        readOnly: true,
        params: z.object({ database: z.string(), olderThanSeconds: z.number() }),
        run: ({ database, olderThanSeconds }) => {
          readOnlyCalls.push(`list-slow-queries ${database}`);
          return { detail: `3 queries on ${database} running longer than ${olderThanSeconds} s` };
        },
      }),
      defineAction({
        name: 'kill-queries',
        params: z.object({ database: z.string(), olderThanSeconds: z.number() }),
        run: () => {
          throw new Error('not reached in a dry run');
        },
      }),
      defineAction({
        name: 'rollback-deploy',
        params: z.object({ service: z.string() }),
        run: () => {
          throw new Error('not reached in a dry run');
        },
      }),
    ],
    runbooks: [
      defineRunbook({
        id: 'kill-slow-queries',
        params: { database: { type: 'string' }, olderThanSeconds: { type: 'number', min: 1 } },
        steps: [
          {
            action: 'list-slow-queries',
            params: {
              database: '{{ params.database }}',
              olderThanSeconds: '{{ params.olderThanSeconds }}',
            },
          },
          {
            action: 'kill-queries',
            params: {
              database: '{{ params.database }}',
              olderThanSeconds: '{{ params.olderThanSeconds }}',
            },
          },
        ],
      }),
      defineRunbook({
        id: 'rollback-deploy',
        params: { service: { type: 'string' } },
        steps: [{ action: 'rollback-deploy', params: { service: '{{ params.service }}' } }],
      }),
    ],
  });
  // Decisions follow event time: cooldowns and rate limits count synthetic minutes.
  const clock = createManualClock(T0);
  const engine = createDecisionEngine(policies, { dryRun: true }, { clock });

  // ── The pipeline ───────────────────────────────────────────────────────────────────────────
  log(`${raw.length} raw samples over ${DAYS} days of event time; faults injected:`);
  for (const f of FAULTS) log(`  ${minutes(f.start)} for ${f.minutes} min: ${f.name}`);

  const validation = createSampleCounters();
  const correlation: ToIncidentsStats = { opened: 0, absorbed: 0, droppedSymptoms: 0, evicted: 0 };
  let scored = 0;
  const found: Anomaly[] = [];
  let warmupAnomalies = 0;
  const warmupEnd = T0 + WARMUP_DAYS * 86_400_000;
  const incidents: Incident[] = [];
  const decisions: Decision[] = [];
  const escalations: Escalation[] = [];
  const plans: string[] = [];

  const anomalies$ = from(raw).pipe(
    validateSamples({ policy: 'drop' }, { counters: validation }),
    detect(defaultDetector),
    tap(() => scored++),
    anomalies({ threshold: DEFAULT_THRESHOLD, cooldownMs: 10 * 60_000 }),
    // The first days teach the detectors the daily cycle; what they flag then is not acted on.
    filter((a) => {
      if (a.sample.t >= warmupEnd) return true;
      warmupAnomalies++;
      return false;
    }),
    tap((a) => found.push(a)),
  );
  const outcomes = await lastValueFrom(
    anomalies$.pipe(
      // Days replay in well under a second, so incidents close by event time (15 quiet minutes)
      // or at the end of the replay, before the live gathering timer (scheduler time) fires.
      toIncidents(
        { quietMs: 15 * 60_000, gatherMs: 60_000, relatedDepth: 3 },
        { graph, stats: correlation },
      ),
      rankRootCauses(graph, { top: 3 }),
      tap((i) => {
        incidents.push(i);
        clock.set(Math.max(clock.now(), i.openedAt));
      }),
      decide(engine),
      tap((d) => decisions.push(d)),
      execute(registry, {
        audit: createMemoryAudit(),
        onPlan: (_plan, text) => plans.push(text),
        onEscalate: (e) => escalations.push(e),
      }),
      toArray(),
    ),
  );

  // ── What each stage did ────────────────────────────────────────────────────────────────────
  log(
    `\n1. validateSamples: ${validation.accepted} accepted, ${validation.dropped} dropped ${JSON.stringify(
      Object.fromEntries(Object.entries(validation.byIssue).filter(([, n]) => n > 0)),
    )}`,
  );
  log(`2. detect(defaultDetector): ${scored} samples scored`);
  log(
    `3. anomalies (threshold ${DEFAULT_THRESHOLD}, 10 min cooldown): ${warmupAnomalies} during the ${WARMUP_DAYS}-day warm-up (not acted on), ${found.length} after it:`,
  );
  for (const a of found) {
    const why = (a.explanation ?? '').split(' — ')[1] ?? a.explanation ?? '';
    log(
      `   ${minutes(a.sample.t)} ${a.sample.series.padEnd(16)} ${a.sample.value.toFixed(3).padStart(8)}  score ${a.score.toFixed(2)}  ${why.slice(0, 70)}`,
    );
  }
  log(`4. correlate (15 min quiet, graph-connected resources): ${incidents.length} incidents`);
  for (const i of incidents) {
    log(
      `   ${i.id} ${minutes(i.openedAt)} on ${i.resource} (${i.severity}), ${i.symptoms.length} symptoms on ${i.labels.resources ?? ''}`,
    );
    log(
      `     5. rankRootCauses: ${(i.rootCauses ?? []).map((c) => `${c.node} ${c.score.toFixed(2)}`).join(', ')}`,
    );
    const d = decisions.find((x) => x.incident.id === i.id);
    if (d) {
      log(
        `     6. decide: ${d.verdict}${d.runbook ? ` ${d.runbook} ${JSON.stringify(d.params)}` : ''} (confidence ${d.confidence.toFixed(2)}, risk ${d.risk.toFixed(2)}${d.dryRun ? ', dry run' : ''})`,
      );
      if (d.verdict === 'escalate') log(`        ${d.rationale[d.rationale.length - 1] ?? ''}`);
    }
    const o = outcomes.find((x) => x.decision.incident.id === i.id);
    if (o) {
      log(
        `     7. execute (dry run): ${o.status}; ${o.steps.map((s) => `${s.step} ${s.status}`).join(', ')}`,
      );
    }
  }
  log(`\ndry-run plans:`);
  for (const p of plans) log(p.replace(/^/gm, '  '));
  log(`read-only actions that ran: ${readOnlyCalls.join(', ') || 'none'}`);

  return {
    input: raw.length,
    validation,
    scored,
    warmupAnomalies,
    anomalies: found,
    correlation,
    incidents,
    decisions,
    outcomes,
    escalations,
    plans,
    readOnlyCalls,
  };
}
