// Generates docs/benchmarks.md, and the charts it links under docs/benchmarks/, from
// benchmarks/results/*.json (smoke results are ignored).
//
//   tsx scripts/bench-docs.ts          write docs/benchmarks.md and its charts
//   tsx scripts/bench-docs.ts --check  exit 1 when the page or a chart is out of date
//   --results DIR, --out FILE           other locations (DIR's parent is scanned for benchmark folders)
//
// Every figure on the page is read from a results file. The only numbers written here are the
// targets the issues set; whether a target is hit is taken from the JSON when the benchmark
// records it, and computed from the JSON's figures otherwise.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as prettier from 'prettier';
import { median } from '@homeostat-bench/common';
import { fmt, get, isRecord, markdownTable, num, rec, records, str } from './internal/json.js';
import type { Cell, Json } from './internal/json.js';
import { stripChartSvg } from './internal/strip-chart.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    check: { type: 'boolean', default: false },
    results: { type: 'string', default: join(repoRoot, 'benchmarks', 'results') },
    out: { type: 'string', default: join(repoRoot, 'docs', 'benchmarks.md') },
  },
});
const resultsDir = resolve(args.results);
const outFile = resolve(args.out);

/** One target line: what was asked, what was measured, and whether it was hit. */
interface TargetRow {
  target: string;
  measured: string;
  met: boolean | undefined;
}

/** A chart drawn from a results file: `file` is written beside the page, under `benchmarks/`. */
interface Figure {
  file: string;
  alt: string;
  svg: string;
}

/** What a section renders from one results file. */
interface Rendered {
  tables: { title?: string; rows: Record<string, Cell>[] }[];
  targets: TargetRow[];
  notes?: string[];
  figures?: Figure[];
}

/** What the page knows about one benchmark besides its results. */
interface Known {
  what: string;
  command: string;
  render: (results: Json) => Rendered;
  /** Guide with the method and the discussion, relative to the repository root. */
  pages: string[];
}

const metCell = (met: boolean | undefined): string =>
  met === undefined ? 'not measured' : met ? 'met' : 'missed';

function metOf(value: number | undefined, ok: (v: number) => boolean): boolean | undefined {
  return value === undefined ? undefined : ok(value);
}

function renderKeyed(r: Json): Rendered {
  const target = num(get(r, 'target', 'samplesPerSecond'));
  const keyed = num(get(r, 'keyed', 'median'));
  return {
    tables: [
      {
        rows: [
          { contender: '`keyed` (@homeostat/core)', 'samples/s (median)': keyed },
          {
            contender: '`groupBy` + `mergeMap(scan)`',
            'samples/s (median)': num(get(r, 'groupByScan', 'median')),
          },
          {
            contender: '`map`, no state (RxJS floor)',
            'samples/s (median)': num(get(r, 'mapFloor', 'median')),
          },
        ],
      },
    ],
    targets: [
      {
        target: `≥ ${fmt(target)} samples/s through \`keyed\` over ${fmt(num(get(r, 'series')))} series`,
        measured: `${fmt(keyed)} (${fmt(num(get(r, 'ratio')))}× groupBy + scan)`,
        met:
          typeof get(r, 'target', 'met') === 'boolean'
            ? get(r, 'target', 'met') === true
            : undefined,
      },
    ],
  };
}

function renderNab(r: Json): Rendered {
  const detectors = rec(get(r, 'detectors'));
  const rows = Object.entries(detectors).map(([name, d]) => ({
    detector: name,
    'standard (optimised)': num(get(d, 'profiles', 'standard', 'score')),
    'standard (default threshold)': num(get(d, 'profiles', 'standard', 'atDefault', 'score')),
    reward_low_FP: num(get(d, 'profiles', 'reward_low_FP_rate', 'score')),
    reward_low_FN: num(get(d, 'profiles', 'reward_low_FN_rate', 'score')),
    'points/s': num(get(d, 'pointsPerSecond')),
    'operator / plain': num(get(d, 'operatorOverhead', 'ratio')),
  }));
  rows.sort(
    (a, b) => (b['standard (optimised)'] ?? -Infinity) - (a['standard (optimised)'] ?? -Infinity),
  );
  const def = get(detectors, 'homeostat');
  const score = num(get(def, 'profiles', 'standard', 'score'));
  const pps = num(get(def, 'pointsPerSecond'));
  const ratio = num(get(def, 'operatorOverhead', 'ratio'));
  return {
    tables: [{ rows }],
    targets: [
      {
        target: 'default detector, standard profile ≥ 70 (floor)',
        measured: fmt(score),
        met: metOf(score, (v) => v >= 70),
      },
      {
        target: 'default detector, standard profile > 76 (goal: ahead of every published detector)',
        measured: fmt(score),
        met: metOf(score, (v) => v > 76),
      },
      {
        target: 'default detector ≥ 1,000,000 points/s (plain API)',
        measured: fmt(pps),
        met: metOf(pps, (v) => v >= 1e6),
      },
      {
        target: '`detect` operator ≤ 2× the plain API',
        measured: `${fmt(ratio)}×`,
        met: metOf(ratio, (v) => v <= 2),
      },
    ],
    notes: [
      `${fmt(num(get(r, 'files')))} files, ${fmt(num(get(r, 'points')))} points. Points/s is measured on a shared machine; see the guide for the spread.`,
    ],
  };
}

