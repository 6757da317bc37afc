/**
 * sidecar benchmark: what @homeostat/sidecar costs and what it buys, with real servers on
 * 127.0.0.1 (in child processes) and autocannon (in this process), in one run.
 *
 * 1. Overhead: bare node:http / Express / Fastify against the same server with the sidecar
 *    (metrics and the adaptive limiter on; overload shedding off); for Express also a no-op middleware and the
 *    sidecar wrapping the whole app; for Fastify also @fastify/under-pressure.
 *    Closed loop, 32 connections. Bare and sidecar runs are interleaved and repeated; we report
 *    medians and the median of the paired (same-round) ratios. Then the same comparisons with
 *    bare and variant hosted in one process, load alternating between them (`paired.ts`), with
 *    bare-against-bare controls; and once more with the load switched between the two every
 *    50 ms over persistent connections (`interleaved.ts`), which resolves differences of a
 *    percent or so; and that again with the bare server in a process of its own.
 * 2. Overload: a handler doing 5 ms of CPU work, offered three times its measured capacity;
 *    goodput and p99 of admitted (2xx) requests, with and without the sidecar.
 *
 *   pnpm bench          full run (~80 min); `--only overhead|hot-path|instructions|paired|interleaved|interleaved-apart|overload`
 *                       runs one part and writes `sidecar-<part>.json` instead; `--processes N`
 *                       sets the fresh processes of each same-process comparison (default 5)
 *   pnpm bench:smoke    ~1 s per case, one round (what CI runs)
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import { interactive, median, printTable, writeResults } from '@homeostat-bench/common';
import type { SidecarOptions } from '@homeostat/sidecar';
import { drive, pinning, startServer, type LoadResult, type LoadShape } from './load.js';
import { measureHotPath, type HotPathResult } from './hot-path.js';
import {
  FRAMEWORK_LABELS,
  FRAMEWORKS,
  findValgrind,
  measureInstructions,
  type InstructionsResult,
  type InstructionsShape,
} from './instructions.js';
import { runHarness } from './instructions-harness.js';
import {
  measureInterleaved,
  type InterleavedResult,
  type InterleavedShape,
} from './interleaved.js';
import { measurePaired, type PairedResult, type PairedShape } from './paired.js';
import type { ServerConfig } from './server.js';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    only: { type: 'string' },
    processes: { type: 'string' },
  },
});
const smoke = args.smoke ?? false;
// Overhead: many short rounds. Each round starts fresh server processes, and the cost of one
// process differs from the next by several percent (JIT, core placement), so the median of
// many paired rounds says more than a few long ones. Overload: fewer, longer rounds, since its
// p99 needs the samples. `--rounds` / `--duration` set both.
const overheadRounds = Number(args.rounds ?? (smoke ? 1 : 7));
const overheadDurationS = Number(args.duration ?? (smoke ? 1 : 3));
const rounds = Number(args.rounds ?? (smoke ? 1 : 5));
const durationS = Number(args.duration ?? (smoke ? 1 : 5));
const warmupS = smoke ? 0 : 1;
// Overhead servers get longer: a fresh process spends its first seconds compiling hot code on
// the same pinned core, and a server with the sidecar has more code to compile, so a short
// warm-up charges part of its start-up to its steady state (seen as its second to fourth
// seconds running well below its later rate).
const overheadWarmupS = smoke ? 0 : 3;
// Fresh server processes for each same-process comparison (paired and interleaved). A process's
// JIT decisions and memory layout shift its ratio as a whole, so the interval over processes
// narrows with more of them, not with longer runs.
const sameProcessCount = args.processes === undefined ? (smoke ? 1 : 5) : Number(args.processes);
if (!(Number.isInteger(sameProcessCount) && sameProcessCount >= 1)) {
  throw new Error(
    `sidecar benchmark: --processes must be a whole number of at least 1; got ${JSON.stringify(args.processes)}`,
  );
}
const only = args.only;
const parts = [
  'overhead',
  'hot-path',
  'instructions',
  'paired',
  'interleaved',
  'interleaved-apart',
  'overload',
];
if (only !== undefined && !parts.includes(only)) {
  throw new Error(
    `sidecar benchmark: --only must be one of ${parts.join(', ')}; got ${JSON.stringify(only)}`,
  );
}
const log = (msg: string): void => {
  if (interactive) console.log(msg);
};

async function measure(
  config: ServerConfig,
  shape: LoadShape,
  warmup = warmupS,
): Promise<LoadResult & { stats: Record<string, unknown>; cpuMicrosPerRequest: number }> {
  const server = await startServer(config);
  try {
    if (warmup > 0) await drive(server.url, { ...shape, durationS: warmup });
    const before = await server.stats();
    const result = await drive(server.url, shape);
    const stats = await server.stats();
    const requests = Number(stats.served) - Number(before.served);
    const cpuMicrosPerRequest =
      (Number(stats.cpuMicros) - Number(before.cpuMicros)) / Math.max(1, requests);
    return { ...result, stats, cpuMicrosPerRequest };
  } finally {
    await server.stop();
  }
}

type Framework = ServerConfig['framework'];
type Variant = ServerConfig['variant'];
const round2 = (v: number): number => Math.round(v * 100) / 100;
const round3 = (v: number): number => Math.round(v * 1000) / 1000;

// ---------------------------------------------------------------- 1. overhead
const overheadCases: [Framework, Variant[]][] = [
  ['node', ['bare', 'sidecar']],
  ['express', ['bare', 'noop-middleware', 'sidecar', 'sidecar-wrapped-app']],
  ['fastify', ['bare', 'sidecar', 'under-pressure']],
];
// Metrics (observations, per-route aggregates, sketch) and the adaptive limiter on. Overload
// shedding is off here: on a shared machine, CPU starvation looks like event-loop delay and
// would shed load in what is meant to be a pure cost measurement.
const overheadSidecar: SidecarOptions = { overload: false };
const overheadUnderPressure = {
  maxEventLoopDelay: 1000,
  maxHeapUsedBytes: 0,
  maxRssBytes: 0,
  maxEventLoopUtilization: 0.98,
};

// The in-process hot path is measured first, on this process's fresh heap: measured after the
// load runs (tens of millions of recorded responses later), the same loop ran four to five
// times slower, bare as well as with the sidecar. Printed after the overhead tables.
let hotPathEarly: HotPathResult | undefined;
if (only === undefined || only === 'overhead' || only === 'hot-path') {
  log('hot path: in-process CPU cost per request');
  hotPathEarly = await measureHotPath(smoke ? 20_000 : 200_000, smoke ? 3 : 7, overheadSidecar);
}

/** A hello-world server of one overhead variant, with that variant's options. */
function overheadConfig(framework: Framework, variant: Variant): ServerConfig {
  return {
    framework,
    variant,
    workMs: 0,
    ...(variant === 'sidecar' || variant === 'sidecar-wrapped-app'
      ? { sidecar: overheadSidecar }
      : {}),
    ...(variant === 'under-pressure' ? { underPressure: overheadUnderPressure } : {}),
  };
}

