/**
 * The NAB runner as a library: runs detectors over a NAB-style folder, writes result files in
 * NAB's layout, scores them when the folder has labels, and measures throughput and memory.
 * `main.ts` is the command line over this.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Detector } from '@homeostat/detectors';
import { median, nowNs, progress } from '@homeostat-bench/common';
import {
  DEFAULT_PROFILES,
  listDataFiles,
  readDataFile,
  readProfiles,
  readScores,
  readWindows,
  resultPath,
  type DataFile,
} from './corpus.js';
import {
  normalizeScore,
  nullScore,
  optimizeThreshold,
  perfectScore,
  scoreAtThreshold,
  sweepFile,
  type CostMatrix,
  type Profiles,
  type SweptFile,
} from './scorer.js';

/** Makes a fresh detector for one series (may be async, e.g. to load TensorFlow.js). */
export type DetectorFactory = () => Detector | Promise<Detector>;

/** A detector as the runner knows it. */
export interface RunnerDetector {
  /** The NAME used in result paths. */
  readonly name: string;
  readonly create: DetectorFactory;
  /** Threshold to report the fixed-threshold score at. */
  readonly threshold: number;
}

/**
 * The order in which a file's rows are fed to a detector: the file order when its timestamps
 * never go backwards (the usual case), else a stable sort by time with unparsable times last.
 */
export function timeOrder(times: ArrayLike<number>): Uint32Array {
  const n = times.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (times[i]! < times[i - 1]!) sorted = false;
  let hasNaN = false;
  for (let i = 0; i < n && !hasNaN; i++) if (Number.isNaN(times[i]!)) hasNaN = true;
  if (sorted && !hasNaN) return order;
  const key = (i: number): number =>
    Number.isNaN(times[i]!) ? Number.POSITIVE_INFINITY : times[i]!;
  return order.sort((a, b) => key(a) - key(b) || a - b);
}

/** Scores of one series, with the time spent in `update` alone. */
export interface SeriesRun {
  /** One score per input row, in input row order. */
  readonly scores: Float64Array;
  /** Nanoseconds spent inside `update` calls (plain API only). */
  readonly updateNs: number;
  /** Length of `JSON.stringify(detector.toJSON())` after the series: state size in bytes. */
  readonly stateBytes: number;
}

/**
 * Runs a fresh detector over one series in time order. Scores are returned in input row order;
 * a non-finite or out-of-range score is a bug in the detector and throws.
 */
export async function runSeries(
  create: DetectorFactory,
  times: ArrayLike<number>,
  values: ArrayLike<number>,
): Promise<SeriesRun> {
  const detector = await create();
  const order = timeOrder(times);
  const n = order.length;
  const sortedScores = new Float64Array(n);
  const t0 = nowNs();
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    sortedScores[k] = detector.update(values[i]!, times[i]!);
  }
  const updateNs = nowNs() - t0;
  const scores = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const s = sortedScores[k]!;
    if (!(s >= 0 && s <= 1)) {
      throw new RangeError(`${detector.name}: score ${s} at row ${order[k]! + 2} is not in [0, 1]`);
    }
    scores[order[k]!] = s;
  }
  let stateBytes = Number.NaN;
  try {
    stateBytes = JSON.stringify(detector.toJSON()).length;
  } catch {
    // Some states (e.g. model weights) need not be JSON-sized; leave NaN.
  }
  return { scores, updateNs, stateBytes };
}