function renderM4(r: Json): Rendered {
  const models = records(get(r, 'models'));
  const series = num(get(r, 'series'));
  const rows = models.map((m) => ({
    model: str(get(m, 'name')),
    sMAPE: num(get(m, 'smape')),
    MASE: num(get(m, 'mase')),
    OWA: num(get(m, 'owa')),
    '95 % coverage': num(get(m, 'coverage95')),
    'CPU s (all series)': num(get(m, 'cpuSeconds')),
    'wall s (all series)': num(get(m, 'seconds')),
  }));
  const notes = [
    `Mode: ${str(get(r, 'mode')) ?? '?'}, ${fmt(series)} series, horizon ${fmt(num(get(r, 'horizon')))}.`,
  ];
  if (series !== 414) {
    notes.push('A subset of the 414 series: the targets apply to the full run only.');
    return { tables: [{ rows }], targets: [], notes };
  }
  const defName = str(get(r, 'defaultModel')) ?? 'auto';
  const byName = (n: string): Json => models.find((m) => get(m, 'name') === n);
  const owa = num(get(byName(defName), 'owa'));
  const snaive = num(get(byName('snaive'), 'owa'));
  const cpu = num(get(byName(defName), 'cpuSeconds'));
  const cov = num(get(byName(defName), 'coverage95'));
  return {
    tables: [{ rows }],
    targets: [
      {
        target: `OWA ≤ 0.60 for the default model (\`${defName}\`), ahead of sNaive`,
        measured: `${fmt(owa)} (sNaive ${fmt(snaive)})`,
        met: owa === undefined || snaive === undefined ? undefined : owa <= 0.6 && owa < snaive,
      },
      { target: 'goal: OWA ≤ 0.45', measured: fmt(owa), met: metOf(owa, (v) => v <= 0.45) },
      {
        target: '414 series fitted and forecast in ≤ 5 s on one core (CPU seconds)',
        measured: `${fmt(cpu)} CPU s`,
        met: metOf(cpu, (v) => v <= 5),
      },
      {
        target: '95 % intervals cover 90–98 %',
        measured: fmt(cov),
        met: metOf(cov, (v) => v >= 0.9 && v <= 0.98),
      },
    ],
    notes,
  };
}

/** Targets recorded by the benchmark itself as `{ targets: { k: { target, measured } }, met: { k } }`
 * or `{ targets: { label: { measured, met } } }`. */
function recordedTargets(r: Json): TargetRow[] {
  const targets = rec(get(r, 'targets'));
  const met = rec(get(r, 'met'));
  return Object.entries(targets).map(([key, t]) => {
    const label = str(get(t, 'target'));
    const measured = get(t, 'measured');
    const m = get(t, 'met') ?? met[key];
    return {
      target: label === undefined ? key : `${key}: ${label}`,
      measured:
        typeof measured === 'number'
          ? fmt(measured)
          : typeof measured === 'string'
            ? measured
            : JSON.stringify(measured ?? '?'),
      met: typeof m === 'boolean' ? m : undefined,
    };
  });
}

function renderCircuitBreaker(r: Json): Rendered {
  const rows = records(get(r, 'success')).map((s) => ({
    scenario: str(get(s, 'scenario')),
    contender: str(get(s, 'contender')),
    'ns/call (median)': num(get(s, 'medianNs')),
    'overhead ns': num(get(s, 'overheadNs')),
    'vs bare call': num(get(s, 'ratio')),
  }));
  return {
    tables: [{ title: 'Successful calls', rows }],
    targets: recordedTargets(r),
    notes: [`Reading the clock costs ${fmt(num(get(r, 'clockReadNs')))} ns on this machine.`],
  };
}

function renderDecisionEngine(r: Json): Rendered {
  const rows = records(get(r, 'sizes')).map((s) => ({
    policies: num(get(s, 'policies')),
    'decisions/s': num(get(s, 'decisionsPerSecond')),
    'p50 µs': num(get(s, 'p50us')),
    'p99 µs': num(get(s, 'p99us')),
    'p99.9 µs': num(get(s, 'p999us')),
    'match only, p99 µs': num(get(s, 'matchOnlyP99us')),
  }));
  const met = get(r, 'target', 'met');
  return {
    tables: [{ rows }],
    targets: [
      {
        target: `p99 ≤ ${fmt(num(get(r, 'target', 'p99us')))} µs with ${fmt(num(get(r, 'target', 'policies')))} policies`,
        measured: `${fmt(num(get(r, 'target', 'measuredP99us')))} µs`,
        met: typeof met === 'boolean' ? met : undefined,
      },
    ],
  };
}

function renderRunbooks(r: Json): Rendered {
  return {
    tables: [
      { title: 'Overhead', rows: flatRows(get(r, 'overhead')) },
      { title: 'Runs per second', rows: flatRows(get(r, 'throughput')) },
    ],
    targets: [],
    notes: ['No target figure was set for this benchmark.'],
  };
}

function renderRca(r: Json): Rendered {
  const rows = records(get(r, 'rca')).map((c) => ({
    services: num(get(c, 'size')),
    method: str(get(c, 'method')),
    cases: num(get(c, 'cases')),
    'AC@1': num(get(c, 'ac1')),
    'AC@3': num(get(c, 'ac3')),
    'Avg@5': num(get(c, 'avg5')),
    'ms/case (median)': num(get(c, 'msMedian')),
  }));
  const impact = get(r, 'impact');
  const notes = isRecord(impact)
    ? [
        `Impact query, depth ${fmt(num(get(impact, 'depth')))} on ${fmt(num(get(impact, 'nodes')))} nodes / ${fmt(num(get(impact, 'edges')))} edges: p95 ${fmt(num(get(impact, 'msP95')))} ms.`,
      ]
    : [];
  return { tables: [{ rows }], targets: recordedTargets(r), notes };
}