interface OverheadRun {
  round: number;
  framework: Framework;
  variant: Variant;
  rps: number;
  p50: number;
  p99: number;
  cpuMicrosPerRequest: number;
  shed: number;
}

const overheadRuns: OverheadRun[] = [];
if (only === undefined || only === 'overhead') {
  for (let round = 0; round < overheadRounds; round++) {
    for (const [framework, variants] of overheadCases) {
      // Alternate the order each round so neither variant always runs first.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        log(`overhead round ${round + 1}/${overheadRounds}: ${framework} ${variant}`);
        const r = await measure(
          overheadConfig(framework, variant),
          { durationS: overheadDurationS, connections: 32 },
          overheadWarmupS,
        );
        overheadRuns.push({
          round,
          framework,
          variant,
          rps: r.rps,
          p50: r.p50,
          p99: r.p99,
          cpuMicrosPerRequest: r.cpuMicrosPerRequest,
          shed: Number(r.stats.shed ?? 0),
        });
      }
    }
  }
}

const overheadRows = overheadCases.flatMap(([framework, variants]) =>
  variants.map((variant) => {
    const runs = overheadRuns.filter((r) => r.framework === framework && r.variant === variant);
    const ratios: number[] = [];
    const deltas: number[] = [];
    const cpuRatios: number[] = [];
    for (const r of runs) {
      const bare = overheadRuns.find(
        (b) => b.framework === framework && b.variant === 'bare' && b.round === r.round,
      );
      if (bare) {
        ratios.push(r.rps / bare.rps);
        deltas.push(r.p99 - bare.p99);
        cpuRatios.push(bare.cpuMicrosPerRequest / r.cpuMicrosPerRequest);
      }
    }
    return {
      framework,
      variant,
      'req/s (median)': Math.round(median(runs.map((r) => r.rps))),
      'p50 ms': round2(median(runs.map((r) => r.p50))),
      'p99 ms': round2(median(runs.map((r) => r.p99))),
      'req/s vs bare': variant === 'bare' ? 1 : round2(median(ratios)),
      'p99 Δ ms': variant === 'bare' ? 0 : round2(median(deltas)),
      'CPU µs/req': round2(median(runs.map((r) => r.cpuMicrosPerRequest))),
      'CPU-bound req/s vs bare': variant === 'bare' ? 1 : round2(median(cpuRatios)),
      shed: runs.reduce((a, r) => a + r.shed, 0),
    };
  }),
);
if (overheadRuns.length > 0) {
  printTable(
    `Overhead: closed loop, 32 connections, ${overheadDurationS} s × ${overheadRounds} rounds (targets: ≥ 0.95 of bare req/s, p99 Δ ≤ 1 ms)`,
    overheadRows,
  );
}

