/**
 * Root-cause benchmark: simulated microservice faults on random dependency graphs of 10 to
 * 10,000 services (AC@1, AC@3, Avg@5 and milliseconds per case for each method), and the impact
 * query on a 100k-node, 500k-edge graph.
 *
 * Evaluation seeds are 7_000_000 + size × 1000 + i, disjoint from the seeds used while
 * developing the methods (1000–1999) and from the example case (424242).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  DependencyGraph,
  prepareRcaCase,
  rankRcaCase,
  RCA_METHODS,
  type RcaMethod,
} from '@homeostat/knowledge-graph';
import { seededRandom } from '@homeostat/core';
import {
  interactive,
  median,
  printTable,
  progress,
  quantile,
  writeResults,
} from '@homeostat-bench/common';
import { simulateCase, type FaultKind } from './simulate.js';
import { Accuracy } from './score.js';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    // Development only: a subset of sizes (comma-separated) and fewer cases per size. The
    // results file then says so (`sizes`, `casesPerSize`); the full run uses the defaults.
    sizes: { type: 'string' },
    cases: { type: 'string' },
  },
});
const smoke = values.smoke ?? false;

function positiveInts(flag: string, text: string): number[] {
  const out = text.split(',').map((x) => Number(x.trim()));
  if (out.length === 0 || out.some((x) => !Number.isInteger(x) || x < 2)) {
    throw new Error(`--${flag} must be integers ≥ 2 separated by commas, got '${text}'`);
  }
  return out;
}
const SIZES =
  values.sizes === undefined ? [10, 50, 500, 10_000] : positiveInts('sizes', values.sizes);
const casesOverride =
  values.cases === undefined ? undefined : positiveInts('cases', values.cases)[0];
const casesFor = (size: number): number =>
  casesOverride ?? (smoke ? (size >= 10_000 ? 1 : 5) : 200);
const partial = values.sizes !== undefined || values.cases !== undefined;
const seedFor = (size: number, i: number): number => 7_000_000 + size * 1000 + i;

const log = (msg: string): void => {
  if (interactive) console.log(msg);
};

interface MethodRow {
  size: number;
  method: RcaMethod;
  cases: number;
  ac1: number;
  ac3: number;
  avg5: number;
  msMedian: number;
  msP95: number;
  msMean: number;
  /** Process CPU time (user + system, GC included) per case: less sensitive to a busy machine. */
  cpuMsMedian: number;
  /** Wall time of the first half, `prepareRcaCase` (validation, departures), median. */
  prepareMsMedian: number;
  /** Wall time of the second half, `rankRcaCase` (anomaly levels, scoring, ranking), median. */
  rankMsMedian: number;
}

/**
 * Untimed, after each simulation: short-lived allocations that make the young generation
 * collect twice, so the simulator's output is promoted and its garbage freed before the timed
 * calls. Otherwise the first timed call pays for copying tens of megabytes the simulator
 * allocated. The library's own garbage is not hidden: nothing forces a collection, and the
 * timed calls pay for the collections their own allocation triggers.
 */
function settleSimulatorGarbage(): number {
  let keep = 0;
  for (let i = 0; i < 1_500_000; i++) {
    const a = [i, i + 1, i + 2, i + 3];
    keep += a[i & 3]!;
  }
  return keep;
}

/** Milliseconds for a fixed integer loop of 1e8 steps (about 100 ms on an idle modern core). */
function calibrate(): number {
  const t = performance.now();
  let s = 0;
  for (let i = 0; i < 1e8; i++) s += i & 7;
  if (s < 0) console.log(s);
  return performance.now() - t;
}
const calibrationBefore = calibrate();
const loadBefore = loadavg()[0];