/** A ratio to four places, so that one just under a threshold never prints as the threshold. */
function ratio(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(4);
}

/** Median over rounds of variant ÷ bare req/s and of the p99 difference, from recorded runs. */
function pairedMedians(
  runs: Record<string, Json>[],
  framework: string,
  variant: string,
): { rps: number; dp99: number } | undefined {
  const rps: number[] = [];
  const dp99: number[] = [];
  for (const run of runs) {
    if (run.framework !== framework || run.variant !== variant) continue;
    const bare = runs.find(
      (b) => b.framework === framework && b.variant === 'bare' && b.round === run.round,
    );
    const [v, b] = [num(run.rps), num(bare?.rps)];
    const [vp, bp] = [num(run.p99), num(bare?.p99)];
    if (v === undefined || b === undefined || vp === undefined || bp === undefined) continue;
    rps.push(v / b);
    dp99.push(vp - bp);
  }
  // No recorded pairs: the medians are NaN and the table's rounded figures are used instead.
  return rps.length === 0 ? undefined : { rps: median(rps), dp99: median(dp99) };
}

/**
 * Whether a same-process case is one of the sidecar's own variants, which the req/s target
 * applies to; the controls, Express's no-op middleware and under-pressure are comparisons.
 */
function hasTarget(label: string | undefined): label is string {
  return (
    label !== undefined &&
    !label.includes('(control)') &&
    !label.includes('under-pressure') &&
    !label.includes('no-op')
  );
}

/**
 * A strip chart of variant ÷ bare ratios per case (`valuesOf` gives a case's dots), with each
 * case's recorded geometric mean and 95 % interval, and lines at the 0.95 target and at bare.
 */
function ratioStripSvg(
  cases: Record<string, Json>[],
  valuesOf: (c: Record<string, Json>) => number[],
  options: { title: string; xLabel: string; domain: readonly [number, number] },
): string {
  const rows = cases.map((c) => {
    const [lo, hi] = recordedInterval(c);
    return {
      label: str(get(c, 'label')) ?? '?',
      values: valuesOf(c),
      mean: num(get(c, 'rpsRatioMean')) ?? Number.NaN,
      interval: [lo ?? Number.NaN, hi ?? Number.NaN] as const,
    };
  });
  return stripChartSvg(rows, {
    ...options,
    tick: 0.05,
    references: [
      { value: 0.95, label: 'target 0.95', emphasis: true },
      { value: 1, label: 'bare' },
    ],
  });
}

/** A paired case's recorded 95 % interval of its geometric-mean ratio (ends undefined if absent). */
function recordedInterval(c: Json): [number | undefined, number | undefined] {
  const interval = get(c, 'rpsRatioInterval');
  return Array.isArray(interval) ? [num(interval[0]), num(interval[1])] : [undefined, undefined];
}

/** A paired case's geometric-mean ratio with its 95 % interval, `0.962 (0.941–0.984)`, or `–`. */
function meanInterval(c: Json): string {
  const mean = num(get(c, 'rpsRatioMean'));
  const [lo, hi] = recordedInterval(c);
  if (mean === undefined || lo === undefined || hi === undefined) return '–';
  return `${mean.toFixed(3)} (${lo.toFixed(3)}–${hi.toFixed(3)})`;
}

/** A list of numbers as `a / b / c`. */
function perProcess(value: Json): string {
  return (Array.isArray(value) ? value : []).map((v) => fmt(num(v))).join(' / ');
}

/**
 * The full sidecar run (`sidecar`), or its overhead part alone (`--only overhead`, written to
 * `sidecar-overhead`), whose charts take other file names so that neither page overwrites the
 * other's.
 */
