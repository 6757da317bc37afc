/**
 * Circuit-breaker benchmark: ns per protected call and heap kept, @homeostat/circuit-breaker
 * against opossum 9 and cockatiel 3, with a bare call as the baseline, all in one run.
 *
 * Contenders are interleaved round by round (the order rotates each round) and every figure is
 * a median over rounds, because the machine is shared. Usage: `pnpm bench` or `pnpm bench:smoke`.
 */
import { parseArgs } from 'node:util';
import { interactive, median, nowNs, printTable, writeResults } from '@homeostat-bench/common';
import { monotonicClock } from '@homeostat/core';
import {
  bare,
  cockatiel,
  fail,
  homeostat,
  opossum,
  succeed,
  type Call,
  type Contender,
  type Scenario,
} from './contenders.js';
import { getGc, settledHeap, timeCalls, timeCallsWithin } from './measure.js';
import { summarise, type RoundTimes } from './summarise.js';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const smoke = values.smoke;

const config = smoke
  ? {
      rounds: 3,
      callsPerRound: 5_000,
      roundBudgetMs: 300,
      batch: 500,
      heapReps: 3,
      warmup: 20_000,
      fills: [0, 1_000, 10_000],
      failure: { maxCalls: 2_000, minCalls: 5, budgetMs: 40 },
      heapCalls: 20_000,
    }
  : {
      rounds: 7,
      callsPerRound: 200_000,
      roundBudgetMs: 1_500,
      batch: 2_000,
      heapReps: 2,
      warmup: 100_000,
      fills: [0, 10_000, 500_000],
      failure: { maxCalls: 20_000, minCalls: 5, budgetMs: 400 },
      heapCalls: 1_000_000,
    };

const log = (message: string): void => {
  if (interactive || !smoke) console.error(message);
};

function contendersFor(scenario: Scenario, fn: Call): Contender[] {
  const list: Contender[] = [bare(fn), homeostat(scenario, fn)];
  if (scenario === 'breaker') list.push(homeostat(scenario, fn, 'consecutive'));
  const o = opossum(scenario, fn);
  if (o) list.push(o);
  list.push(cockatiel(scenario, fn));
  if (scenario === 'breaker') list.push(cockatiel(scenario, fn, 'consecutive'));
  return list;
}

