/**
 * `pnpm demo`: a real checkout service (wrapped in the sidecar) calling a real payments
 * dependency, both on 127.0.0.1, under load from a worker thread — and the whole Homeostat loop
 * assembled from the packages healing the faults a script injects one after another.
 *
 *   pnpm demo                 the full scenario (about two and a half minutes) with a live timeline
 *   pnpm demo --ci            the same scenario, quicker and quiet; exits non-zero if a fault was
 *                             not handled as expected
 *   pnpm demo --out DIR       where the report, audit log and knowledge snapshot go
 *                             (default examples/demo/out)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { filter, interval, map, merge, share, type Observable } from 'rxjs';
import {
  validateSamples,
  createSampleCounters,
  type Anomaly,
  type Decision,
  type Incident,
  type Outcome,
  type Sample,
  type Scored,
} from '@homeostat/core';
import { DEFAULT_THRESHOLD, anomalies, defaultDetector, detect } from '@homeostat/detectors';
import { timeToExhaustion } from '@homeostat/predictors';
import {
  blastRadiusRisk,
  createDecisionEngine,
  decide,
  defaultRiskFactors,
  recommendScaling,
} from '@homeostat/decision-engine';
import {
  createApprovals,
  createExecutor,
  createFileAudit,
  execute,
  verifyAuditLog,
  readAuditLog,
} from '@homeostat/runbooks';
import {
  DependencyGraph,
  IncidentMemory,
  createFileStore,
  learn,
  learnDependencies,
  rankRootCauses,
  saveKnowledge,
  toIncidents,
} from '@homeostat/knowledge-graph';
import { createSidecar, observeOutgoing } from '@homeostat/sidecar';
import { startCheckout, startPayments } from './loop/services.js';
import { startLoad, type LoadReport } from './loop/load.js';
import { checkoutPolicies, checkoutRunbooks, SERIES } from './loop/remediation.js';
import { dependencySamples, demandSamples } from './loop/windows.js';
import { primeWithHistory } from './loop/prime.js';
import { TIMINGS, handlingOf, sleep, waitFor, type FaultRecord } from './loop/script.js';
import { seedHistory, signatureOf } from './loop/history.js';
import { renderReport, type ReportEvent } from './report/render.js';
import { checkReportInBrowser, hasChromium } from './report/browser.js';

const { values: args } = parseArgs({
  options: { ci: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const ci = args.ci ?? false;
const T = TIMINGS[ci ? 'ci' : 'full'];
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(args.out ?? join(here, '..', 'out'));
mkdirSync(outDir, { recursive: true });
const auditFile = join(outDir, 'audit.jsonl');
writeFileSync(auditFile, '');

const t0 = Date.now();
const events: ReportEvent[] = [];
const clock = (t: number): string => {
  const s = (t - t0) / 1000;
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(1).padStart(4, '0')}`;
};
function log(kind: ReportEvent['kind'], label: string, t = Date.now()): void {
  events.push({ t, kind, label });
  if (!ci || process.env.DEMO_VERBOSE) console.log(`  ${clock(t)}  ${kind.padEnd(9)} ${label}`);
}

// ---------------------------------------------------------------- the service and its dependency
// The machine this runs on may be busy (CI, a laptop on battery): shed on event-loop delay only
// when it is far beyond what this service's own work causes.
const sidecar = createSidecar({
  service: 'checkout',
  intervalMs: T.sampleMs,
  overload: { maxEventLoopDelayMs: 200, maxTurnDelayMs: 250 },
});
const payments = await startPayments();
const checkout = await startCheckout({ sidecar, paymentsUrl: payments.url });
const paymentsTarget = new URL(payments.url).host;
const load = startLoad({
  baseUrl: checkout.url,
  routes: [
    { path: '/checkout', weight: 6 },
    { path: '/catalog', weight: 3 },
    { path: '/search', weight: 2 },
  ],
  rps: 40,
});
const loadReports: LoadReport[] = [];
load.reports$.subscribe((r) => {
  loadReports.push(r);
  if (process.env.DEMO_VERBOSE)
    console.log(
      `  load: sent ${r.sent} ok ${r.ok} shed ${r.shed} errors ${r.errors} p99 ${r.p99.toFixed(0)} ms`,
    );
});

// ---------------------------------------------------------------- knowledge
const graph = new DependencyGraph();
graph.addNode('checkout').addNode('payments');
const memory = new IncidentMemory({}, { signature: signatureOf });
seedHistory(memory);

// ---------------------------------------------------------------- monitor
const outgoing$ = observeOutgoing({ service: 'checkout' }).pipe(
  map((o) => (o.target === paymentsTarget ? { ...o, target: 'payments' } : o)),
  learnDependencies(graph),
  share(),
);
const memory$: Observable<Sample> = interval(T.sampleMs).pipe(
  map(() => ({
    series: SERIES.memory,
    t: Date.now(),
    value: (process.memoryUsage().heapUsed + checkout.retainedBytes()) / 1e6,
  })),
);
const DETECTED = /:(error_ratio|latency_p99)$/;
const counters = createSampleCounters();
const samples$ = merge(
  sidecar.samples$,
  dependencySamples(outgoing$, T.sampleMs),
  demandSamples(sidecar.observations$, {
    series: 'checkout:requests_per_s',
    intervalMs: T.sampleMs,
  }),
  memory$,
).pipe(validateSamples({}, { counters }), share());
const latest = new Map<string, number>();
const recorded = new Map<string, [number, number][]>();
const RECORD = new Set<string>([
  SERIES.checkoutErrors,
  SERIES.checkoutP99,
  SERIES.catalogErrors,
  SERIES.memory,
  'checkout:GET /search:error_ratio',
  'payments:latency_p99',
  'payments:error_ratio',
  'checkout:requests_per_s',
]);
samples$.subscribe((s) => {
  latest.set(s.series, s.value);
  if (RECORD.has(s.series)) {
    let list = recorded.get(s.series);
    if (!list) recorded.set(s.series, (list = []));
    list.push([s.t, s.value]);
  }
});

// ---------------------------------------------------------------- analyze
const warmupEnd = t0 + T.warmup;
const scored$: Observable<Scored> = samples$.pipe(
  filter((s) => DETECTED.test(s.series)),
  primeWithHistory({
    warmupMs: T.warmup - 2 * T.sampleMs,
    historySamples: 600,
    stepMs: T.sampleMs,
  }),
  detect(defaultDetector),
  share(),
);
const scores: [number, number][] = [];
scored$.subscribe((s) => {
  if (s.sample.t >= t0) scores.push([s.sample.t, s.score]);
});
const anomalies$ = scored$.pipe(
  anomalies({ threshold: DEFAULT_THRESHOLD }),
  filter((a) => a.sample.t >= warmupEnd),
  share(),
);
/** An incident stays open, gathering symptoms, until its resource has been quiet this long. */
const INCIDENT_QUIET_MS = 10_000;
const allAnomalies: Anomaly[] = [];
let lastAnomalyAt = 0;
anomalies$.subscribe((a) => {
  allAnomalies.push(a);
  lastAnomalyAt = Date.now();
  log(
    'detected',
    `${a.sample.series} = ${a.sample.value.toFixed(3)} (score ${a.score.toFixed(2)})`,
    a.sample.t,
  );
});
const anomalyIncidents$ = anomalies$.pipe(
  // A dependency's symptoms usually join within the 1.5 s window (0.1–0.5 s after the first
  // here); if they trail it, the incident is emitted again with them, so ranking sees them.
  toIncidents(
    { gatherMs: 1_500, quietMs: INCIDENT_QUIET_MS, reemitOnNewResource: true },
    { graph },
  ),
  rankRootCauses(graph),
);