function renderSidecar(
  r: Json,
  charts = {
    sameProcess: 'sidecar-same-process.svg',
    interleaved: 'sidecar-full-interleaved.svg',
    apart: 'sidecar-full-interleaved-apart.svg',
  },
): Rendered {
  const overhead = flatRows(get(r, 'overhead', 'rows'));
  const overload = flatRows(get(r, 'overload', 'rows'));
  const targets: TargetRow[] = [];
  const runs = records(get(r, 'overhead', 'runs'));
  for (const row of overhead) {
    // The sidecar as middleware/plugin, and (Express) wrapping the whole app.
    if (row.variant !== 'sidecar' && row.variant !== 'sidecar-wrapped-app') continue;
    const how = row.variant === 'sidecar' ? '' : ' (sidecar wrapping the app)';
    // The table's ratios are rounded to two places; whether 0.95 is reached is decided on the
    // unrounded median of the same-round ratios when the runs are recorded.
    const paired = pairedMedians(runs, String(row.framework), String(row.variant));
    const rps =
      paired?.rps ?? (typeof row['req/s vs bare'] === 'number' ? row['req/s vs bare'] : undefined);
    const dp99 =
      paired?.dp99 ?? (typeof row['p99 Δ ms'] === 'number' ? row['p99 Δ ms'] : undefined);
    targets.push({
      target: `${String(row.framework)}${how}: ≥ 0.95 of bare req/s and p99 Δ ≤ 1 ms`,
      measured: `${ratio(rps)} of bare, p99 Δ ${fmt(dp99)} ms`,
      met: rps === undefined || dp99 === undefined ? undefined : rps >= 0.95 && dp99 <= 1,
    });
  }
  // The same comparisons with bare and variant hosted in one process (controls excluded).
  const sameProcess = records(get(r, 'overheadSameProcess', 'cases')).map((c) => ({
    variant: str(get(c, 'label')),
    'req/s vs bare': num(get(c, 'rpsRatio')),
    'per process': perProcess(get(c, 'perProcessRpsRatio')),
    'geometric mean (95 % interval)': meanInterval(c),
    'CPU-bound req/s vs bare': num(get(c, 'cpuRatio')),
    'p99 Δ ms': num(get(c, 'p99DeltaMs')),
  }));
  for (const row of sameProcess) {
    if (!hasTarget(row.variant)) continue;
    const rps = row['req/s vs bare'];
    const dp99 = row['p99 Δ ms'];
    targets.push({
      target: `${row.variant}, same process: ≥ 0.95 of bare req/s and p99 Δ ≤ 1 ms`,
      measured: `${ratio(rps)} of bare${row['geometric mean (95 % interval)'] === '–' ? '' : ` (geometric mean ${row['geometric mean (95 % interval)']})`}, p99 Δ ${fmt(dp99)} ms`,
      met: rps === undefined || dp99 === undefined ? undefined : rps >= 0.95 && dp99 <= 1,
    });
  }
  targets.push(...overloadTargets(overload));
  const interleaved = interleavedParts(r, charts.interleaved);
  targets.push(...interleaved.targets);
  const apart = interleavedParts(r, charts.apart, 'overheadInterleavedApart');
  targets.push(...apart.targets);
  const hot = get(r, 'hotPath');
  const notes: string[] = [];
  const figures = [
    ...sameProcessFigure(r, charts.sameProcess),
    ...interleaved.figures,
    ...apart.figures,
  ];
  const counted = instructionsRows(r);
  if (num(get(hot, 'overheadNs')) !== undefined) {
    notes.push(
      `In-process hot path (no network): ${fmt(num(get(hot, 'bareNs')))} ns per request bare, ${fmt(num(get(hot, 'sidecarNs')))} ns with the sidecar (+${fmt(num(get(hot, 'overheadNs')))} ns), which predicts ${fmt(num(get(hot, 'predictedRpsRatio')))} of bare req/s for a trivial handler. The closed-loop figures above are noisier on a shared machine; the detailed page discusses both.`,
    );
  }
  return {
    tables: [
      { title: 'Overhead (closed loop, one process per run)', rows: overhead },
      ...(sameProcess.length > 0
        ? [
            {
              title: 'Overhead (closed loop, bare and variant in one process, alternating)',
              rows: sameProcess,
            },
          ]
        : []),
      ...[interleaved, apart].flatMap((part) =>
        part.rows.length > 0 ? [{ title: part.title, rows: part.rows }] : [],
      ),
      ...(counted.length > 0 ? [{ title: instructionsTitle(r), rows: counted }] : []),
      { title: 'Overload', rows: overload },
    ],
    targets,
    notes,
    figures,
  };
}

/**
 * An interleaved measurement (`overheadInterleaved`, bare and variant in one process, or
 * `overheadInterleavedApart`, each in a process of its own): its table, a target row per
 * sidecar variant (controls, the no-op middleware and under-pressure are comparisons, not
 * targets), and a chart of the per-process ratios written to `figureFile`.
 */
function interleavedParts(
  r: Json,
  figureFile: string,
  key: 'overheadInterleaved' | 'overheadInterleavedApart' = 'overheadInterleaved',
): { rows: Record<string, Cell>[]; targets: TargetRow[]; figures: Figure[]; title: string } {
  const cases = records(get(r, key, 'cases'));
  const shape = get(r, key, 'shape');
  const sliceMs = num(get(shape, 'sliceMs'));
  const apart = key === 'overheadInterleavedApart';
  const where = apart
    ? 'bare and variant each in a process of its own'
    : 'bare and variant in one process';
  const short = apart ? 'separate processes, interleaved' : 'same process, interleaved';
  const title = `Overhead (2xx req/s, ${where}, load switched every ${fmt(sliceMs)} ms over persistent connections; ${fmt(num(get(shape, 'pairs')))} slice pairs × ${fmt(num(get(shape, 'processes')))} processes)`;
  const processes = (c: Json): Record<string, Json>[] => records(get(c, 'processes'));
  const rows = cases.map((c) => ({
    variant: str(get(c, 'label')),
    'req/s vs bare (median of processes)': num(get(c, 'rpsRatio')),
    'per process': processes(c)
      .map((p) => num(p.rpsRatio)?.toFixed(3) ?? '–')
      .join(' / '),
    'geometric mean over processes (95 % interval)': meanInterval(c),
    'bare req/s': median(processes(c).map((p) => num(p.bareRps) ?? Number.NaN)),
    'non-2xx': processes(c).reduce((a, p) => a + (num(p.non2xx) ?? 0), 0),
  }));
  const targets: TargetRow[] = [];
  for (const row of rows) {
    const v = row.variant;
    if (!hasTarget(v)) continue;
    const rps = row['req/s vs bare (median of processes)'];
    const mi = row['geometric mean over processes (95 % interval)'];
    targets.push({
      target: `${v}, ${short}: ≥ 0.95 of bare req/s`,
      measured: `${ratio(rps)} of bare${mi === '–' ? '' : ` (geometric mean ${mi})`}`,
      met: rps === undefined ? undefined : rps >= 0.95,
    });
  }
  const figures: Figure[] =
    cases.length === 0
      ? []
      : [
          {
            file: figureFile,
            alt: `Interleaved overhead (${where}): each process ratio per variant, with geometric means and 95 % intervals`,
            svg: ratioStripSvg(
              cases,
              (c) =>
                processes(c).flatMap((p) => {
                  const v = num(p.rpsRatio);
                  return v === undefined ? [] : [v];
                }),
              {
                title: `Interleaved, ${apart ? 'separate processes' : 'same process'} (${fmt(sliceMs)} ms slices): req/s vs bare, one dot per process`,
                xLabel:
                  'variant 2xx req/s ÷ bare (bar: geometric mean over processes with its 95 % interval)',
                domain: [0.85, 1.1],
              },
            ),
          },
        ];
  return { rows, targets, figures, title };
}

