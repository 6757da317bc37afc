/**
 * Root-cause benchmark: simulated microservice faults on random dependency graphs of 10 to
 * 10,000 services (AC@1, AC@3, Avg@5 and milliseconds per case for each method), and the impact
 * query on a 100k-node, 500k-edge graph.
 *
 * Evaluation seeds are 7_000_000 + size × 1000 + i, disjoint from the seeds used while
 * developing the methods (1000–1999) and from the example case (424242).
 */
import { parseArgs } from 'node:util';
import {
  analyzeCase,
  DependencyGraph,
  RCA_METHODS,
  type RcaMethod,
} from '@homeostat/knowledge-graph';
import {
  interactive,
  median,
  printTable,
  progress,
  quantile,
  writeResults,
} from '@homeostat-bench/common';
import { rng, simulateCase, type FaultKind } from './simulate.js';
import { Accuracy } from './score.js';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const smoke = values.smoke ?? false;

const SIZES = [10, 50, 500, 10_000];
const casesFor = (size: number): number => (smoke ? (size >= 10_000 ? 1 : 5) : 200);
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

const rows: MethodRow[] = [];
const byFault: Record<string, Record<FaultKind, { cases: number; ac1: number }>> = {};
for (const size of SIZES) {
  const n = casesFor(size);
  const acc = new Map<RcaMethod, Accuracy>(RCA_METHODS.map((m) => [m, new Accuracy()]));
  const cpuMs = new Map<RcaMethod, number[]>(RCA_METHODS.map((m) => [m, []]));
  const faults: Record<FaultKind, { cases: number; ac1: number }> = {
    latency: { cases: 0, ac1: 0 },
    errors: { cases: 0, ac1: 0 },
    saturation: { cases: 0, ac1: 0 },
  };
  const bar = progress(`rca ${size} services`, n);
  for (let i = 0; i < n; i++) {
    const sim = simulateCase({ services: size, seed: seedFor(size, i) });
    for (const method of RCA_METHODS) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { ranking } = analyzeCase(sim.case, { method, top: 5 });
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(c0);
      const names = ranking.map((r) => r.node);
      acc.get(method)!.add(names, sim.rootCause, ms);
      cpuMs.get(method)!.push((cpu.user + cpu.system) / 1000);
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
    });
  }
  for (const f of Object.values(faults)) f.ac1 = f.cases > 0 ? f.ac1 / f.cases : 0;
  byFault[String(size)] = faults;
  log(`done ${size}`);
}

printTable(
  `Root cause on simulated faults (${smoke ? 'smoke' : 'full'} run)`,
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
  })),
);

// Impact to depth 3 on a large random graph.
const impactNodes = smoke ? 10_000 : 100_000;
const impactEdges = smoke ? 50_000 : 500_000;
const queries = smoke ? 200 : 2000;
const r = rng(smoke ? 99 : 98);
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
  'impact depth 3 on 100k/500k <= 5 ms (p95)': {
    measured: impact.msP95,
    met: !smoke && impact.msP95 <= 5,
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
    seeds: 'evaluation seed = 7_000_000 + services * 1000 + case index',
    casesPerSize: Object.fromEntries(SIZES.map((s) => [s, casesFor(s)])),
    timing: 'ms per case = analyzeCase end to end (validation + all scoring), single thread',
    rca: rows,
    ensembleAc1ByFault: byFault,
    impact,
    targets,
  },
  { smoke },
);
log(`wrote ${file}`);