// Predictive: memory heading for its limit.
const MEMORY_LIMIT_MB = 512;
let lastExhaustion = 0;
const exhaustionIncidents$ = samples$.pipe(
  filter((s) => s.series === SERIES.memory),
  timeToExhaustion({
    limit: MEMORY_LIMIT_MB,
    periodMs: null,
    windowMs: 15_000,
    minSamples: 8,
    horizonMs: 60_000,
  }),
  filter((f) => f.etaMs < 45_000 && f.probability > 0.5 && (f.t ?? 0) - lastExhaustion > 30_000),
  map((f): Incident => {
    lastExhaustion = f.t ?? Date.now();
    log(
      'detected',
      `memory forecast: ${MEMORY_LIMIT_MB} MB limit in ${(f.etaMs / 1000).toFixed(0)} s (p=${f.probability.toFixed(2)})`,
      f.t,
    );
    return {
      id: `exhaustion-${lastExhaustion}`,
      resource: 'checkout',
      severity: 'error',
      openedAt: lastExhaustion,
      labels: { kind: 'exhaustion', service: 'checkout', metric: 'worker_memory_mb' },
      rootCauses: [
        {
          node: 'checkout',
          score: 1,
          evidence: [
            `memory trend reaches ${MEMORY_LIMIT_MB} MB in ${(f.etaMs / 1000).toFixed(0)} s`,
          ],
        },
      ],
      symptoms: [
        {
          series: f.series,
          resource: 'checkout',
          metric: 'worker_memory_mb',
          t: lastExhaustion,
          value: f.etaMs,
          score: f.probability,
          detector: 'timeToExhaustion',
        },
      ],
    };
  }),
);