// ---------------------------------------------------------------- 1b. overhead, same process
// Each process hosts the variant and a bare server of the same framework; closed-loop load
// alternates between them in short segments. Process-to-process differences and slow drifts of
// the machine then fall on both sides of each comparison. `bare` against `bare` is the control:
// it shows the method's own spread (and that it favours neither port).
const pairedCases: { label: string; config: ServerConfig }[] = (
  [
    ['node:http bare (control)', 'node', 'bare'],
    ['node:http sidecar', 'node', 'sidecar'],
    ['Express no-op middleware', 'express', 'noop-middleware'],
    ['Express sidecar middleware', 'express', 'sidecar'],
    ['Express sidecar wrapping the app', 'express', 'sidecar-wrapped-app'],
    ['Fastify bare (control)', 'fastify', 'bare'],
    ['Fastify sidecar plugin', 'fastify', 'sidecar'],
    ['Fastify @fastify/under-pressure', 'fastify', 'under-pressure'],
  ] as const
).map(([label, framework, variant]) => ({ label, config: overheadConfig(framework, variant) }));
const pairedShape: PairedShape = smoke
  ? { processes: sameProcessCount, pairs: 1, segmentS: 1, warmupS: 0, connections: 32 }
  : {
      processes: sameProcessCount,
      pairs: 6,
      segmentS: 2,
      warmupS: overheadWarmupS,
      connections: 32,
    };
const pairedRuns: (PairedResult & { label: string })[] = [];
if (only === undefined || only === 'overhead' || only === 'paired') {
  for (const { label, config } of pairedCases) {
    const r = await measurePaired(config, pairedShape, (msg) =>
      log(`overhead, same process: ${label}, ${msg}`),
    );
    pairedRuns.push({ label, ...r });
  }
  printTable(
    `Overhead, same process: bare and variant in one process, ${pairedShape.pairs} alternating ${pairedShape.segmentS} s segment pairs × ${pairedShape.processes} processes (median over processes of each one's median paired ratio)`,
    pairedRuns.map((r) => ({
      variant: r.label,
      'req/s vs bare': round3(r.rpsRatio),
      'per process': r.perProcessRpsRatio.map(round3).join(' / '),
      'geometric mean (95 % interval)': Number.isNaN(r.rpsRatioMean)
        ? '– (one pair)'
        : `${round3(r.rpsRatioMean)} (${round3(r.rpsRatioInterval[0])}–${round3(r.rpsRatioInterval[1])})`,
      'CPU-bound req/s vs bare': round3(r.cpuRatio),
      'p99 Δ ms': round2(r.p99DeltaMs),
    })),
  );
}

// ---------------------------------------------------------------- 1d. same process, interleaved
// The same comparisons with the load switched between the two servers every `sliceMs`, over
// persistent connections from a lighter load generator (`interleaved.ts`): far more pairs per
// process, and a server that stays saturated.
const interleavedShape: InterleavedShape = smoke
  ? { processes: sameProcessCount, pairs: 4, sliceMs: 50, warmupS: 0, connections: 32 }
  : { processes: sameProcessCount, pairs: 160, sliceMs: 50, warmupS: 4, connections: 32 };