/** Writes `OUTDIR/NAME/CATEGORY/NAME_FILE.csv`: `timestamp,value,anomaly_score`, rows as read. */
export function writeResultFile(
  outDir: string,
  file: DataFile,
  result: { readonly detector: string; readonly scores: ArrayLike<number> },
): string {
  const { detector, scores } = result;
  const path = join(outDir, resultPath(detector, file.key));
  mkdirSync(dirname(path), { recursive: true });
  const lines = ['timestamp,value,anomaly_score'];
  for (let i = 0; i < file.rawTimes.length; i++) {
    lines.push(`${file.rawTimes[i]!},${file.rawValues[i]!},${scores[i]!}`);
  }
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

/** Picks `limit` files round-robin across categories, so a small subset still spans them. */
export function spreadFiles(keys: readonly string[], limit: number): string[] {
  if (limit >= keys.length) return [...keys];
  const byCategory = new Map<string, string[]>();
  for (const k of keys) {
    const c = k.split('/')[0] ?? '';
    const list = byCategory.get(c) ?? [];
    list.push(k);
    byCategory.set(c, list);
  }
  const lists = [...byCategory.values()];
  const out: string[] = [];
  for (let round = 0; out.length < limit; round++) {
    let took = false;
    for (const list of lists) {
      const k = list[round];
      if (k !== undefined && out.length < limit) {
        out.push(k);
        took = true;
      }
    }
    if (!took) break;
  }
  return out.sort();
}

/** One profile's figures for one detector. */
export interface ProfileFigures {
  /** Threshold optimised over the corpus as NAB does. */
  readonly threshold: number;
  readonly score: number;
  readonly raw: number;
  readonly tp: number;
  readonly fn: number;
  readonly fp: number;
  /** The same at the detector's fixed default threshold. */
  readonly atDefault: {
    readonly threshold: number;
    readonly score: number;
    readonly raw: number;
    readonly tp: number;
    readonly fn: number;
    readonly fp: number;
  };
}

/** Standard-profile figures of one category. */
export interface CategoryFigures {
  readonly category: string;
  readonly files: number;
  readonly windows: number;
  /** Raw score at the corpus-optimised threshold. */
  readonly raw: number;
  /** Normalised within the category at the corpus-optimised threshold (null without windows). */
  readonly score: number | null;
  /** False positives at the corpus-optimised threshold. */
  readonly fp: number;
  /** Threshold optimised on every other category (leave-one-category-out). */
  readonly locoThreshold: number;
  /** Raw score of this category at the leave-one-category-out threshold. */
  readonly locoRaw: number;
  /** Normalised within the category at the leave-one-category-out threshold (null without windows). */
  readonly locoScore: number | null;
}

/** Everything measured for one detector. */
export interface DetectorResult {
  readonly detector: string;
  readonly files: number;
  readonly points: number;
  /** Plain-API points per second (median over repeats), update calls only. */
  readonly pointsPerSecond: number;
  /** Seconds inside update calls per pass over the files (median over repeats). */
  readonly updateSeconds: number;
  readonly repeats: number;
  /** `JSON.stringify(toJSON())` size after a series: median and max over files, bytes. */
  readonly stateBytesMedian: number;
  readonly stateBytesMax: number;
  /** Present when the folder has `combined_windows.json`. */
  readonly profiles?: Readonly<Record<string, ProfileFigures>>;
  readonly categories?: readonly CategoryFigures[];
  /**
   * Standard profile, leave-one-category-out over the corpus: each category scored at the
   * threshold optimised on the others, summed, normalised with the corpus null and perfect.
   */
  readonly locoScore?: number;
  /** Files without labels in `combined_windows.json` (not scored). */
  readonly unlabelled?: readonly string[];
}

/** Options of {@link runBenchmark}. */
export interface RunOptions {
  readonly dataDir: string;
  /** Where result CSVs are written; none written when undefined. */
  readonly outDir?: string;
  readonly detectors: readonly RunnerDetector[];
  /** At most this many files (spread across categories). */
  readonly files?: number;
  /** Truncate every series to its first N rows (smoke runs). */
  readonly rows?: number;
  /** Timing passes per detector (the first pass also produces the scores). */
  readonly repeats?: number;
  /** Show progress (only drawn on an interactive terminal). */
  readonly progress?: boolean;
}

/** Scores swept files for one profile at the optimised and at a fixed threshold. */
function profileFigures(
  swept: readonly SweptFile[],
  cost: CostMatrix,
  threshold: number,
): ProfileFigures {
  const nullRaw = nullScore(swept, cost);
  const perfect = perfectScore(swept, cost);
  const best = optimizeThreshold(swept, cost);
  const fixed = scoreAtThreshold(swept, cost, threshold);
  return {
    threshold: best.threshold,
    score: normalizeScore(best.score, nullRaw, perfect),
    raw: best.score,
    tp: best.tp,
    fn: best.fn,
    fp: best.fp,
    atDefault: {
      threshold,
      score: normalizeScore(fixed.score, nullRaw, perfect),
      raw: fixed.score,
      tp: fixed.tp,
      fn: fixed.fn,
      fp: fixed.fp,
    },
  };
}

/** Per-category figures at the corpus threshold and leave-one-category-out (one profile). */
export function categoryFigures(
  swept: readonly SweptFile[],
  cost: CostMatrix,
  corpusThreshold: number,
): CategoryFigures[] {
  const categories = [...new Set(swept.map((f) => f.key.split('/')[0] ?? ''))].sort();
  return categories.map((category) => {
    const inside = swept.filter((f) => f.key.split('/')[0] === category);
    const others = swept.filter((f) => f.key.split('/')[0] !== category);
    const nullRaw = nullScore(inside, cost);
    const perfect = perfectScore(inside, cost);
    const norm = (raw: number): number | null =>
      perfect - nullRaw > 0 ? normalizeScore(raw, nullRaw, perfect) : null;
    const at = scoreAtThreshold(inside, cost, corpusThreshold);
    const locoThreshold = optimizeThreshold(others, cost).threshold;
    const loco = scoreAtThreshold(inside, cost, locoThreshold);
    return {
      category,
      files: inside.length,
      windows: inside.reduce((s, f) => s + f.windowCount, 0),
      raw: at.score,
      score: norm(at.score),
      fp: at.fp,
      locoThreshold,
      locoRaw: loco.score,
      locoScore: norm(loco.score),
    };
  });
}

/** Loads the data files of a folder (optionally a spread subset, optionally truncated). */
export function loadCorpus(
  dataDir: string,
  options: { files?: number; rows?: number } = {},
): DataFile[] {
  let keys = listDataFiles(dataDir);
  if (options.files !== undefined) keys = spreadFiles(keys, options.files);
  return keys.map((k) => {
    const f = readDataFile(join(dataDir, 'data', k), k);
    const rows = options.rows;
    if (rows === undefined || rows >= f.rawTimes.length) return f;
    return {
      ...f,
      rawTimes: f.rawTimes.slice(0, rows),
      rawValues: f.rawValues.slice(0, rows),
      times: f.times.slice(0, rows),
      values: f.values.slice(0, rows),
    };
  });
}

/** The scored part of a {@link DetectorResult}. */
export type ScoredFigures = Pick<
  DetectorResult,
  'profiles' | 'categories' | 'unlabelled' | 'locoScore'
>;

/**
 * Scores one detector's outputs (one score array per file, in file order) for every profile:
 * optimised and fixed thresholds, per category, leave-one-category-out. Files without labels
 * are listed, not scored.
 */
export function scoreDetector(
  files: readonly DataFile[],
  run: {
    readonly scores: readonly ArrayLike<number>[];
    readonly windows: ReadonlyMap<string, [number, number][]>;
    readonly profiles: Profiles;
    readonly threshold: number;
  },
): ScoredFigures {
  const { windows } = run;
  const labelled = files
    .map((f, i) => ({ f, scores: run.scores[i]! }))
    .filter(({ f }) => windows.has(f.key));
  const unlabelled = files.filter((f) => !windows.has(f.key)).map((f) => f.key);
  const figures: Record<string, ProfileFigures> = {};
  let categories: CategoryFigures[] = [];
  let locoScore = Number.NaN;
  for (const [name, cost] of Object.entries(run.profiles)) {
    const swept = labelled.map(({ f, scores }) =>
      sweepFile({ key: f.key, times: f.times, scores, windows: windows.get(f.key) ?? [] }, cost),
    );
    const fig = profileFigures(swept, cost, run.threshold);
    figures[name] = fig;
    if (name === 'standard') {
      categories = categoryFigures(swept, cost, fig.threshold);
      const raw = categories.reduce((sum, c) => sum + c.locoRaw, 0);
      locoScore = normalizeScore(raw, nullScore(swept, cost), perfectScore(swept, cost));
    }
  }
  return { profiles: figures, categories, unlabelled, locoScore };
}

/**
 * Scores result files already on disk (`RESULTS/NAME/CATEGORY/NAME_FILE.csv`, e.g. NAB's own
 * `results/` or `reference-results/`) against a labelled folder.
 */
export function scoreResultFiles(options: {
  readonly dataDir: string;
  readonly resultsDir: string;
  readonly detector: string;
  readonly threshold: number;
}): ScoredFigures {
  const files = loadCorpus(options.dataDir);
  const windows = readWindows(join(options.dataDir, 'combined_windows.json'));
  const profilesPath = join(options.dataDir, 'profiles.json');
  const profiles = existsSync(profilesPath) ? readProfiles(profilesPath) : DEFAULT_PROFILES;
  const scores = files.map((f) => {
    const path = join(options.resultsDir, resultPath(options.detector, f.key));
    const s = readScores(path);
    if (s.length !== f.values.length) {
      throw new Error(`${path}: ${s.length} rows for ${f.values.length} data rows`);
    }
    return s;
  });
  return scoreDetector(files, { scores, windows, profiles, threshold: options.threshold });
}

/**
 * Runs every detector over every file, writes result files when `outDir` is set, and scores
 * when `DIR/combined_windows.json` exists.
 */
export async function runBenchmark(options: RunOptions): Promise<DetectorResult[]> {
  const files = loadCorpus(options.dataDir, {
    ...(options.files === undefined ? {} : { files: options.files }),
    ...(options.rows === undefined ? {} : { rows: options.rows }),
  });
  const windowsPath = join(options.dataDir, 'combined_windows.json');
  const windows = existsSync(windowsPath) ? readWindows(windowsPath) : undefined;
  const profilesPath = join(options.dataDir, 'profiles.json');
  const profiles: Profiles = existsSync(profilesPath)
    ? readProfiles(profilesPath)
    : DEFAULT_PROFILES;
  const points = files.reduce((s, f) => s + f.values.length, 0);
  const repeats = Math.max(1, options.repeats ?? 1);

  const results: DetectorResult[] = [];
  for (const det of options.detectors) {
    const bar = options.progress ? progress(`${det.name}`, files.length * repeats) : undefined;
    const allScores: Float64Array[] = [];
    const stateBytes: number[] = [];
    const passNs: number[] = [];
    for (let r = 0; r < repeats; r++) {
      let ns = 0;
      for (const f of files) {
        const run = await runSeries(det.create, f.times, f.values);
        ns += run.updateNs;
        if (r === 0) {
          allScores.push(run.scores);
          if (Number.isFinite(run.stateBytes)) stateBytes.push(run.stateBytes);
          if (options.outDir !== undefined)
            writeResultFile(options.outDir, f, { detector: det.name, scores: run.scores });
        }
        bar?.tick();
      }
      passNs.push(ns);
    }
    bar?.done();
    const updateSeconds = median(passNs) / 1e9;
    const scored = windows
      ? scoreDetector(files, { scores: allScores, windows, profiles, threshold: det.threshold })
      : {};
    results.push({
      detector: det.name,
      files: files.length,
      points,
      pointsPerSecond: updateSeconds > 0 ? points / updateSeconds : Number.POSITIVE_INFINITY,
      updateSeconds,
      repeats,
      stateBytesMedian: median(stateBytes),
      stateBytesMax: stateBytes.length ? Math.max(...stateBytes) : Number.NaN,
      ...scored,
    });
  }
  return results;
}

/** Runs `global.gc` when it can be exposed (it can on Node 20 via V8 flags); false otherwise. */
function collectGarbage(): boolean {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    if (typeof gc !== 'function') return false;
    // Several passes: one full collection can leave garbage that a later one frees, which would
    // show up as a negative delta.
    for (let i = 0; i < 4; i++) (gc as () => void)();
    return true;
  } catch {
    return false;
  }
}

/**
 * Approximate heap bytes per live series: `instances` detectors each fed the same `values`,
 * kept alive, heap measured after garbage collection. NaN when gc can't be forced.
 */
export async function heapPerSeries(
  create: DetectorFactory,
  values: ArrayLike<number>,
  instances = 1000,
): Promise<number> {
  const n = Math.min(values.length, 2000);
  if (!collectGarbage()) return Number.NaN;
  const before = process.memoryUsage().heapUsed;
  const keep: Detector[] = [];
  for (let k = 0; k < instances; k++) {
    const d = await create();
    for (let i = 0; i < n; i++) d.update(values[i]!, i * 300_000);
    keep.push(d);
  }
  collectGarbage();
  const after = process.memoryUsage().heapUsed;
  const perSeries = (after - before) / keep.length;
  keep.length = 0;
  return perSeries;
}