// Capacity: demand against replicas (Kubernetes HPA rules).
let lastScaling = 0;
const scalingIncidents$ = samples$.pipe(
  filter((s) => s.series === 'checkout:requests_per_s'),
  recommendScaling(
    {
      // A short scale-up stabilization window ignores one-window bursts (a queue draining after
      // a slow dependency recovers is not new demand).
      hpa: {
        minReplicas: 1,
        maxReplicas: 8,
        behavior: { scaleUp: { stabilizationWindowSeconds: 3 } },
      },
      target: 60,
      metric: 'total',
      predictive: { enabled: false },
    },
    { currentReplicas: () => checkout.state.replicas },
  ),
  filter(
    (r) => r.desiredReplicas > r.currentReplicas && r.t - lastScaling > 15_000 && r.t >= warmupEnd,
  ),
  map((r): Incident => {
    lastScaling = r.t;
    log(
      'detected',
      `demand ${(latest.get('checkout:requests_per_s') ?? 0).toFixed(0)} req/s needs ${r.desiredReplicas} replicas (have ${r.currentReplicas})`,
      r.t,
    );
    return {
      id: `scaling-${r.t}`,
      resource: 'checkout',
      severity: 'warning',
      openedAt: r.t,
      labels: { kind: 'scaling', service: 'checkout', replicas: String(r.desiredReplicas) },
      rootCauses: [
        {
          node: 'checkout',
          score: 1,
          evidence: [`demand ${r.desiredReplicas}× one replica's capacity`, ...r.rationale],
        },
      ],
      symptoms: [
        {
          series: r.series,
          resource: 'checkout',
          metric: 'requests_per_s',
          t: r.t,
          score: Math.min(1, r.desiredReplicas / Math.max(1, r.currentReplicas) / 2),
          detector: 'recommendScaling',
        },
      ],
    };
  }),
);

// ---------------------------------------------------------------- plan
const engine = createDecisionEngine(
  checkoutPolicies(),
  { safety: { cooldownMs: 10_000 } },
  {
    trackRecord: memory,
    signature: signatureOf,
    // Templates render text; the scale-out runbook takes a number.
    paramSchemas: { 'scale-out': z.object({ replicas: z.coerce.number().int().min(1).max(8) }) },
    riskFactors: [
      ...defaultRiskFactors(),
      blastRadiusRisk((target) => (graph.hasNode(target) ? graph.blastRadius(target) : 0)),
    ],
  },
);
const incidents$ = merge(anomalyIncidents$, exhaustionIncidents$, scalingIncidents$).pipe(share());
const allIncidents: Incident[] = [];
const incidentIds = new Set<string>();
incidents$.subscribe((i) => {
  allIncidents.push(i);
  const again = incidentIds.has(i.id);
  incidentIds.add(i.id);
  const causes = (i.rootCauses ?? [])
    .slice(0, 2)
    .map((c) => `${c.node} ${c.score.toFixed(2)}`)
    .join(', ');
  log(
    'info',
    `incident ${i.id}${again ? ' (again, a resource joined)' : ''} on ${i.resource}: ${i.symptoms.length} symptom(s)${causes ? `; root causes ${causes}` : ''}`,
    i.openedAt,
  );
});
const decisions$ = incidents$.pipe(decide(engine), share());
const allDecisions: Decision[] = [];
decisions$.subscribe((d) => {
  allDecisions.push(d);
  const what = d.runbook ? `${d.runbook} ${JSON.stringify(d.params ?? {})}` : '(no runbook)';
  log(
    d.verdict === 'escalate' ? 'escalated' : 'decided',
    `${d.verdict} ${what} — confidence ${d.confidence.toFixed(2)}, risk ${d.risk.toFixed(2)}; ${d.rationale.at(-1) ?? ''}`,
  );
});