/**
 * The instruction table's title: runs recorded since 2026-12-06 evening (`counted: 'server'`)
 * count the server process alone; earlier ones counted a server and its client in one process.
 */
function instructionsTitle(r: Json): string {
  return get(r, 'instructions', 'counted') === 'server'
    ? 'Instructions per request (valgrind; the server alone, loaded by keep-alive connections from another process; the difference between a short and a long run)'
    : 'Instructions per request (valgrind; a server and a keep-alive client in one process, the difference between a short and a long run)';
}

/** How a framework of the instruction counts is named in the tables. */
function frameworkLabel(framework: string | undefined): string {
  if (framework === 'node') return 'node:http';
  if (framework === 'fastify-async') return 'Fastify, async handler';
  return 'Fastify';
}

/** The instruction counts (`instructions.results`), one row per framework. */
function instructionsRows(r: Json): Record<string, Cell>[] {
  const reference = get(r, 'instructions', 'channel') === 'reference';
  return records(get(r, 'instructions', 'results')).map((row) => ({
    framework: frameworkLabel(str(get(row, 'framework'))),
    'bare instr/req': num(get(row, 'bare')),
    'sidecar instr/req': num(get(row, 'sidecar')),
    'sidecar adds': num(get(row, 'added')),
    // Recorded since 2026-12-06: bare with a no-op subscriber on the finish channel. Part of
    // the sidecar's cost until the sidecar subscribed only while responses outlive their
    // handlers (`channel: 'reference'`), a reference figure since.
    [reference ? "Node's channel, were it subscribed" : "of which Node's channel"]: num(
      get(row, 'channelAdded'),
    ),
  }));
}

/** A partial sidecar run with only the instruction counts (`--only instructions`). */
function renderSidecarInstructions(r: Json): Rendered {
  const rows = instructionsRows(r);
  const skipped = str(get(r, 'instructions', 'skipped'));
  return {
    tables: rows.length > 0 ? [{ title: instructionsTitle(r), rows }] : [],
    targets: [],
    notes: [
      'Written by `--only instructions`: the instruction counts of the sidecar benchmark run on their own. Instructions are not time; the interleaved measurement judges throughput.',
      ...(skipped === undefined ? [] : [`Skipped: ${skipped}.`]),
    ],
  };
}

/** The overload targets, judged on the `sidecar` row of the overload table. */
function overloadTargets(overload: Record<string, Cell>[]): TargetRow[] {
  const sidecar = overload.find((row) => row.variant === 'sidecar');
  if (!sidecar) return [];
  const p99 = sidecar['p99 / unloaded p99'];
  const goodput = sidecar['goodput / capacity'];
  return [
    {
      target: 'overload at 3× capacity: admitted p99 ≤ 3× unloaded p99',
      measured: `${fmt(typeof p99 === 'number' ? p99 : undefined)}×`,
      met: typeof p99 === 'number' ? p99 <= 3 : undefined,
    },
    {
      target: 'overload at 3× capacity: goodput ≥ 0.85 of capacity',
      measured: fmt(typeof goodput === 'number' ? goodput : undefined),
      met: typeof goodput === 'number' ? goodput >= 0.85 : undefined,
    },
  ];
}

/** A partial sidecar run with only the overload measurement (`--only overload`). */
function renderSidecarOverload(r: Json): Rendered {
  const overload = flatRows(get(r, 'overload', 'rows'));
  return {
    tables: [{ title: 'Overload', rows: overload }],
    targets: overloadTargets(overload),
    notes: [
      `Written by \`--only overload\`: the overload part of the sidecar benchmark run on its own (capacity ${fmt(num(get(r, 'overload', 'capacityRps')))} req/s, offered ${fmt(num(get(r, 'overload', 'offeredRps')))} req/s). The full run (\`sidecar\` above) holds the other parts.`,
    ],
  };
}

/**
 * A partial sidecar run with only the overhead measurements (`--only overhead`: hot path, one
 * process per run, the same-process comparisons and, in files written since it was added, the
 * interleaved one with the bare server in a process of its own), drawn as the full run's are.
 */
function renderSidecarOverhead(r: Json): Rendered {
  const full = renderSidecar(r, {
    sameProcess: 'sidecar-overhead-same-process.svg',
    interleaved: 'sidecar-overhead-interleaved.svg',
    apart: 'sidecar-overhead-interleaved-apart.svg',
  });
  // Files written before the separate-process interleaved part existed do not hold it.
  const parts =
    get(r, 'overheadInterleavedApart') === undefined
      ? 'one process per run, and the same-process comparisons'
      : 'one process per run, the same-process comparisons, and the interleaved comparison with the bare server in a process of its own';
  return {
    ...full,
    notes: [
      `Written by \`--only overhead\`: the overhead parts of the sidecar benchmark run on their own (${fmt(num(get(r, 'overheadRounds')))} rounds of ${fmt(num(get(r, 'overheadDurationS')))} s, ${parts}). The full run (\`sidecar\` above) holds the overload part.`,
      ...(full.notes ?? []),
    ],
  };
}

