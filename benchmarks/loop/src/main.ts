/**
 * Whole-loop benchmark: samples per second through validate → detect → anomalies → incidents
 * (with root-cause ranking on the dependency graph) → decide, over 10,000 series in event time;
 * plus the demo's times to detect and to heal, read from the demo's last summary.
 *
 *   pnpm --filter @homeostat-bench/loop bench            10,000 series × 600 samples
 *   pnpm --filter @homeostat-bench/loop bench --smoke    1,000 series × 400 samples (CI)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Subject, VirtualTimeScheduler, tap } from 'rxjs';
import { createSampleCounters, validateSamples, type Decision, type Sample } from '@homeostat/core';
import { DEFAULT_THRESHOLD, anomalies, defaultDetector, detect } from '@homeostat/detectors';
import { DependencyGraph, rankRootCauses, toIncidents } from '@homeostat/knowledge-graph';
import { compilePolicies, createDecisionEngine, decide } from '@homeostat/decision-engine';
import { printTable, progress, repoRoot, writeResults } from '@homeostat-bench/common';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    series: { type: 'string' },
    samples: { type: 'string' },
  },
});
const smoke = args.smoke ?? false;
const seriesCount = Number(args.series ?? (smoke ? 1_000 : 10_000));
const perSeries = Number(args.samples ?? (smoke ? 400 : 600));
const SERVICES = Math.max(10, Math.round(seriesCount / 100));
const STEP = 60_000;

// A service graph: each service calls up to three services with a higher index.
let seed = 7;
const rnd = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const graph = new DependencyGraph();
for (let s = 0; s < SERVICES; s++) graph.addNode(`svc-${s}`);
for (let s = 0; s < SERVICES - 1; s++) {
  for (let k = 0; k < 3; k++) {
    const to = s + 1 + Math.floor(rnd() * (SERVICES - s - 1));
    graph.addEdge(`svc-${s}`, `svc-${to}`);
  }
}

// Series: `svc-K:metric-J`, a daily-ish wave plus noise; faults on a few services near the end.
const names = Array.from(
  { length: seriesCount },
  (_, i) => `svc-${i % SERVICES}:metric-${Math.floor(i / SERVICES)}`,
);
const faultyServices = new Set(
  Array.from({ length: 5 }, (_, k) => `svc-${Math.floor(((k + 1) * SERVICES) / 7)}`),
);
const faultStart = Math.floor(perSeries * 0.8);
function valueOf(i: number, step: number): number {
  const base = 100 + 20 * Math.sin((2 * Math.PI * (step + i)) / 144);
  const noise = 3 * (rnd() - 0.5);
  const svc = names[i]!.split(':')[0]!;
  return base + noise + (faultyServices.has(svc) && step >= faultStart ? 80 : 0);
}

const policies = compilePolicies([
  {
    name: 'restart-on-anomaly',
    match: ['severity>=warning'],
    runbook: 'restart',
    params: { service: '${incident.resource}' },
  },
]);
const engine = createDecisionEngine(policies);
const scheduler = new VirtualTimeScheduler();
const counters = createSampleCounters();
const input = new Subject<unknown>();
const decisions: Decision[] = [];
let scoredCount = 0;
let anomalyCount = 0;
let incidentCount = 0;
input
  .pipe(
    validateSamples({}, { counters }),
    detect(defaultDetector, { maxKeys: seriesCount }),
    tap(() => scoredCount++),
    anomalies({ threshold: DEFAULT_THRESHOLD, maxKeys: seriesCount }),
    tap(() => anomalyCount++),
    toIncidents({ gatherMs: 1_000, quietMs: 30 * STEP }, { scheduler, graph }),
    rankRootCauses(graph),
    tap(() => incidentCount++),
    decide(engine),
  )
  .subscribe((d) => decisions.push(d));

const t0 = Date.UTC(2026, 0, 1);
const bar = progress('loop benchmark', perSeries);
let sent = 0;
const start = process.hrtime.bigint();
for (let step = 0; step < perSeries; step++) {
  const t = t0 + step * STEP;
  for (let i = 0; i < seriesCount; i++) {
    const sample: Sample = { series: names[i]!, t, value: valueOf(i, step) };
    input.next(sample);
  }
  sent += seriesCount;
  scheduler.flush(); // lets incidents gather (virtual time)
  bar.tick();
}
input.complete();
scheduler.flush();
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
bar.done();

const rate = sent / seconds;
printTable(`whole loop over ${seriesCount.toLocaleString('en-US')} series × ${perSeries} samples`, [
  { stage: 'samples in', count: sent },
  { stage: 'scored', count: scoredCount },
  { stage: 'anomalies', count: anomalyCount },
  { stage: 'incidents', count: incidentCount },
  { stage: 'decisions', count: decisions.length },
]);
console.log(
  `\nsamples/s through validate → detect → anomalies → incidents → rank → decide: ${Math.round(rate).toLocaleString('en-US')} (${seconds.toFixed(2)} s)`,
);

// The demo's own times, from its last run (pnpm demo writes examples/demo/out/summary.json).
const summaryFile = join(repoRoot, 'examples', 'demo', 'out', 'summary.json');
let demo: unknown = { note: 'run `pnpm demo` first: no examples/demo/out/summary.json' };
if (existsSync(summaryFile)) {
  demo = {
    ...(JSON.parse(readFileSync(summaryFile, 'utf8')) as object),
    file: 'examples/demo/out/summary.json',
    writtenAt: statSync(summaryFile).mtime.toISOString(),
  };
  const faults = (demo as { faults?: Record<string, string>[] }).faults ?? [];
  printTable('demo: time to detect and heal (last run)', faults);
} else console.log(`\n${(demo as { note: string }).note}`);

const file = writeResults(
  'loop',
  {
    series: seriesCount,
    samplesPerSeries: perSeries,
    samples: sent,
    seconds,
    samplesPerSecond: rate,
    stages: {
      scored: scoredCount,
      anomalies: anomalyCount,
      incidents: incidentCount,
      decisions: decisions.length,
      dropped: counters.dropped,
    },
    faultyServices: [...faultyServices],
    demo,
  },
  { smoke },
);
console.log(`wrote ${file}`);