// ---------------------------------------------------------------- execute
const approvals = createApprovals();
const audit = createFileAudit(auditFile);
const executor = createExecutor(
  checkoutRunbooks(checkout, { verifyFor: T.verifyFor }),
  {},
  {
    audit,
    approvals,
    metrics: {
      read: (query) =>
        query === SERIES.checkoutSlo
          ? Math.max(
              (latest.get(SERIES.checkoutP99) ?? Number.NaN) / 100,
              (latest.get(SERIES.checkoutErrors) ?? Number.NaN) / 0.05,
            )
          : (latest.get(query) ?? Number.NaN),
    },
    onEscalate: (e) =>
      log('escalated', `${e.decision.runbook ?? e.decision.incident.id}: ${e.reason}`),
  },
);
approvals.requests$.subscribe((req) => {
  log(
    'approval',
    `pending: ${req.runbook} on ${req.targets.join(', ')} needs ${req.roles.length ? `a person with role ${req.roles.join('/')}` : 'a person'}`,
  );
  setTimeout(() => {
    try {
      approvals.approve(
        req.id,
        { id: 'oncall-alice', roles: ['sre'] },
        'checked the catalog dashboards',
      );
      log('approval', `approved by oncall-alice: ${req.runbook}`);
    } catch (e) {
      log('info', `approval failed: ${(e as Error).message}`);
    }
  }, T.approveAfter);
});
const outcomes: Outcome[] = [];
decisions$
  .pipe(
    filter((d) => d.verdict === 'execute' || d.verdict === 'approve'),
    map((d) => {
      log(
        'executed',
        `starting ${d.runbook ?? ''} (${d.verdict === 'approve' ? 'after approval' : 'on its own'})`,
      );
      return d;
    }),
    execute(executor),
    map((o) => {
      engine.recordOutcome(o);
      return o;
    }),
    learn(memory),
  )
  .subscribe((o) => {
    outcomes.push(o);
    log(
      o.verified ? 'verified' : 'info',
      `${o.decision.runbook ?? ''}: ${o.status}${o.verified ? ', verified' : ''} in ${(o.durationMs / 1000).toFixed(1)} s`,
    );
  });

// ---------------------------------------------------------------- the fault script
if (!ci) {
  console.log(
    'Homeostat demo: checkout (sidecar, breaker) → payments, 40 req/s from a load worker\n',
  );
  console.log(`  ${'time'.padEnd(7)}  ${'stage'.padEnd(9)} what`);
}
const faults: FaultRecord[] = [];
const healedBy = (runbook: string, since: number) => () =>
  outcomes.some(
    (o) =>
      o.decision.runbook === runbook &&
      o.verified &&
      o.status === 'succeeded' &&
      (o.t ?? Date.now()) >= since,
  );
/**
 * Lets the system settle before the next fault: `T.settle`, then until no anomaly has been seen
 * for the incident grouping's quiet period (at most `T.maxWait`). Otherwise an incident still
 * open from the last fault's aftermath (a latency blip as a surge ends) would absorb the next
 * fault's symptoms, and that fault would get no decision of its own.
 */
async function settle(): Promise<void> {
  await sleep(T.settle);
  await waitFor(() => Date.now() - lastAnomalyAt > INCIDENT_QUIET_MS + 1_000, T.maxWait);
}
function fault(name: string, expected: FaultRecord['expected'], runbook?: string): FaultRecord {
  const f: FaultRecord = { name, expected, start: Date.now(), ...(runbook ? { runbook } : {}) };
  faults.push(f);
  log('fault', name);
  return f;
}

await sleep(T.warmup);

// 1. A dependency slows down, then fails.
const f1 = fault('payments slows down, then fails', 'healed alone', 'degrade-dependency');
payments.fault = 'slow';
await sleep(T.slowFor);
payments.fault = 'fail';
log('fault', 'payments now fails every call');
await waitFor(healedBy('degrade-dependency', f1.start), T.maxWait);
f1.end = Date.now();
await sleep(T.settle);
payments.fault = 'none';
checkout.breaker.reset();
checkout.state.deferPayments = false;
log('info', 'payments repaired by its team; breaker reset, deferral off');
await settle();

// 2. A memory leak.
const f2 = fault('memory leak in the recommendations feature', 'healed alone', 'recycle-worker');
checkout.state.recommendationsLeak = true;
await waitFor(healedBy('recycle-worker', f2.start), T.maxWait);
f2.end = Date.now();
checkout.state.recommendationsLeak = false;
checkout.state.recommendationsEnabled = true;
await settle();