/**
 * A partial sidecar run with only one interleaved measurement (`--only interleaved`, or
 * `--only interleaved-apart` with `key` `overheadInterleavedApart`).
 */
function renderSidecarInterleaved(
  r: Json,
  key: 'overheadInterleaved' | 'overheadInterleavedApart' = 'overheadInterleaved',
): Rendered {
  const apart = key === 'overheadInterleavedApart';
  const parts = interleavedParts(
    r,
    apart ? 'sidecar-interleaved-apart.svg' : 'sidecar-interleaved.svg',
    key,
  );
  return {
    tables: [{ title: parts.title, rows: parts.rows }],
    targets: parts.targets,
    notes: [
      `Written by \`--only ${apart ? 'interleaved-apart' : 'interleaved'}\`: that interleaved part of the sidecar benchmark run on its own. The full run (\`sidecar\` above) holds the other parts.`,
    ],
    figures: parts.figures,
  };
}

/** The same-process pair ratios, one dot per pair, against the target and bare. */
function sameProcessFigure(r: Json, file: string): Figure[] {
  const cases = records(get(r, 'overheadSameProcess', 'cases'));
  if (cases.length === 0) return [];
  const segmentS = num(get(r, 'overheadSameProcess', 'shape', 'segmentS'));
  const svg = ratioStripSvg(
    cases,
    (c) =>
      records(get(c, 'segments')).flatMap((seg) => {
        const [v, b] = [num(seg.variantRps), num(seg.bareRps)];
        return v === undefined || b === undefined || b === 0 ? [] : [v / b];
      }),
    {
      title: `Same process: req/s vs bare, one dot per pair${segmentS === undefined ? '' : ` of ${segmentS} s segments`}`,
      xLabel: 'variant req/s ÷ bare req/s (bar: geometric mean with its 95 % interval)',
      domain: [0.7, 1.3],
    },
  );
  return [
    {
      file,
      alt: 'Same-process overhead: each pair ratio per variant, with geometric means and 95 % intervals',
      svg,
    },
  ];
}

function renderLoop(r: Json): Rendered {
  const stages = rec(get(r, 'stages'));
  const demo = get(r, 'demo');
  const faults = flatRows(get(demo, 'faults'));
  const tables: Rendered['tables'] = [
    {
      rows: [
        {
          series: num(get(r, 'series')),
          'samples per series': num(get(r, 'samplesPerSeries')),
          samples: num(get(r, 'samples')),
          seconds: num(get(r, 'seconds')),
          'samples/s': num(get(r, 'samplesPerSecond')),
        },
      ],
    },
    {
      title: 'What came out of each stage',
      rows: Object.entries(stages).map(([stage, count]) => ({ stage, count: num(count) })),
    },
  ];
  const notes: string[] = [];
  if (faults.length > 0) {
    tables.push({ title: "The demo's faults (its last run)", rows: faults });
    const writtenAt = str(get(demo, 'writtenAt'));
    if (writtenAt) {
      notes.push(
        `The demo figures come from its run of ${writtenAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} (\`pnpm demo\`), read by the benchmark.`,
      );
    }
    const spurious = num(get(demo, 'spurious'));
    const anomaliesFired = num(get(demo, 'anomalies'));
    if (anomaliesFired !== undefined) {
      notes.push(
        `Anomalies in the demo: ${fmt(anomaliesFired)}, of which ${fmt(spurious)} with no fault injected.`,
      );
    }
  } else if (str(get(demo, 'note'))) {
    notes.push(`Demo times: ${str(get(demo, 'note')) ?? ''}.`);
  }
  const faultTargets: TargetRow[] = faults
    .filter((f) => typeof f.expected === 'string' && typeof f.outcome === 'string')
    .map((f) => ({
      target: `${String(f.fault)}: ${String(f.expected)}`,
      measured: String(f.outcome),
      met: f.expected === f.outcome,
    }));
  return { tables, targets: faultTargets, notes };
}

/** Rows of an array of flat objects, keeping only scalar cells. */
function flatRows(value: Json): Record<string, Cell>[] {
  return records(value).map((o) => {
    const row: Record<string, Cell> = {};
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') row[k] = v;
    }
    return row;
  });
}