/** Rotates the order each round so no contender always runs first (or right after a GC-heavy one). */
function rotated<T>(list: readonly T[], round: number): T[] {
  const k = round % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

async function successPath(): Promise<ReturnType<typeof summarise>> {
  const scenarios: Scenario[] = ['breaker', 'breaker+timeout', 'retry+breaker+timeout'];
  const times: RoundTimes[] = [];
  for (const scenario of scenarios) {
    const contenders = contendersFor(scenario, succeed);
    for (const c of contenders) await timeCalls(c.call, config.warmup);
    const perRound = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const perBatch = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    for (let r = 0; r < config.rounds; r++) {
      // Small batches, contenders taking turns, so a burst of load from elsewhere on the shared
      // machine lands on every contender rather than on whichever ran during it.
      const spent = new Map(contenders.map((c) => [c.name, { ns: 0, calls: 0 }]));
      const roundStart = nowNs();
      const budgetNs = config.roundBudgetMs * 1e6 * contenders.length;
      for (let b = 0; ; b++) {
        for (const c of rotated(contenders, r + b)) {
          const t0 = nowNs();
          await timeCalls(c.call, config.batch);
          const ns = nowNs() - t0;
          const entry = spent.get(c.name)!;
          entry.ns += ns;
          entry.calls += config.batch;
          perBatch.get(c.name)!.push(ns / config.batch);
        }
        const done = spent.get(contenders[0]!.name)!.calls >= config.callsPerRound;
        if (done || nowNs() - roundStart > budgetNs) break;
      }
      for (const [name, { ns, calls }] of spent) perRound.get(name)!.push(ns / calls);
      log(`success ${scenario}: round ${r + 1}/${config.rounds}`);
    }
    for (const c of contenders) c.dispose?.();
    for (const [contender, ns] of perRound)
      times.push({ scenario, contender, ns, batchNs: perBatch.get(contender)! });
  }
  return summarise(times, 'bare call');
}

interface FailureRow {
  readonly contender: string;
  readonly fill: number;
  readonly windowCalls: number | undefined;
  readonly nsPerFailedCall: number;
  readonly roundsNs: readonly number[];
  readonly callsMeasured: number;
}

async function failurePath(): Promise<FailureRow[]> {
  const rows: FailureRow[] = [];
  for (const fill of config.fills) {
    // Each contender wraps a switchable function: successes fill the window, then failures are timed.
    const mode: { fn: Call } = { fn: succeed };
    const fn: Call = () => mode.fn();
    // Warm the code paths up on throwaway instances, so the measured windows hold exactly `fill` calls.
    let flip = 0;
    const warm = contendersFor('failure', () => (++flip % 2 === 0 ? fail() : succeed()));
    for (const c of warm) {
      // Few calls: opossum's failure path sorts every latency in its window, so a long warm-up
      // of failures would be quadratic.
      await timeCalls(c.call, Math.min(config.warmup, 4_000));
      c.dispose?.();
    }
    const contenders = contendersFor('failure', fn);
    for (const c of contenders) await timeCalls(c.call, fill);
    const windowCalls = new Map(contenders.map((c) => [c.name, c.windowCalls?.()]));
    mode.fn = fail;
    const perRound = new Map<string, { ns: number[]; calls: number }>(
      contenders.map((c) => [c.name, { ns: [], calls: 0 }]),
    );
    for (let r = 0; r < config.rounds; r++) {
      for (const c of rotated(contenders, r)) {
        const m = await timeCallsWithin(c.call, config.failure);
        const entry = perRound.get(c.name)!;
        entry.ns.push(m.nsPerCall);
        entry.calls += m.calls;
      }
      log(`failure fill=${fill}: round ${r + 1}/${config.rounds}`);
    }
    for (const c of contenders) c.dispose?.();
    for (const [contender, { ns, calls }] of perRound)
      rows.push({
        contender,
        fill,
        windowCalls: windowCalls.get(contender),
        nsPerFailedCall: median(ns),
        roundsNs: ns,
        callsMeasured: calls,
      });
  }
  return rows;
}

interface HeapRow {
  readonly scenario: Scenario;
  readonly contender: string;
  readonly calls: number;
  readonly heapKeptBytes: number;
}

async function heapKept(gc: () => void): Promise<HeapRow[]> {
  const rows: HeapRow[] = [];
  for (const scenario of ['breaker', 'breaker+timeout'] as const) {
    const names = contendersFor(scenario, succeed).map((c) => c.name);
    for (const c0 of contendersFor(scenario, succeed)) c0.dispose?.();
    for (const name of names) {
      // Three repetitions, median: a collection may also free leftovers of an earlier contender.
      const kept: number[] = [];
      for (let rep = 0; rep < config.heapReps; rep++) {
        const c = contendersFor(scenario, succeed).find((x) => x.name === name)!;
        const before = settledHeap(gc);
        await timeCalls(c.call, config.heapCalls);
        const after = settledHeap(gc);
        kept.push(after - before);
        c.dispose?.(); // only after measuring, so the contender and what it keeps were alive
      }
      rows.push({
        scenario,
        contender: name,
        calls: config.heapCalls,
        heapKeptBytes: median(kept),
      });
      log(`heap ${scenario}: ${name}`);
    }
  }
  return rows;
}

/** What one read of the default clock costs here: the time window and slow-call rule pay it. */
function clockReadNs(): number {
  const perRound: number[] = [];
  let sink = 0;
  for (let r = 0; r < config.rounds; r++) {
    const n = 200_000;
    const t0 = nowNs();
    for (let i = 0; i < n; i++) sink += monotonicClock.now();
    perRound.push((nowNs() - t0) / n);
  }
  if (sink === 0) console.log('');
  return median(perRound);
}

const clockNs = clockReadNs();
const success = await successPath();
const failure = await failurePath();
const { gc, how: gcHow } = getGc();
const heap = gc ? await heapKept(gc) : [];

printTable(
  `Success path, ns per call (median of ${config.rounds} rounds; contenders alternate in batches of ${config.batch} calls, up to ${config.callsPerRound.toLocaleString('en-US')} calls or ${config.roundBudgetMs} ms each per round)`,
  success.map((s) => ({
    scenario: s.scenario,
    contender: s.contender,
    'ns/call': s.medianNs,
    'ns over bare': s.overheadNs,
    '× bare': s.ratio,
    'batch-paired ns over bare': s.batchOverheadNs,
    'batch-paired × bare': s.batchRatio,
  })),
);
console.log(`\nOne read of monotonicClock.now() (performance.now): ${clockNs.toFixed(1)} ns`);
printTable(
  'Failure path, ns per failed call, by calls already in the window',
  failure.map((f) => ({
    contender: f.contender,
    'calls filled': f.fill,
    'in window': f.windowCalls ?? 'n/a',
    'ns/failed call': f.nsPerFailedCall,
    'calls timed': f.callsMeasured,
  })),
);
if (heap.length > 0)
  printTable(
    `Heap kept after ${config.heapCalls.toLocaleString('en-US')} calls (gc via ${gcHow})`,
    heap.map((h) => ({
      scenario: h.scenario,
      contender: h.contender,
      'KiB kept': h.heapKeptBytes / 1024,
    })),
  );
else console.log('\nHeap kept: not measured (no way to force a GC in this process).');

const pick = (scenario: Scenario, contender: string) =>
  success.find((s) => s.scenario === scenario && s.contender === contender);
const failCost = (fill: number) =>
  failure.find((f) => f.contender === 'homeostat' && f.fill === fill)?.nsPerFailedCall ??
  Number.NaN;
const largestFill = config.fills.at(-1)!;
const homeHeap = heap.filter((h) => h.contender === 'homeostat').map((h) => h.heapKeptBytes);
const targets = {
  breakerOverheadNs: { target: '≤ 100', measured: pick('breaker', 'homeostat')?.overheadNs },
  breakerOverheadNsConsecutive: {
    target: '≤ 100',
    measured: pick('breaker', 'homeostat (consecutive)')?.overheadNs,
  },
  breakerBatchOverheadNs: {
    target: '≤ 100 (batch-paired)',
    measured: pick('breaker', 'homeostat')?.batchOverheadNs,
  },
  breakerBatchOverheadNsConsecutive: {
    target: '≤ 100 (batch-paired)',
    measured: pick('breaker', 'homeostat (consecutive)')?.batchOverheadNs,
  },
  timeoutBatchOverheadNs: {
    target: '≤ 1000 (batch-paired)',
    measured: pick('breaker+timeout', 'homeostat')?.batchOverheadNs,
  },
  timeoutOverheadNs: {
    target: '≤ 1000',
    measured: pick('breaker+timeout', 'homeostat')?.overheadNs,
  },
  failureFlat: {
    target: `ns/failed call at ${largestFill} ≤ 1.5 × at 0`,
    measured: failCost(largestFill) / failCost(0),
  },
  heapKeptBytes: {
    target: '< 1 MiB',
    measured: homeHeap.length > 0 ? Math.max(...homeHeap) : undefined,
  },
};
const met = {
  breakerOverheadNs: (targets.breakerOverheadNs.measured ?? Infinity) <= 100,
  breakerOverheadNsConsecutive: (targets.breakerOverheadNsConsecutive.measured ?? Infinity) <= 100,
  breakerBatchOverheadNs: (targets.breakerBatchOverheadNs.measured ?? Infinity) <= 100,
  breakerBatchOverheadNsConsecutive:
    (targets.breakerBatchOverheadNsConsecutive.measured ?? Infinity) <= 100,
  timeoutBatchOverheadNs: (targets.timeoutBatchOverheadNs.measured ?? Infinity) <= 1000,
  timeoutOverheadNs: (targets.timeoutOverheadNs.measured ?? Infinity) <= 1000,
  failureFlat: targets.failureFlat.measured <= 1.5,
  heapKeptBytes: (targets.heapKeptBytes.measured ?? Infinity) < 2 ** 20,
};
printTable(
  'Targets (homeostat; time window unless marked consecutive)',
  Object.entries(targets).map(([name, t]) => ({
    target: name,
    wanted: t.target,
    measured: t.measured ?? 'n/a',
    met: met[name as keyof typeof met] ? 'yes' : 'NO',
  })),
);

const file = writeResults(
  'circuit-breaker',
  { config, gc: gcHow, clockReadNs: clockNs, success, failure, heap, targets, met },
  { smoke },
);
console.log(`\nwrote ${file}`);
