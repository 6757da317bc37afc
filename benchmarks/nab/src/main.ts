/**
 * NAB runner and scorer.
 *
 *   pnpm bench:nab --data DIR --out OUTDIR [--detector NAME]... [--files N] [--repeats R]
 *   pnpm bench:nab --detector all          every registered detector
 *   pnpm bench:nab --detector tf-lstm --files 10
 *   pnpm bench:smoke                       (in benchmarks/nab: a few files, quiet; what CI runs)
 *
 * Reads every `DIR/data/CATEGORY/FILE.csv`, runs each detector over each file in time order (a
 * fresh detector per file) and writes `OUTDIR/NAME/CATEGORY/NAME_FILE.csv`. When
 * `DIR/combined_windows.json` exists it scores the results as NAB v1.1 does and writes
 * `benchmarks/results/nab.json`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_THRESHOLD, detectorRegistry, type Detector } from '@homeostat/detectors';
import {
  interactive,
  printTable,
  resultsDir,
  sharedDataset,
  writeResults,
} from '@homeostat-bench/common';
import {
  heapPerSeries,
  loadCorpus,
  runBenchmark,
  scoreResultFiles,
  type DetectorResult,
  type RunnerDetector,
} from './run.js';
import { operatorOverhead, type OverheadResult } from './overhead.js';

/** Detectors of `@homeostat/detectors/tf`, loaded only when asked for. */
const TF_DETECTORS = ['tf-autoencoder', 'tf-lstm'] as const;

const USAGE = `usage: pnpm bench:nab [--data DIR] [--out OUTDIR] [--detector NAME]... [--files N] [--repeats R] [--smoke]
  --data DIR        NAB-style folder with data/CATEGORY/FILE.csv (default: ../shared/datasets/nab)
  --out OUTDIR      where NAME/CATEGORY/NAME_FILE.csv are written (default: a new temp dir)
  --detector NAME   a registered detector, ${TF_DETECTORS.join(', ')}, or "all" (default: homeostat); repeatable
  --files N         at most N files, spread across categories
  --repeats R       timing passes per detector (default 3; 1 for tf detectors and smoke runs)
  --smoke           a few short files, quiet (what CI runs)
  --score RESULTS   only score existing RESULTS/NAME/CATEGORY/NAME_FILE.csv for each --detector NAME`;

/** A tf detector, imported only when asked for (the main entry never loads TensorFlow.js). */
async function tfDetector(name: (typeof TF_DETECTORS)[number]): Promise<RunnerDetector> {
  const tf = await import('@homeostat/detectors/tf');
  await tf.initTf();
  const create = (): Promise<Detector> =>
    name === 'tf-autoencoder' ? tf.createAutoencoderDetector() : tf.createLstmDetector();
  return { name, create, threshold: tf.TF_DEFAULT_THRESHOLD };
}

async function resolveDetectors(names: readonly string[]): Promise<RunnerDetector[]> {
  const out: RunnerDetector[] = [];
  const wanted = names.length ? names : ['homeostat'];
  for (const name of wanted) {
    if (name === 'all') {
      for (const [n, create] of Object.entries(detectorRegistry)) {
        if (!out.some((d) => d.name === n))
          out.push({ name: n, create, threshold: DEFAULT_THRESHOLD });
      }
      continue;
    }
    if (out.some((d) => d.name === name)) continue;
    const create = detectorRegistry[name];
    if (create) out.push({ name, create, threshold: DEFAULT_THRESHOLD });
    else if ((TF_DETECTORS as readonly string[]).includes(name)) {
      out.push(await tfDetector(name as (typeof TF_DETECTORS)[number]));
    } else {
      const known = [...Object.keys(detectorRegistry), ...TF_DETECTORS, 'all'].join(', ');
      throw new Error(`--detector ${name}: unknown detector (known: ${known})`);
    }
  }
  return out;
}