/** For benchmarks this page does not know yet: scalar figures and any recorded targets. */
function renderGeneric(r: Json): Rendered {
  const scalars = Object.entries(rec(r))
    .filter(([, v]) => typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string')
    .map(([k, v]) => ({ figure: k, value: v as Cell }));
  const targets = recordedTargets(r);
  const target = get(r, 'target');
  if (isRecord(target) && typeof target.met === 'boolean') {
    targets.push({ target: JSON.stringify(target), measured: '', met: target.met });
  }
  return { tables: scalars.length > 0 ? [{ rows: scalars }] : [], targets };
}

/** Where the sidecar benchmark's parts run alone are discussed: the current page and the history. */
const sidecarPartPages = ['docs/benchmarks/sidecar.md', 'docs/benchmarks/sidecar-history.md'];

const known: Record<string, Known> = {
  keyed: {
    what: "Samples per second through core's `keyed` (bounded per-series state) over 10,000 series, against RxJS `groupBy` + `scan`.",
    command: 'pnpm bench:keyed',
    render: renderKeyed,
    pages: [],
  },
  nab: {
    what: 'Numenta Anomaly Benchmark scores (three cost profiles) and points per second of the detectors of `@homeostat/detectors`.',
    command: 'pnpm bench:nab',
    render: renderNab,
    pages: ['docs/benchmarks/nab.md', 'docs/packages/detectors.md'],
  },
  m4: {
    what: 'M4 Hourly forecast accuracy (sMAPE, MASE, OWA, interval coverage) and fitting time of the forecasters of `@homeostat/predictors`.',
    command: 'pnpm bench:m4',
    render: renderM4,
    pages: ['docs/benchmarks/m4.md', 'docs/packages/predictors.md'],
  },
  'm4-tf': {
    what: 'The M4 Hourly run with the TensorFlow.js GRU of `@homeostat/predictors/tf`, on a subset of series.',
    command: 'pnpm bench:m4 --tf --series 12 --models gru,auto,snaive',
    render: renderM4,
    pages: ['docs/benchmarks/m4.md', 'docs/packages/predictors.md'],
  },
  'circuit-breaker': {
    what: 'Nanoseconds per protected call, per failed call and heap kept by `@homeostat/circuit-breaker`, against a bare call, opossum and cockatiel.',
    command: 'pnpm --filter @homeostat-bench/circuit-breaker bench',
    render: renderCircuitBreaker,
    pages: ['docs/benchmarks/circuit-breaker.md', 'docs/packages/circuit-breaker.md'],
  },
  'decision-engine': {
    what: 'Decisions per second and latency percentiles of `@homeostat/decision-engine` with 10 to 1,000 policies.',
    command: 'pnpm --filter @homeostat-bench/decision-engine bench',
    render: renderDecisionEngine,
    pages: ['docs/benchmarks/decision-engine.md', 'docs/packages/decision-engine.md'],
  },
  runbooks: {
    what: 'Executor overhead per run and per step, and runs per second, of `@homeostat/runbooks` with in-memory and file audit logs.',
    command: 'pnpm --filter @homeostat-bench/runbooks bench',
    render: renderRunbooks,
    pages: ['docs/benchmarks/runbooks.md', 'docs/packages/runbooks.md'],
  },
  rca: {
    what: 'Root-cause accuracy (AC@1, AC@3, Avg@5) and time per case of `@homeostat/knowledge-graph` on simulated faults, 10 to 10,000 services.',
    command: 'pnpm --filter @homeostat-bench/rca bench',
    render: renderRca,
    pages: ['docs/benchmarks/rca.md', 'docs/packages/knowledge-graph.md'],
  },
  sidecar: {
    what: 'Request overhead of `@homeostat/sidecar` on node:http, Express and Fastify, and its behaviour under 3× overload.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench',
    render: renderSidecar,
    pages: ['docs/benchmarks/sidecar.md', 'docs/packages/sidecar.md'],
  },
  'sidecar-interleaved': {
    what: 'The sidecar benchmark’s interleaved overhead measurement run on its own: 2xx req/s of each variant against a bare server in the same process, the load switched between them every 50 ms.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench --only interleaved',
    render: renderSidecarInterleaved,
    pages: sidecarPartPages,
  },
  'sidecar-interleaved-apart': {
    what: 'The sidecar benchmark’s interleaved overhead measurement with bare and variant each in a process of its own, run on its own: 2xx req/s of each variant against a bare server, the load switched between them every 50 ms.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench --only interleaved-apart',
    render: (r) => renderSidecarInterleaved(r, 'overheadInterleavedApart'),
    pages: sidecarPartPages,
  },
  'sidecar-overhead': {
    what: 'The sidecar benchmark’s overhead measurements run on their own: req/s, p99 and CPU per request of each variant against a bare server, one process per run and in one process.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench --only overhead',
    render: renderSidecarOverhead,
    pages: sidecarPartPages,
  },
  'sidecar-overload': {
    what: 'The sidecar benchmark’s overload measurement run on its own: a 5 ms CPU handler offered three times its capacity, with and without the sidecar.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench --only overload',
    render: renderSidecarOverload,
    pages: sidecarPartPages,
  },
  'sidecar-instructions': {
    what: 'The sidecar benchmark’s instruction counts run on their own: instructions per request of a hello-world node:http and Fastify server, bare and with the sidecar, counted by valgrind.',
    command: 'pnpm --filter @homeostat-bench/sidecar bench --only instructions',
    render: renderSidecarInstructions,
    pages: sidecarPartPages,
  },
  loop: {
    what: 'The whole loop: samples per second through detect → incidents → decide over 10,000 series, and the demo’s times to detect and heal.',
    command: 'pnpm --filter @homeostat-bench/loop bench',
    render: renderLoop,
    pages: ['docs/benchmarks/loop.md', 'examples/demo/README.md'],
  },
};

/** Benchmark names: every benchmark folder and every full results file. */
function benchmarkNames(): string[] {
  const names = new Set<string>();
  const benchDir = dirname(resultsDir);
  for (const entry of existsSync(benchDir) ? readdirSync(benchDir) : []) {
    if (entry === 'common' || entry === basename(resultsDir) || entry.startsWith('.')) continue;
    if (statSync(join(benchDir, entry)).isDirectory()) names.add(entry);
  }
  if (existsSync(resultsDir)) {
    for (const file of readdirSync(resultsDir)) {
      if (file.endsWith('.json') && !file.endsWith('.smoke.json')) names.add(file.slice(0, -5));
    }
  }
  // Known order first, then any other benchmark alphabetically.
  const order = Object.keys(known);
  return [...names].sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || a.localeCompare(b);
  });
}

