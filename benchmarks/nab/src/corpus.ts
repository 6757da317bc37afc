/**
 * Reading a NAB-style folder: `data/CATEGORY/FILE.csv` (`timestamp,value`), `combined_windows.json`,
 * `profiles.json`, and result files `DETECTOR/CATEGORY/DETECTOR_FILE.csv`
 * (`timestamp,value,anomaly_score`).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CostMatrix, Profiles } from './scorer.js';

/** One data file: its rows as read (timestamps kept verbatim) and parsed. */
export interface DataFile {
  /** `CATEGORY/FILE.csv`, the key used by `combined_windows.json`. */
  readonly key: string;
  readonly category: string;
  /** File name without the `.csv` extension. */
  readonly name: string;
  /** Timestamps exactly as they appear in the file. */
  readonly rawTimes: readonly string[];
  /** Values exactly as they appear in the file (written back unchanged). */
  readonly rawValues: readonly string[];
  /** Timestamps in epoch ms (NaN where unparsable). */
  readonly times: Float64Array;
  /** Values as numbers (NaN where unparsable). */
  readonly values: Float64Array;
}

const TIME_RE =
  /^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z)?\s*$/;

/**
 * Parses a NAB timestamp (`YYYY-MM-DD HH:MM:SS[.ffffff]`, read as UTC) to epoch ms. Other forms
 * go through `Date.parse`; NaN when nothing parses.
 */
export function parseTimestamp(s: string): number {
  const m = TIME_RE.exec(s);
  if (m) {
    const frac = m[7] ?? '';
    const ms =
      frac === '' ? 0 : Number((frac + '000').slice(0, 3)) + Number('0.' + frac.slice(3) || '0');
    return (
      Date.UTC(
        Number(m[1]),
        Number(m[2]) - 1,
        Number(m[3]),
        Number(m[4] ?? 0),
        Number(m[5] ?? 0),
        Number(m[6] ?? 0),
        0,
      ) + ms
    );
  }
  return Date.parse(s);
}

/** Splits CSV text into rows of cells (no quoting: NAB files have none). */
function csvRows(text: string): string[][] {
  const lines = text.split(/\r?\n/);
  const rows: string[][] = [];
  for (const line of lines) if (line.trim() !== '') rows.push(line.split(','));
  return rows;
}

/** Reads one `timestamp,value[,...]` file; throws a clear error on a missing column. */
export function readDataFile(path: string, key: string): DataFile {
  const rows = csvRows(readFileSync(path, 'utf8'));
  const header = (rows[0] ?? []).map((h) => h.trim());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) {
    throw new Error(
      `${path}: expected a header with "timestamp" and "value", got "${header.join(',')}"`,
    );
  }
  const n = rows.length - 1;
  const rawTimes: string[] = [];
  const rawValues: string[] = [];
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i + 1]!;
    const t = row[ti] ?? '';
    const v = row[vi] ?? '';
    rawTimes.push(t);
    rawValues.push(v);
    times[i] = parseTimestamp(t);
    values[i] = v.trim() === '' ? Number.NaN : Number(v);
  }
  const [category = '', file = ''] = key.split('/');
  return { key, category, name: file.replace(/\.csv$/, ''), rawTimes, rawValues, times, values };
}

/** Every `DIR/data/CATEGORY/FILE.csv`, sorted by key. */
export function listDataFiles(dir: string): string[] {
  const dataDir = join(dir, 'data');
  if (!existsSync(dataDir))
    throw new Error(`${dataDir} does not exist (expected DIR/data/CATEGORY/FILE.csv)`);
  const keys: string[] = [];
  for (const category of readdirSync(dataDir).sort()) {
    const cdir = join(dataDir, category);
    if (!statSync(cdir).isDirectory()) continue;
    for (const f of readdirSync(cdir).sort()) if (f.endsWith('.csv')) keys.push(`${category}/${f}`);
  }
  return keys;
}

/** Reads `combined_windows.json`: key → windows in epoch ms. */
export function readWindows(path: string): Map<string, [number, number][]> {
  const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (typeof json !== 'object' || json === null) throw new Error(`${path}: expected an object`);
  const out = new Map<string, [number, number][]>();
  for (const [key, ws] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(ws)) throw new Error(`${path}: "${key}" is not a list of windows`);
    out.set(
      key,
      ws.map((w: unknown, i) => {
        if (
          !Array.isArray(w) ||
          w.length !== 2 ||
          typeof w[0] !== 'string' ||
          typeof w[1] !== 'string'
        ) {
          throw new Error(`${path}: "${key}"[${i}] is not a [start, end] pair of timestamps`);
        }
        const a = parseTimestamp(w[0]);
        const b = parseTimestamp(w[1]);
        if (Number.isNaN(a) || Number.isNaN(b))
          throw new Error(`${path}: "${key}"[${i}] has an unparsable timestamp`);
        return [a, b] as [number, number];
      }),
    );
  }
  return out;
}

/** The standard NAB v1.1 cost matrices, used when a folder has no `profiles.json`. */
export const DEFAULT_PROFILES: Profiles = {
  standard: { tpWeight: 1, fnWeight: 1, fpWeight: 0.11, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fnWeight: 1, fpWeight: 0.22, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fnWeight: 2, fpWeight: 0.11, tnWeight: 1 },
};

/** Reads `profiles.json` (`{ name: { CostMatrix: {...} } }`). */
export function readProfiles(path: string): Profiles {
  const json = JSON.parse(readFileSync(path, 'utf8')) as Record<
    string,
    { CostMatrix?: Partial<CostMatrix> }
  >;
  const out: Record<string, CostMatrix> = {};
  for (const [name, p] of Object.entries(json)) {
    const c = p.CostMatrix;
    if (
      !c ||
      typeof c.tpWeight !== 'number' ||
      typeof c.fpWeight !== 'number' ||
      typeof c.fnWeight !== 'number'
    ) {
      throw new Error(
        `${path}: profile "${name}" needs CostMatrix.tpWeight, fpWeight and fnWeight`,
      );
    }
    out[name] = {
      tpWeight: c.tpWeight,
      fpWeight: c.fpWeight,
      fnWeight: c.fnWeight,
      tnWeight: c.tnWeight ?? 1,
    };
  }
  return out;
}

/** Reads a result file's `anomaly_score` column. */
export function readScores(path: string): Float64Array {
  const rows = csvRows(readFileSync(path, 'utf8'));
  const header = (rows[0] ?? []).map((h) => h.trim());
  const si = header.indexOf('anomaly_score');
  if (si < 0) throw new Error(`${path}: no "anomaly_score" column`);
  const out = new Float64Array(rows.length - 1);
  for (let i = 1; i < rows.length; i++) out[i - 1] = Number(rows[i]![si]);
  return out;
}

/** `DETECTOR/CATEGORY/DETECTOR_FILE.csv` for a data key `CATEGORY/FILE.csv`. */
export function resultPath(detector: string, key: string): string {
  const [category = '', file = ''] = key.split('/');
  return join(detector, category, `${detector}_${file}`);
}