type InterleavedRun = InterleavedResult & { label: string };

/** Runs every same-process case interleaved with `shape` and prints their table. */
async function interleavedCases(shape: InterleavedShape, what: string): Promise<InterleavedRun[]> {
  const runs: InterleavedRun[] = [];
  for (const { label, config } of pairedCases) {
    const r = await measureInterleaved(config, shape, (msg) => log(`${what}: ${label}, ${msg}`));
    runs.push({ label, ...r });
  }
  const where =
    shape.bare === 'own-process'
      ? 'bare and variant each in a process of its own'
      : 'bare and variant in one process';
  printTable(
    `Overhead, ${what} (2xx req/s, ${where}): load switched between bare and variant every ${shape.sliceMs} ms over ${shape.connections} persistent connections each, ${shape.pairs} slice pairs × ${shape.processes} processes (geometric mean of each process's pair ratios; median and geometric mean over processes)`,
    runs.map((r) => ({
      variant: r.label,
      'req/s vs bare': round3(r.rpsRatio),
      'per process': r.processes.map((p) => round3(p.rpsRatio)).join(' / '),
      'over processes (95 % interval)': Number.isNaN(r.rpsRatioMean)
        ? r.processes.length < 2
          ? '– (one process)'
          : '– (fewer than two positive ratios)'
        : `${round3(r.rpsRatioMean)} (${round3(r.rpsRatioInterval[0])}–${round3(r.rpsRatioInterval[1])})`,
      'bare req/s': Math.round(median(r.processes.map((p) => p.bareRps))),
      'non-2xx': r.processes.reduce((a, p) => a + p.non2xx, 0),
    })),
  );
  return runs;
}

const interleavedRuns: InterleavedRun[] =
  only === undefined || only === 'overhead' || only === 'interleaved'
    ? await interleavedCases(interleavedShape, 'same process, interleaved')
    : [];

// ---------------------------------------------------------------- 1e. interleaved, apart
// The same with the bare server in a process of its own. Two servers in one process share the
// JIT's code and caches, so each can slow the other; here only the variant's own cost differs,
// while the load still switches every slice. This is the comparison (a bare server
// against the same server with the sidecar) with the drift of a shared machine cancelled.
const apartShape: InterleavedShape = { ...interleavedShape, bare: 'own-process' };
const apartRuns: InterleavedRun[] =
  only === undefined || only === 'overhead' || only === 'interleaved-apart'
    ? await interleavedCases(apartShape, 'separate processes, interleaved')
    : [];

// ---------------------------------------------------------------- 1c. hot path, in process
let hotPath: (HotPathResult & { predictedRpsRatio?: number }) | undefined;
if (hotPathEarly !== undefined) {
  const hp = hotPathEarly;
  const bareCpu = median(
    overheadRuns
      .filter((r) => r.framework === 'node' && r.variant === 'bare')
      .map((r) => r.cpuMicrosPerRequest),
  );
  const predictedRpsRatio = Number.isFinite(bareCpu)
    ? bareCpu / (bareCpu + hp.overheadNs / 1000)
    : undefined;
  hotPath = { ...hp, ...(predictedRpsRatio === undefined ? {} : { predictedRpsRatio }) };
  printTable(
    'Hot path: CPU per request in process (IncomingMessage/ServerResponse objects, no network)',
    [
      {
        'bare ns/req': Math.round(hp.bareNs),
        'sidecar ns/req': Math.round(hp.sidecarNs),
        'sidecar adds ns/req': Math.round(hp.overheadNs),
        'node:http bare CPU µs/req (above)': Number.isFinite(bareCpu) ? round2(bareCpu) : 'n/a',
        'CPU-bound req/s vs bare (predicted)':
          predictedRpsRatio === undefined ? 'n/a' : round2(predictedRpsRatio),
      },
    ],
  );
}