function machineLine(data: Json): string {
  const m = get(data, 'machine');
  const parts = [
    str(get(m, 'node')) && `Node ${str(get(m, 'node'))}`,
    str(get(m, 'platform')),
    num(get(m, 'cpus')) !== undefined &&
      `${fmt(num(get(m, 'cpus')))} CPUs (${str(get(m, 'cpuModel')) ?? '?'})`,
    num(get(m, 'memoryGiB')) !== undefined && `${fmt(num(get(m, 'memoryGiB')))} GiB`,
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return parts.join(', ');
}

function section(name: string): { summary: Record<string, Cell>; body: string; figures: Figure[] } {
  const info = known[name];
  const file = join(resultsDir, `${name}.json`);
  const lines: string[] = [`## ${name}`, ''];
  lines.push(
    info?.what ??
      'A benchmark this page does not describe yet: its scalar figures are listed as written.',
  );
  lines.push('');
  if (info)
    lines.push(
      `Run: \`${info.command}\` (full). Results: \`benchmarks/results/${name}.json\`.`,
      '',
    );
  const pages = (info?.pages ?? []).filter((p) => existsSync(join(repoRoot, p)));
  const linkList = pages.map(
    (p) => `[${p.replace(/^docs\//, '').replace(/\.md$/, '')}](${relative('docs', p)})`,
  );
  if (linkList.length > 0) lines.push(`Details: ${linkList.join(', ')}.`, '');
  const summary: Record<string, Cell> = { benchmark: `[${name}](#${name})` };

  if (!existsSync(file)) {
    lines.push('**Not run yet**: there is no full results file.', '');
    summary.date = 'not run yet';
    summary.targets = '';
    return { summary, body: lines.join('\n'), figures: [] };
  }
  let data: Json;
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (err) {
    lines.push(`**Unreadable results file**: ${(err as Error).message}`, '');
    summary.date = 'unreadable';
    summary.targets = '';
    return { summary, body: lines.join('\n'), figures: [] };
  }
  const date = str(get(data, 'date')) ?? 'unknown date';
  lines.push(
    `Measured ${date.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} on ${machineLine(data) || 'an unrecorded machine'}.`,
    '',
  );
  const results = get(data, 'results');
  let rendered: Rendered;
  try {
    rendered = (info?.render ?? renderGeneric)(results);
  } catch (err) {
    rendered = {
      tables: [],
      targets: [],
      notes: [`Could not read the figures: ${(err as Error).message}`],
    };
  }
  if (rendered.targets.length > 0) {
    lines.push(
      markdownTable(
        rendered.targets.map((t) => ({
          target: t.target,
          measured: t.measured,
          result: metCell(t.met),
        })),
      ),
      '',
    );
  }
  for (const table of rendered.tables) {
    if (table.rows.length === 0) continue;
    if (table.title) lines.push(`**${table.title}**`, '');
    lines.push(markdownTable(table.rows), '');
  }
  for (const figure of rendered.figures ?? []) {
    lines.push(`![${figure.alt}](benchmarks/${figure.file})`, '');
  }
  for (const note of rendered.notes ?? []) lines.push(note, '');
  const met = rendered.targets.filter((t) => t.met === true).length;
  const missed = rendered.targets.filter((t) => t.met === false).length;
  summary.date = date.slice(0, 10);
  summary.targets = rendered.targets.length === 0 ? 'none set' : `${met} met, ${missed} missed`;
  return { summary, body: lines.join('\n'), figures: rendered.figures ?? [] };
}

async function generate(): Promise<{ md: string; figures: Figure[] }> {
  const sections = benchmarkNames().map(section);
  const head = [
    '# Benchmarks',
    '',
    '<!-- Generated by scripts/bench-docs.ts from benchmarks/results/*.json. Do not edit by hand:',
    '     run `tsx scripts/bench-docs.ts` after a benchmark run. -->',
    '',
    'Every benchmark lives in `benchmarks/<name>`, prints a table and writes',
    '`benchmarks/results/<name>.json` with the date and the machine it ran on. `pnpm bench` runs',
    'them all in full; `pnpm bench:smoke` runs each on a small input, as CI does (smoke results are',
    'not shown here, and no timing is asserted in any test). The machine behind these figures is',
    'small and shared with other work, so timings are medians over rounds and are best read as',
    'ratios against the baseline measured in the same run.',
    '',
    markdownTable(sections.map((s) => s.summary)),
    '',
  ];
  const md = [...head, ...sections.map((s) => s.body)].join('\n');
  const config = (await prettier.resolveConfig(outFile)) ?? {};
  return {
    md: await prettier.format(md, { ...config, parser: 'markdown', filepath: outFile }),
    figures: sections.flatMap((s) => s.figures),
  };
}

/** Where a figure is written: beside the page, under `benchmarks/`. */
const figurePath = (figure: Figure): string => join(dirname(outFile), 'benchmarks', figure.file);

async function main(): Promise<void> {
  const { md, figures } = await generate();
  const outputs: [string, string][] = [
    [outFile, md],
    ...figures.map((f): [string, string] => [figurePath(f), f.svg]),
  ];
  if (args.check) {
    const stale = outputs.filter(
      ([file, content]) => !existsSync(file) || readFileSync(file, 'utf8') !== content,
    );
    if (stale.length > 0) {
      console.error(
        `${stale.map(([file]) => relative(repoRoot, file)).join(', ')} out of date with ${relative(repoRoot, resultsDir)}/*.json: run \`tsx scripts/bench-docs.ts\`.`,
      );
      process.exitCode = 1;
      return;
    }
    console.log(`${outputs.map(([file]) => relative(repoRoot, file)).join(', ')} up to date.`);
    return;
  }
  for (const [file, content] of outputs) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    console.log(`wrote ${relative(repoRoot, file)}`);
  }
}

await main();