const rows: MethodRow[] = [];
const byFault: Record<string, Record<FaultKind, { cases: number; ac1: number }>> = {};
for (const size of SIZES) {
  const n = casesFor(size);
  const acc = new Map<RcaMethod, Accuracy>(RCA_METHODS.map((m) => [m, new Accuracy()]));
  const cpuMs = new Map<RcaMethod, number[]>(RCA_METHODS.map((m) => [m, []]));
  const prepareMs = new Map<RcaMethod, number[]>(RCA_METHODS.map((m) => [m, []]));
  const rankMs = new Map<RcaMethod, number[]>(RCA_METHODS.map((m) => [m, []]));
  const faults: Record<FaultKind, { cases: number; ac1: number }> = {
    latency: { cases: 0, ac1: 0 },
    errors: { cases: 0, ac1: 0 },
    saturation: { cases: 0, ac1: 0 },
  };
  const bar = progress(`rca ${size} services`, n);
  for (let i = 0; i < n; i++) {
    const sim = simulateCase({ services: size, seed: seedFor(size, i) });
    if (settleSimulatorGarbage() < 0) console.log('unreachable');
    for (const method of RCA_METHODS) {
      // analyzeCase(c, o) is rankRcaCase(prepareRcaCase(c, o), o): the two halves are timed
      // separately, and ms/case is their sum.
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const prepared = prepareRcaCase(sim.case);
      const t1 = performance.now();
      const { ranking } = rankRcaCase(prepared, { method, top: 5 });
      const t2 = performance.now();
      const cpu = process.cpuUsage(c0);
      const names = ranking.map((r) => r.node);
      acc.get(method)!.add(names, sim.rootCause, t2 - t0);
      cpuMs.get(method)!.push((cpu.user + cpu.system) / 1000);
      prepareMs.get(method)!.push(t1 - t0);
      rankMs.get(method)!.push(t2 - t1);
      if (method === 'ensemble') {
        faults[sim.fault].cases++;
        faults[sim.fault].ac1 += names[0] === sim.rootCause ? 1 : 0;
      }
    }
    bar.tick();
  }
  bar.done();
  for (const method of RCA_METHODS) {
    const a = acc.get(method)!;
    rows.push({
      size,
      method,
      ...a.summary(),
      msMedian: median(a.ms),
      msP95: quantile(a.ms, 0.95),
      msMean: a.ms.reduce((x, y) => x + y, 0) / Math.max(1, a.ms.length),
      cpuMsMedian: median(cpuMs.get(method)!),
      prepareMsMedian: median(prepareMs.get(method)!),
      rankMsMedian: median(rankMs.get(method)!),
    });
  }
  for (const f of Object.values(faults)) f.ac1 = f.cases > 0 ? f.ac1 / f.cases : 0;
  byFault[String(size)] = faults;
  log(`done ${size}`);
}

printTable(
  `Root cause on simulated faults (${smoke ? 'smoke' : partial ? 'partial' : 'full'} run)`,
  rows.map((r) => ({
    services: r.size,
    method: r.method,
    cases: r.cases,
    'AC@1': r.ac1,
    'AC@3': r.ac3,
    'Avg@5': r.avg5,
    'ms/case median': r.msMedian,
    'ms/case p95': r.msP95,
    'cpu ms/case median': r.cpuMsMedian,
    'prepare ms median': r.prepareMsMedian,
    'rank ms median': r.rankMsMedian,
  })),
);

