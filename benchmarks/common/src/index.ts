/**
 * Shared plumbing for the benchmarks: where results go, tables, progress that shows on a
 * terminal and stays quiet in CI, and robust statistics for timings on a shared machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

/** The repository root (benchmarks/common/src → ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** `benchmarks/results` in the repository. */
export const resultsDir = join(repoRoot, 'benchmarks', 'results');

/** `../shared/datasets/NAME` beside the repository, where the development datasets live. */
export function sharedDataset(name: string): string {
  return resolve(repoRoot, '..', 'shared', 'datasets', name);
}

/** True on an interactive terminal outside CI: only then is progress drawn. */
export const interactive = Boolean(process.stdout.isTTY) && !process.env.CI;

/**
 * A progress line for long runs: redrawn in place on a terminal, silent in CI and in pipes.
 */
export function progress(label: string, total: number): { tick(n?: number): void; done(): void } {
  let done = 0;
  let last = 0;
  const draw = (): void => {
    if (!interactive) return;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    process.stdout.write(`\r${label}: ${done}/${total} (${pct}%)   `);
  };
  return {
    tick(n = 1) {
      done += n;
      const now = Date.now();
      if (now - last > 100) {
        last = now;
        draw();
      }
    },
    done() {
      done = total;
      draw();
      if (interactive) process.stdout.write('\n');
    },
  };
}

/** Prints rows as an aligned text table (columns from the first row's keys). */
export function printTable(title: string, rows: readonly Record<string, unknown>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) {
    console.log('(no rows)');
    return;
  }
  const cols = Object.keys(rows[0]!);
  const cell = (v: unknown): string =>
    typeof v === 'number'
      ? formatNumber(v)
      : v === undefined || v === null
        ? ''
        : typeof v === 'string'
          ? v
          : JSON.stringify(v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string =>
    vals.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  console.log(line(cols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(cols.map((c) => cell(r[c]))));
}

/** Formats a number for a table: integers with separators, others to 3 significant digits. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  if (abs >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

/** Facts about the machine a result was measured on. */
export function machineInfo(): Record<string, unknown> {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  };
}

/**
 * Writes `benchmarks/results/NAME.json` (or `NAME.smoke.json` for smoke runs, which are not
 * committed) with the machine description and a timestamp. Returns the path written.
 */
export function writeResults(
  name: string,
  data: unknown,
  options: { smoke?: boolean } = {},
): string {
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, options.smoke ? `${name}.smoke.json` : `${name}.json`);
  const body = {
    benchmark: name,
    smoke: Boolean(options.smoke),
    date: new Date().toISOString(),
    machine: machineInfo(),
    results: data,
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  return file;
}

/** Median of a list of numbers (NaN for an empty list). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The q-quantile (0..1) of a list, by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Nanoseconds of a monotonic clock, as a number. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}