// ---------------------------------------------------------------- 1e. instructions per request
// Counted by valgrind (`instructions.ts`): the server only, loaded by a keep-alive client in a
// child process; a short and a long run per variant. The short run is long enough for V8 to
// have compiled the code that runs once per event-loop turn (about one call per 32 requests
// here): with 20,000 requests it was still compiling some of it afterwards, and that work
// fell into the difference (about 600 instructions per request with the sidecar, 2026-12-06).
// The smoke run only checks that the harness serves its load generator (no valgrind: its
// start-up alone takes several seconds per run).
const instructionsShape: InstructionsShape = { short: 40_000, long: 100_000, connections: 32 };
let instructions:
  | {
      shape: InstructionsShape;
      counted: 'server';
      channel: 'reference';
      results: InstructionsResult[];
    }
  | { skipped: string }
  | undefined;
if (only === undefined || only === 'instructions') {
  if (smoke) {
    for (const framework of FRAMEWORKS) {
      for (const variant of ['bare', 'channel', 'sidecar'] as const) {
        const done = await runHarness({ framework, variant, requests: 200, connections: 8 });
        if (done !== 200) throw new Error(`instructions harness: ${done} of 200 responses`);
      }
    }
    instructions = { skipped: 'smoke run: harness checked without valgrind' };
  } else if (findValgrind() === undefined) {
    instructions = { skipped: 'valgrind is not installed' };
    console.log('\nInstructions per request: skipped, valgrind is not installed.');
  } else {
    const results = await measureInstructions(FRAMEWORKS, instructionsShape, (msg) =>
      log(`instructions: ${msg}`),
    );
    // `counted`: whose instructions (the server's only; until 2026-12-06, server and client).
    // `channel: 'reference'`: the channel variant is what Node's finish channel would cost were
    // it subscribed. The sidecar subscribes only while responses outlive their handlers, and
    // these end in them, so its own figure does not include it (until 2026-12-06 it did).
    instructions = { shape: instructionsShape, counted: 'server', channel: 'reference', results };
    printTable(
      `Instructions per request (valgrind; the server only, loaded by ${instructionsShape.connections} keep-alive connections from another process; runs of ${instructionsShape.short} and ${instructionsShape.long} requests, the difference counted)`,
      results.map((r) => ({
        framework: FRAMEWORK_LABELS[r.framework],
        'bare instr/req': Math.round(r.bare),
        'sidecar instr/req': Math.round(r.sidecar),
        'sidecar adds': Math.round(r.added),
        "Node's channel, were it subscribed": Math.round(r.channelAdded),
      })),
    );
  }
}