// 3. A traffic surge.
const f3 = fault('traffic surge: 40 → 180 req/s', 'healed alone', 'scale-out');
load.setRate(180);
await waitFor(healedBy('scale-out', f3.start), T.surgeFor);
await sleep(Math.max(0, f3.start + T.surgeFor - Date.now()));
load.setRate(40);
f3.end = Date.now();
log('info', 'surge over');
await settle();

// 4. A fix that needs a person's approval.
const f4 = fault('catalog cache corrupted', 'healed after approval', 'flush-catalog-cache');
checkout.state.catalogCorrupted = true;
await waitFor(healedBy('flush-catalog-cache', f4.start), T.maxWait);
f4.end = Date.now();
await settle();

// 5. A fault no runbook covers.
const f5 = fault('bad deploy breaks /search', 'escalated');
checkout.state.searchBroken = true;
await waitFor(
  () =>
    allDecisions.some(
      (d) =>
        d.verdict === 'escalate' && d.incident.symptoms.some((s) => s.series.includes('/search')),
    ),
  T.maxWait,
);
await sleep(T.escalatedFor);
checkout.state.searchBroken = false;
f5.end = Date.now();
log('info', '/search rolled back by a person');
await sleep(T.tail);

// ---------------------------------------------------------------- results
for (const f of faults) {
  const match = (series: string): boolean =>
    f === f1
      ? /payments|\/checkout/.test(series)
      : f === f2
        ? series === SERIES.memory
        : f === f3
          ? /requests_per_s|\/checkout/.test(series)
          : f === f4
            ? series.includes('/catalog')
            : series.includes('/search');
  const first = allIncidents
    .filter((i) => i.openedAt >= f.start && i.symptoms.some((s) => match(s.series)))
    .map((i) => i.openedAt)
    .sort((a, b) => a - b)[0];
  if (first !== undefined) f.detectedAt = first;
  const healed = outcomes.find(
    (o) =>
      o.decision.runbook === f.runbook &&
      o.verified &&
      o.status === 'succeeded' &&
      (o.t ?? 0) >= f.start,
  );
  if (healed) f.healedAt = healed.t ?? Date.now();
  const approval = events.find(
    (e) =>
      e.kind === 'approval' &&
      e.label.startsWith('approved') &&
      e.t >= f.start &&
      e.t <= (f.end ?? Date.now()),
  );
  if (approval && f.runbook && approval.label.includes(f.runbook)) f.approvedAt = approval.t;
  const escalated = allDecisions.find(
    (d) =>
      d.verdict === 'escalate' &&
      d.incident.openedAt >= f.start &&
      d.incident.openedAt <= (f.end ?? Date.now()) &&
      d.incident.symptoms.some((s) => match(s.series)),
  );
  if (escalated) f.escalatedAt = escalated.t ?? escalated.incident.openedAt;
}
const GRACE = 10_000;
const inFault = (t: number): boolean =>
  faults.some((f) => t >= f.start && t <= (f.end ?? Date.now()) + GRACE);
const spurious = allAnomalies.filter((a) => !inFault(a.sample.t));

const secs = (a?: number, b?: number): string =>
  a === undefined || b === undefined ? '-' : `${((b - a) / 1000).toFixed(1)} s`;
const summary = faults.map((f) => ({
  fault: f.name,
  expected: f.expected,
  outcome: handlingOf(f),
  'time to detect': secs(f.start, f.detectedAt),
  'time to heal': secs(f.start, f.healedAt),
}));

await load.stop();
sidecar.close();
await executor.close();
await checkout.close();
await payments.close();
await saveKnowledge(createFileStore(join(outDir, 'knowledge.json')), { graph, memory });

const verification = await verifyAuditLog(auditFile);
const auditRecords = await readAuditLog(auditFile);
const approvalsInAudit = auditRecords.filter((r) => r.type.startsWith('approval')).length;

console.log('\nSummary');
printRows(summary);
console.log(
  `\nanomalies after warm-up: ${allAnomalies.length}, of them ${spurious.length} with no fault injected`,
);
console.log(
  `samples: ${counters.accepted} accepted, ${counters.dropped} dropped; incidents: ${incidentIds.size}${allIncidents.length > incidentIds.size ? ` (${allIncidents.length} emissions)` : ''}; decisions: ${allDecisions.length}; runs: ${outcomes.length}`,
);
console.log(
  `audit: ${auditRecords.length} records, chain ${verification.ok ? 'verifies' : `BROKEN (${verification.error?.message ?? ''})`}, ${approvalsInAudit} approval records — ${auditFile}`,
);

