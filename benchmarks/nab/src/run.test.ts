import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD, detectorRegistry } from '@homeostat/detectors';
import { repoRoot } from '@homeostat-bench/common';
import { parseTimestamp } from './corpus.js';
import {
  heapPerSeries,
  runBenchmark,
  runSeries,
  scoreResultFiles,
  spreadFiles,
  timeOrder,
} from './run.js';
import { makeSamples, operatorOverhead } from './overhead.js';

let dir: string;
let out: string;

/** A tiny NAB-style folder: two labelled files in two categories and one unlabelled file. */
function makeCorpus(root: string): void {
  const rows = (n: number, spikeAt: number, month = 0): string => {
    const lines = ['timestamp,value'];
    for (let i = 0; i < n; i++) {
      const t = new Date(Date.UTC(2015, month, 1, 0, 5 * i))
        .toISOString()
        .replace('T', ' ')
        .slice(0, 19);
      const v = i === spikeAt ? 500 : 10 + Math.sin(i / 5);
      lines.push(`${t},${v}`);
    }
    return lines.join('\n') + '\n';
  };
  mkdirSync(join(root, 'data', 'catA'), { recursive: true });
  mkdirSync(join(root, 'data', 'catB'), { recursive: true });
  writeFileSync(join(root, 'data', 'catA', 'one.csv'), rows(300, 200));
  writeFileSync(join(root, 'data', 'catB', 'two.csv'), rows(300, 250, 1));
  writeFileSync(join(root, 'data', 'catB', 'three.csv'), rows(100, -1));
  const at = (i: number, month = 0): string =>
    new Date(Date.UTC(2015, month, 1, 0, 5 * i))
      .toISOString()
      .replace('T', ' ')
      .replace('Z', '000');
  writeFileSync(
    join(root, 'combined_windows.json'),
    JSON.stringify({
      'catA/one.csv': [[at(190), at(210)]],
      'catB/two.csv': [[at(240, 1), at(260, 1)]],
    }),
  );
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nab-run-test-'));
  out = mkdtempSync(join(tmpdir(), 'nab-out-test-'));
  makeCorpus(dir);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

describe('parseTimestamp', () => {
  it('reads NAB timestamps as UTC, with or without microseconds', () => {
    expect(parseTimestamp('2014-04-10 07:15:00')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseTimestamp('2014-04-10 07:15:00.000000')).toBe(Date.UTC(2014, 3, 10, 7, 15));
    expect(parseTimestamp('2014-04-10 07:15:00.250')).toBe(Date.UTC(2014, 3, 10, 7, 15) + 250);
    expect(parseTimestamp('nonsense')).toBeNaN();
  });
});

describe('timeOrder', () => {
  it('keeps the file order when time never goes back', () => {
    expect([...timeOrder([1, 2, 2, 3])]).toEqual([0, 1, 2, 3]);
  });
  it('sorts stably by time otherwise, unparsable times last', () => {
    expect([...timeOrder([3, 1, Number.NaN, 1, 2])]).toEqual([1, 3, 4, 0, 2]);
  });
});

describe('spreadFiles', () => {
  it('takes files round-robin across categories', () => {
    expect(spreadFiles(['a/1', 'a/2', 'a/3', 'b/1', 'c/1', 'c/2'], 4)).toEqual([
      'a/1',
      'a/2',
      'b/1',
      'c/1',
    ]);
    expect(spreadFiles(['a/1'], 5)).toEqual(['a/1']);
  });
});

describe('runSeries', () => {
  it('returns one score per row in input order, even when the rows are out of time order', async () => {
    const create = detectorRegistry.homeostat!;
    const times = [0, 1, 2, 3, 4, 5].map((i) => i * 60_000);
    const values = [1, 2, 1, 2, 1, 50];
    const inOrder = await runSeries(create, times, values);
    const perm = [5, 0, 3, 1, 4, 2];
    const shuffled = await runSeries(
      create,
      perm.map((i) => times[i]!),
      perm.map((i) => values[i]!),
    );
    perm.forEach((i, k) => expect(shuffled.scores[k]).toBe(inOrder.scores[i]));
    expect(inOrder.stateBytes).toBeGreaterThan(0);
  });

  it('rejects a detector that returns a score outside [0, 1]', async () => {
    const bad = () => ({ name: 'bad', update: () => 2, explain: () => '', toJSON: () => ({}) });
    await expect(runSeries(bad, [0], [1])).rejects.toThrow(/bad: score 2 at row 2/);
  });
});

describe('runBenchmark', () => {
  it('writes NAME/CATEGORY/NAME_FILE.csv with every row as read, and scores labelled files', async () => {
    const [r] = await runBenchmark({
      dataDir: dir,
      outDir: out,
      detectors: [
        { name: 'homeostat', create: detectorRegistry.homeostat!, threshold: DEFAULT_THRESHOLD },
      ],
    });
    const written = readFileSync(join(out, 'homeostat', 'catA', 'homeostat_one.csv'), 'utf8')
      .trim()
      .split('\n');
    const input = readFileSync(join(dir, 'data', 'catA', 'one.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(written[0]).toBe('timestamp,value,anomaly_score');
    expect(written).toHaveLength(input.length);
    for (let i = 1; i < input.length; i++) {
      const [t, v, s] = written[i]!.split(',');
      expect(`${t},${v}`).toBe(input[i]);
      expect(Number(s)).toBeGreaterThanOrEqual(0);
      expect(Number(s)).toBeLessThanOrEqual(1);
    }
    expect(existsSync(join(out, 'homeostat', 'catB', 'homeostat_three.csv'))).toBe(true);
    expect(r!.files).toBe(3);
    expect(r!.points).toBe(700);
    expect(r!.unlabelled).toEqual(['catB/three.csv']);
    const std = r!.profiles!.standard!;
    expect(std.score).toBeGreaterThanOrEqual(-100);
    expect(std.score).toBeLessThanOrEqual(100);
    expect(std.tp + std.fn).toBe(2);
    expect(std.atDefault.threshold).toBe(DEFAULT_THRESHOLD);
    expect(r!.categories!.map((c) => c.category)).toEqual(['catA', 'catB']);
    expect(Object.keys(r!.profiles!)).toEqual([
      'standard',
      'reward_low_FP_rate',
      'reward_low_FN_rate',
    ]);
    // The files written score exactly as the in-memory scores did.
    const again = scoreResultFiles({
      dataDir: dir,
      resultsDir: out,
      detector: 'homeostat',
      threshold: DEFAULT_THRESHOLD,
    });
    expect(again.profiles).toEqual(r!.profiles);
    expect(again.locoScore).toBe(r!.locoScore);
  });

  it('a stand-in that fires exactly at each window start scores 100, one that never fires 0', async () => {
    const starts = new Set([Date.UTC(2015, 0, 1, 0, 5 * 190), Date.UTC(2015, 1, 1, 0, 5 * 240)]);
    const stub = (name: string, fire: (t: number) => boolean) => () => ({
      name,
      update: (_v: number, t: number) => (fire(t) ? 1 : 0),
      explain: () => '',
      toJSON: () => ({}),
    });
    const [oracle, never] = await runBenchmark({
      dataDir: dir,
      detectors: [
        { name: 'oracle', create: stub('oracle', (t) => starts.has(t)), threshold: 0.5 },
        { name: 'never', create: stub('never', () => false), threshold: 0.5 },
      ],
    });
    for (const p of Object.values(oracle!.profiles!)) {
      expect(p, JSON.stringify(p)).toMatchObject({ tp: 2, fn: 0, fp: 0 });
      expect(p.score).toBeCloseTo(100, 10);
      expect(p.atDefault.score).toBeCloseTo(100, 10);
      expect(p).toMatchObject({ tp: 2, fn: 0, fp: 0 });
    }
    expect(oracle!.locoScore).toBeCloseTo(100, 10);
    expect(never!.locoScore).toBe(0);
    for (const p of Object.values(never!.profiles!)) {
      expect(p.score).toBe(0);
      expect(p.atDefault.score).toBe(0);
    }
  });
});

describe('memory and operator overhead', () => {
  it('makes the same interleaved samples every time', () => {
    const a = makeSamples(3, 10);
    expect(a).toHaveLength(30);
    expect(a).toEqual(makeSamples(3, 10));
    expect(new Set(a.map((x) => x.series)).size).toBe(3);
  });

  it('measures detect against the plain API over the same samples', async () => {
    const r = await operatorOverhead(detectorRegistry.homeostat!, { smoke: true });
    expect(r).not.toBeNull();
    expect(r!.samples).toBe(20 * 500);
    expect(r!.ratio).toBeGreaterThan(0);
    expect(Number.isFinite(r!.ratio)).toBe(true);
    expect(r!.operator).toMatch(/detect/);
  });

  it('estimates heap per live series (NaN only when gc cannot be forced)', async () => {
    const values = Array.from({ length: 500 }, (_, i) => Math.sin(i / 10));
    const bytes = await heapPerSeries(detectorRegistry.homeostat!, values, 300);
    if (!Number.isNaN(bytes)) expect(bytes).toBeGreaterThan(0);
  });
});

describe('the command line', () => {
  it('runs as `bench:nab --data DIR --out OUTDIR --detector NAME` on a folder without labels', () => {
    const unlabelled = mkdtempSync(join(tmpdir(), 'nab-cli-test-'));
    const cliOut = join(unlabelled, 'out');
    try {
      mkdirSync(join(unlabelled, 'data', 'x'), { recursive: true });
      writeFileSync(
        join(unlabelled, 'data', 'x', 'f.csv'),
        'timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n',
      );
      const stdout = execFileSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '--conditions=@homeostat/source',
          join(repoRoot, 'benchmarks/nab/src/main.ts'),
          '--data',
          unlabelled,
          '--out',
          cliOut,
          '--detector',
          'homeostat',
        ],
        { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CI: 'true' } },
      );
      expect(stdout).toContain('points/s');
      const written = readFileSync(join(cliOut, 'homeostat', 'x', 'homeostat_f.csv'), 'utf8');
      expect(written.split('\n')[1]).toMatch(/^2020-01-01 00:00:00,1,/);
      expect(() =>
        execFileSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--conditions=@homeostat/source',
            join(repoRoot, 'benchmarks/nab/src/main.ts'),
            '--data',
            unlabelled,
            '--detector',
            'no-such',
          ],
          { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' },
        ),
      ).toThrow(/unknown detector/);
    } finally {
      rmSync(unlabelled, { recursive: true, force: true });
    }
  }, 60_000);
});