// ---------------------------------------------------------------- 2. overload
const workMs = 5;
// The latency budget set to one handler's worth: a request may wait 5 ms behind work in its
// own event-loop turn and 5 ms in the sidecar's turn queue before it is shed.
const overloadSidecar: SidecarOptions = {
  overload: { maxTurnDelayMs: workMs, maxQueueMs: workMs },
};
// The same without the queue: late requests are shed at once (shows what the queue adds).
const noQueueSidecar: SidecarOptions = { overload: { maxTurnDelayMs: workMs, maxQueueMs: false } };
const overloadVariants: { label: string; config: ServerConfig }[] = [
  { label: 'bare', config: { framework: 'node', variant: 'bare', workMs } },
  {
    label: 'sidecar',
    config: { framework: 'node', variant: 'sidecar', workMs, sidecar: overloadSidecar },
  },
  {
    label: 'sidecar, no queue',
    config: { framework: 'node', variant: 'sidecar', workMs, sidecar: noQueueSidecar },
  },
  {
    label: 'sidecar, default options',
    config: { framework: 'node', variant: 'sidecar', workMs, sidecar: {} },
  },
];
let overload: Record<string, unknown> | undefined;
if (only === undefined || only === 'overload') {
  log('overload: measuring capacity and unloaded latency');
  // One bare server for both: capacity with a closed loop of 8 connections, then latency at a
  // quarter of that rate, once per round like the variants: one run's p99 rests on its two or
  // three slowest of some 230 answers, so a single stall would set the reference that every
  // variant's p99 is divided by; the median over rounds does not.
  const bareServer = await startServer({ framework: 'node', variant: 'bare', workMs });
  let capacityRun: LoadResult;
  const unloadedRuns: LoadResult[] = [];
  try {
    if (warmupS > 0) await drive(bareServer.url, { durationS: warmupS, connections: 8 });
    capacityRun = await drive(bareServer.url, { durationS, connections: 8 });
    for (let round = 0; round < rounds; round++) {
      log(`overload: unloaded latency ${round + 1}/${rounds}`);
      unloadedRuns.push(await drive(bareServer.url, { durationS, rate: capacityRun.okRps * 0.25 }));
    }
  } finally {
    await bareServer.stop();
  }
  const unloaded = {
    okP99: median(unloadedRuns.map((r) => r.okP99)),
    rps: median(unloadedRuns.map((r) => r.rps)),
  };
  const capacity = capacityRun.okRps;
  const offered = capacity * 3;
  const runs: {
    round: number;
    variant: string;
    r: LoadResult & { stats: Record<string, unknown>; cpuMicrosPerRequest: number };
  }[] = [];
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so no variant always runs first.
    const k = round % overloadVariants.length;
    const order = [...overloadVariants.slice(k), ...overloadVariants.slice(0, k)];
    for (const { label, config } of order) {
      log(`overload round ${round + 1}/${rounds}: ${label}`);
      const r = await measure(config, { durationS, rate: offered });
      runs.push({ round, variant: label, r });
      log(
        `  goodput ${r.okRps.toFixed(0)} req/s, admitted p99 ${r.okP99.toFixed(1)} ms, sidecar ${JSON.stringify(r.stats)}`,
      );
    }
  }
  const rows = overloadVariants.map(({ label }) => {
    const rs = runs.filter((x) => x.variant === label).map((x) => x.r);
    const okP99 = median(rs.map((r) => r.okP99));
    const goodput = median(rs.map((r) => r.okRps));
    return {
      variant: label,
      'offered req/s': Math.round(offered),
      'answered req/s': Math.round(median(rs.map((r) => r.rps))),
      'goodput req/s': Math.round(goodput),
      'goodput / capacity': round2(goodput / capacity),
      'shed (503) req/s': Math.round(median(rs.map((r) => r.shedRps))),
      'admitted p50 ms': round2(median(rs.map((r) => r.okP50))),
      'admitted p99 ms': round2(okP99),
      'p99 / unloaded p99': round2(okP99 / unloaded.okP99),
      timeouts: rs.reduce((a, r) => a + r.timeouts, 0),
    };
  });
  printTable(
    `Overload: ${workMs} ms CPU handler (node:http), capacity ${Math.round(capacity)} req/s, unloaded p99 ${round2(unloaded.okP99)} ms, offered 3× (targets with sidecar: p99 ≤ 3× unloaded, goodput ≥ 0.85 of capacity)`,
    rows,
  );
  overload = {
    workMs,
    capacityRps: capacity,
    // Medians over the rounds' unloaded runs.
    unloadedP99Ms: unloaded.okP99,
    unloadedRps: unloaded.rps,
    // What the load generator sends: the instances' connections add up to the rate, rounded.
    offeredRps: Math.round(offered),
    sidecarOptions: {
      sidecar: overloadSidecar,
      'sidecar, no queue': noQueueSidecar,
      'sidecar, default options': {},
    },
    measuredWindow:
      'open-loop runs count only requests sent after every load-generator instance has started (a 1 s ramp), for durationS seconds; answers arriving more than 1 s after the window are not seen',
    rows,
    runs: runs.map(({ round, variant, r }) => ({ round, variant, ...r })),
    capacityRun,
    unloadedRuns,
  };
}

const load = os.loadavg();
console.log(
  `\nMachine: ${os.cpus().length} cores shared with other work; load average ${load.map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min) at the end of the run. Pinning: ${pinning.reason}.`,
);
// A partial run (`--only`) writes its own file rather than replacing the full run's.
const file = writeResults(
  only === undefined ? 'sidecar' : `sidecar-${only}`,
  {
    rounds,
    durationS,
    overheadRounds,
    overheadDurationS,
    loadAverage: load,
    pinning,
    overhead: {
      connections: 32,
      sidecarOptions: overheadSidecar,
      underPressureOptions: overheadUnderPressure,
      warmupS: overheadWarmupS,
      rows: overheadRows,
      runs: overheadRuns,
    },
    overheadSameProcess: { shape: pairedShape, cases: pairedRuns },
    overheadInterleaved: { shape: interleavedShape, cases: interleavedRuns },
    overheadInterleavedApart: { shape: apartShape, cases: apartRuns },
    hotPath,
    instructions,
    overload,
  },
  { smoke },
);
console.log(`results: ${file}`);