/** Relative paths are taken from where the command was typed (pnpm runs scripts at the root). */
function fromCwd(p: string): string {
  return resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${v}: expected a positive integer`);
  return n;
}

const fmt = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2);

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      data: { type: 'string' },
      out: { type: 'string' },
      detector: { type: 'string', multiple: true },
      files: { type: 'string' },
      repeats: { type: 'string' },
      score: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (args.help) {
    console.log(USAGE);
    return;
  }
  const smoke = args.smoke ?? false;
  const dataDir = args.data !== undefined ? fromCwd(args.data) : sharedDataset('nab');
  if (!existsSync(join(dataDir, 'data'))) {
    if (smoke && args.data === undefined) {
      console.log(
        `nab: skipped, ${dataDir} is absent (the development dataset lives beside the repo)`,
      );
      return;
    }
    throw new Error(
      `--data ${dataDir}: no data/ folder (expected DIR/data/CATEGORY/FILE.csv)\n${USAGE}`,
    );
  }
  if (args.score !== undefined) {
    scoreOnly(dataDir, fromCwd(args.score), args.detector ?? []);
    return;
  }
  const outDir =
    args.out !== undefined ? fromCwd(args.out) : mkdtempSync(join(tmpdir(), 'homeostat-nab-'));
  const detectors = await resolveDetectors(args.detector ?? []);
  const hasTf = detectors.some((d) => d.name.startsWith('tf-'));
  const files = positiveInt('files', args.files) ?? (smoke ? 5 : undefined);
  const repeats = positiveInt('repeats', args.repeats) ?? (smoke || hasTf ? 1 : 3);

  const results = await runBenchmark({
    dataDir,
    outDir,
    detectors,
    ...(files === undefined ? {} : { files }),
    ...(smoke ? { rows: 1500 } : {}),
    repeats,
    progress: interactive && !smoke,
  });

  // Memory and operator overhead, on the first file's values (skipped for tf: too slow).
  const sample = loadCorpus(dataDir, { files: 1 })[0]?.values ?? new Float64Array(0);
  const heap: Record<string, number> = {};
  const overhead: Record<string, OverheadResult | null> = {};
  for (const d of detectors) {
    if (d.name.startsWith('tf-')) continue;
    heap[d.name] = await heapPerSeries(d.create, sample, smoke ? 100 : 1000);
    try {
      overhead[d.name] = await operatorOverhead(d.create, { smoke });
    } catch (err) {
      // A failing operator must not cost the scores: report it and go on.
      console.warn(`operator overhead of ${d.name} not measured: ${String(err)}`);
      overhead[d.name] = null;
    }
  }

  const scored = results.filter((r) => r.profiles);
  if (scored.length) {
    printTable(
      `NAB v1.1 normalised scores (${results[0]?.files ?? 0} files; threshold optimised over the corpus, and at the default threshold)`,
      scored.map((r) => {
        const p = r.profiles!;
        const std = p.standard;
        return {
          detector: r.detector,
          standard: fmt(std?.score),
          reward_low_FP: fmt(p.reward_low_FP_rate?.score),
          reward_low_FN: fmt(p.reward_low_FN_rate?.score),
          'standard LOCO': fmt(r.locoScore),
          'opt. threshold': std ? String(Number(std.threshold.toPrecision(8))) : '–',
          'default thr.': std ? String(std.atDefault.threshold) : '–',
          'standard @default': fmt(std?.atDefault.score),
          'low_FP @default': fmt(p.reward_low_FP_rate?.atDefault.score),
          'low_FN @default': fmt(p.reward_low_FN_rate?.atDefault.score),
        };
      }),
    );
    if (!smoke) {
      for (const r of scored) {
        printTable(
          `${r.detector}: standard profile by category (at the corpus threshold, and leave-one-category-out)`,
          (r.categories ?? []).map((c) => ({
            category: c.category,
            files: c.files,
            windows: c.windows,
            score: fmt(c.score),
            raw: c.raw.toFixed(2),
            fp: c.fp,
            'LOCO threshold': String(Number(c.locoThreshold.toPrecision(8))),
            'LOCO score': fmt(c.locoScore),
          })),
        );
      }
    }
  }
  printTable(
    'Speed and memory (plain API, update calls only; memory per series)',
    results.map((r) => ({
      detector: r.detector,
      points: r.points,
      'update s': r.updateSeconds.toFixed(4),
      'points/s': Math.round(r.pointsPerSecond),
      'toJSON bytes (median)': r.stateBytesMedian,
      'toJSON bytes (max)': r.stateBytesMax,
      'heap bytes/series': Number.isFinite(heap[r.detector] ?? Number.NaN)
        ? Math.round(heap[r.detector]!)
        : '–',
      'operator/plain': overhead[r.detector] ? overhead[r.detector]!.ratio.toFixed(2) : '–',
    })),
  );
  if (smoke && args.out === undefined) rmSync(outDir, { recursive: true, force: true });
  else console.log(`\nresult files: ${outDir}`);

  if (scored.length || smoke) {
    const detectorsOut: Record<string, unknown> = smoke ? {} : previousDetectors(dataDir, results);
    for (const r of results) {
      detectorsOut[r.detector] = {
        ...r,
        heapBytesPerSeries: heap[r.detector] ?? null,
        operatorOverhead: overhead[r.detector] ?? null,
      };
    }
    const path = writeResults(
      'nab',
      {
        data: dataDir,
        files: results[0]?.files ?? 0,
        points: results[0]?.points ?? 0,
        defaultThreshold: DEFAULT_THRESHOLD,
        detectors: detectorsOut,
      },
      { smoke },
    );
    console.log(`results: ${path}`);
  }
}

/** `--score RESULTS`: scores result files already on disk, one table row per detector name. */
function scoreOnly(dataDir: string, resultsDir: string, names: readonly string[]): void {
  if (!existsSync(join(dataDir, 'combined_windows.json'))) {
    throw new Error(`--score needs labels: ${join(dataDir, 'combined_windows.json')} is absent`);
  }
  if (names.length === 0) throw new Error('--score needs at least one --detector NAME');
  printTable(
    `NAB v1.1 normalised scores of the result files in ${resultsDir}`,
    names.map((name) => {
      const r = scoreResultFiles({
        dataDir,
        resultsDir,
        detector: name,
        threshold: DEFAULT_THRESHOLD,
      });
      const p = r.profiles ?? {};
      return {
        detector: name,
        standard: fmt(p.standard?.score),
        reward_low_FP: fmt(p.reward_low_FP_rate?.score),
        reward_low_FN: fmt(p.reward_low_FN_rate?.score),
        'standard LOCO': fmt(r.locoScore),
        'opt. threshold': p.standard ? String(Number(p.standard.threshold.toPrecision(8))) : '–',
      };
    }),
  );
}

/** Detectors of an earlier full run on the same files, kept so runs of single detectors add up. */
function previousDetectors(
  dataDir: string,
  results: readonly DetectorResult[],
): Record<string, unknown> {
  const path = join(resultsDir, 'nab.json');
  if (!existsSync(path)) return {};
  try {
    const prev = JSON.parse(readFileSync(path, 'utf8')) as {
      results?: { data?: string; files?: number; detectors?: Record<string, unknown> };
    };
    const r = prev.results;
    if (r?.data !== dataDir || r.files !== results[0]?.files) return {};
    return { ...(r.detectors ?? {}) };
  } catch {
    return {};
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