// Impact to depth 3 on a large random graph (the small one in smoke and partial runs).
const small = smoke || partial;
const impactNodes = small ? 10_000 : 100_000;
const impactEdges = small ? 50_000 : 500_000;
const queries = small ? 200 : 2000;
const r = seededRandom(small ? 99 : 98);
const graph = new DependencyGraph();
let t0 = performance.now();
for (let i = 0; i < impactNodes; i++) graph.addNode(`n${i}`);
let added = 0;
while (added < impactEdges) {
  const a = Math.floor(r() * impactNodes);
  const b = Math.floor(r() * impactNodes);
  if (a === b || graph.graph.hasEdge(`calls:n${a}->n${b}`)) continue;
  graph.addEdge(`n${a}`, `n${b}`, { weight: 0.2 + 0.8 * r() });
  added++;
}
const buildMs = performance.now() - t0;
t0 = performance.now();
graph.impact('n0', { depth: 3 });
const firstMs = performance.now() - t0;
const impactMs: number[] = [];
const sizes: number[] = [];
for (let q = 0; q < queries; q++) {
  const src = `n${Math.floor(r() * impactNodes)}`;
  const s = performance.now();
  const res = graph.impact(src, { depth: 3 });
  impactMs.push(performance.now() - s);
  sizes.push(res.size);
}
const impact = {
  nodes: impactNodes,
  edges: impactEdges,
  depth: 3,
  queries,
  buildGraphMs: buildMs,
  firstQueryMs: firstMs,
  msMedian: median(impactMs),
  msP95: quantile(impactMs, 0.95),
  msMax: Math.max(...impactMs),
  blastRadiusMedian: median(sizes),
};
printTable('Impact to depth 3', [
  {
    graph: `${impactNodes.toLocaleString('en-US')} nodes / ${impactEdges.toLocaleString('en-US')} edges`,
    queries,
    'median ms': impact.msMedian,
    'p95 ms': impact.msP95,
    'max ms': impact.msMax,
    'first (incl. snapshot) ms': impact.firstQueryMs,
    'median blast radius': impact.blastRadiusMedian,
  },
]);

const fifty = rows.find((x) => x.size === 50 && x.method === 'ensemble');
const big = rows.find((x) => x.size === 10_000 && x.method === 'ensemble');
const targets = {
  'AC@1 >= 0.8 at 50 services (ensemble)': { measured: fifty?.ac1, met: (fifty?.ac1 ?? 0) >= 0.8 },
  'AC@3 >= 0.95 at 50 services (ensemble)': {
    measured: fifty?.ac3,
    met: (fifty?.ac3 ?? 0) >= 0.95,
  },
  '<= 50 ms per case at 10,000 services (ensemble, median)': {
    measured: big?.msMedian,
    met: (big?.msMedian ?? Infinity) <= 50,
  },
  '<= 50 ms CPU per case at 10,000 services (ensemble, median)': {
    measured: big?.cpuMsMedian,
    met: (big?.cpuMsMedian ?? Infinity) <= 50,
  },
  'impact depth 3 on 100k/500k <= 5 ms (p95)': {
    measured: impact.msP95,
    met: !small && impact.msP95 <= 5,
  },
};
printTable(
  'Targets',
  Object.entries(targets).map(([target, v]) => ({
    target,
    measured: v.measured,
    met: v.met ? 'yes' : 'no',
  })),
);

const file = writeResults(
  'rca',
  {
    calibrationLoopMs: { before: calibrationBefore, after: calibrate(), idleReference: 100 },
    loadAverage1m: { before: loadBefore, after: loadavg()[0] },
    ...(partial ? { partial: { sizes: SIZES, cases: casesOverride ?? null } } : {}),
    seeds: 'evaluation seed = 7_000_000 + services * 1000 + case index',
    casesPerSize: Object.fromEntries(SIZES.map((s) => [s, casesFor(s)])),
    timing:
      'ms per case = wall time of analyzeCase end to end for one method, single thread: prepareRcaCase (validation, one pass over every value computing each series departure) plus rankRcaCase (anomaly levels, candidates, scoring, ranking); cpu ms = process CPU time (user + system, garbage collection included) of the same calls. Not timed: simulating the case, and a burst of short-lived allocations after each simulation that promotes the simulator output and frees its garbage (no forced GC anywhere; the timed calls pay for every collection their own allocations trigger). The four methods run on each case in the order ensemble, upstream, pagerank, metric, each validating the case again.',
    rca: rows,
    ensembleAc1ByFault: byFault,
    impact,
    targets,
  },
  // Partial runs (--sizes, --cases) go to the smoke file, never over the full results.
  { smoke: small },
);
log(`wrote ${file}`);