// ---------------------------------------------------------------- report
const series = (name: string): [number, number][] => recorded.get(name) ?? [];
const html = renderReport({
  title: 'Homeostat demo — checkout healing itself',
  subtitle: `${new Date(t0).toISOString()} · ${((Date.now() - t0) / 1000).toFixed(0)} s · ${ci ? 'CI run' : 'full run'}`,
  start: t0,
  end: Date.now(),
  summary: summary.map((r) => ({ ...r })),
  notes: [
    `Anomalies after warm-up: ${allAnomalies.length} (${spurious.length} with no fault injected). Audit chain ${verification.ok ? 'verifies' : 'is broken'} (${auditRecords.length} records).`,
  ],
  panels: [
    {
      title: 'checkout /checkout',
      unit: 'error ratio',
      series: [
        { name: 'error ratio', points: series(SERIES.checkoutErrors) },
        { name: 'payments error ratio', points: series('payments:error_ratio'), dashed: true },
      ],
    },
    {
      title: 'latency p99',
      unit: 'ms',
      series: [
        { name: '/checkout p99', points: series(SERIES.checkoutP99) },
        { name: 'payments p99', points: series('payments:latency_p99'), dashed: true },
      ],
    },
    {
      title: 'worker memory',
      unit: 'MB',
      series: [{ name: 'memory', points: series(SERIES.memory) }],
      rules: [{ label: 'limit', value: MEMORY_LIMIT_MB }],
    },
    {
      title: 'demand and replicas',
      unit: 'req/s',
      series: [
        { name: 'requests/s', points: series('checkout:requests_per_s') },
        {
          name: 'shed/s (client)',
          points: loadReports.map((r) => [r.t, r.shed] as [number, number]),
        },
      ],
    },
    {
      title: 'other routes',
      unit: 'error ratio',
      series: [
        { name: '/catalog', points: series(SERIES.catalogErrors) },
        { name: '/search', points: series('checkout:GET /search:error_ratio') },
      ],
    },
    {
      title: 'anomaly scores (all detected series)',
      unit: 'score',
      series: [{ name: 'score', points: scores }],
      rules: [{ label: 'threshold', value: DEFAULT_THRESHOLD }],
    },
  ],
  events,
});
const reportFile = join(outDir, 'report.html');
writeFileSync(reportFile, html);
writeFileSync(
  join(outDir, 'summary.json'),
  JSON.stringify(
    {
      faults: summary,
      anomalies: allAnomalies.length,
      spurious: spurious.length,
      audit: { records: auditRecords.length, ok: verification.ok, approvals: approvalsInAudit },
    },
    null,
    2,
  ),
);
console.log(`report: ${reportFile}`);

const problems: string[] = [];
// Look at the report the way a person would: in a real browser (Debian's chromium).
if (ci || hasChromium()) {
  if (!hasChromium())
    problems.push("no Chromium to check the report with (install Debian's chromium)");
  else {
    const check = await checkReportInBrowser(reportFile, join(outDir, 'report.png'));
    console.log(
      `report in Chromium: ${check.drawn}/${check.charts} charts drawn, ${check.paths} series — ${join(outDir, 'report.png')}`,
    );
    if (check.charts < 6 || check.drawn < check.charts)
      problems.push(`report charts did not render (${check.drawn}/${check.charts})`);
  }
}
for (const f of faults)
  if (handlingOf(f) !== f.expected)
    problems.push(`${f.name}: expected ${f.expected}, got ${handlingOf(f)}`);
if (!verification.ok) problems.push('audit chain does not verify');
if (approvalsInAudit === 0) problems.push('no approval in the audit log');
if (problems.length > 0) {
  console.error(`\nDEMO FAILED:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else console.log('\nEvery fault was handled as expected.');
process.exit();

function printRows(list: readonly Record<string, string>[]): void {
  const cols = Object.keys(list[0] ?? {});
  const w = cols.map((c) => Math.max(c.length, ...list.map((r) => (r[c] ?? '').length)));
  console.log('  ' + cols.map((c, i) => c.padEnd(w[i]!)).join('  '));
  for (const r of list)
    console.log('  ' + cols.map((c, i) => (r[c] ?? '').padEnd(w[i]!)).join('  '));
}
