import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');
const script = join(repoRoot, 'scripts', 'bench-docs.ts');

const machine = {
  node: 'v20.0.0',
  platform: 'linux-x64',
  cpus: 4,
  cpuModel: 'Test CPU',
  memoryGiB: 8,
};

let dir: string;
let results: string;
let out: string;

async function benchDocs(
  ...extra: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(tsx, [script, '--results', results, '--out', out, ...extra]);
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * Runs `body` with a fresh results folder (`res`) and page path (`file`) of its own, under a
 * temporary root that is removed afterwards.
 */
async function withResults(
  prefix: string,
  body: (res: string, file: string) => Promise<void>,
): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  try {
    const res = join(root, 'benchmarks', 'results');
    mkdirSync(res, { recursive: true });
    await body(res, join(root, 'benchmarks.md'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bench-docs-'));
  results = join(dir, 'benchmarks', 'results');
  mkdirSync(results, { recursive: true });
  mkdirSync(join(dir, 'benchmarks', 'sidecar')); // a benchmark folder with no results yet
  out = join(dir, 'benchmarks.md');
  writeFileSync(
    join(results, 'keyed.json'),
    JSON.stringify({
      benchmark: 'keyed',
      date: '2026-01-02T03:04:05.678Z',
      machine,
      results: {
        series: 10000,
        keyed: { median: 1234567.8 },
        groupByScan: { median: 234567 },
        mapFloor: { median: 9876543 },
        ratio: 5.26,
        target: { samplesPerSecond: 5000000, met: false },
      },
    }),
  );
  writeFileSync(
    join(results, 'newthing.json'),
    JSON.stringify({
      benchmark: 'newthing',
      date: '2026-01-02T00:00:00.000Z',
      machine,
      results: { throughput: 4242.4, targets: { 'p99 <= 5 ms': { measured: 3.21, met: true } } },
    }),
  );
  writeFileSync(
    join(results, 'loop.json'),
    JSON.stringify({
      benchmark: 'loop',
      date: '2026-01-02T00:00:00.000Z',
      machine,
      results: {
        series: 100,
        samplesPerSecond: 98765.4,
        stages: { scored: 1000, incidents: 3 },
        demo: {
          faults: [
            {
              fault: 'slow dependency',
              expected: 'healed alone',
              outcome: 'healed alone',
              'time to heal': '5.3 s',
            },
            {
              fault: 'needs a person',
              expected: 'healed after approval',
              outcome: 'escalated',
              'time to heal': '-',
            },
          ],
          anomalies: 7,
          spurious: 1,
        },
      },
    }),
  );
  writeFileSync(
    join(results, 'keyed.smoke.json'),
    JSON.stringify({ results: { keyed: { median: 1 } } }),
  );
  writeFileSync(join(results, 'broken.json'), '{ not json');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bench-docs', () => {
  it('writes figures, targets, date and machine from the results files', async () => {
    const r = await benchDocs();
    expect(r.code).toBe(0);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('1,234,568'); // keyed median from the JSON, rounded
    expect(md).toMatch(/≥ 5,000,000 samples\/s.*\| *missed *\|/); // met: false in the JSON
    expect(md).toContain(
      'Measured 2026-01-02 03:04:05 UTC on Node v20.0.0, linux-x64, 4 CPUs (Test CPU), 8 GiB.',
    );
    expect(md).toMatch(/p99 <= 5 ms \| *3\.21 *\| *met/); // unknown benchmark: recorded targets
    expect(md).toContain('4,242'); // unknown benchmark: scalar figures
    expect(md).toMatch(/## sidecar[\s\S]*Not run yet/); // folder without results
    expect(md).toMatch(/## broken[\s\S]*Unreadable results file/);
    expect(md).not.toMatch(/\| *1 *\|\n/); // the smoke file's figure is not used
    expect(md).toContain('98,765'); // loop: samples/s
    expect(md).toMatch(/slow dependency: healed alone *\| *healed alone *\| *met/);
    expect(md).toMatch(/needs a person: healed after approval *\| *escalated *\| *missed/);
    expect(md).toContain('Anomalies in the demo: 7, of which 1 with no fault injected.');
  });

  it('--check passes when up to date and fails when a results file changes', async () => {
    await benchDocs();
    expect((await benchDocs('--check')).code).toBe(0);
    const file = join(results, 'keyed.json');
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      results: { keyed: { median: number } };
    };
    data.results.keyed.median = 7654321;
    writeFileSync(file, JSON.stringify(data));
    const r = await benchDocs('--check');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('out of date');
    await benchDocs();
    expect(readFileSync(out, 'utf8')).toContain('7,654,321');
  });
});

describe('bench-docs: sidecar', () => {
  it('renders both overhead methods and takes targets from each, leaving out the controls', async () => {
    await withResults('bench-docs-sidecar-', async (res, file) => {
      const row = (variant: string, rps: number, dp99: number): Record<string, unknown> => ({
        framework: 'fastify',
        variant,
        'req/s vs bare': rps,
        'p99 Δ ms': dp99,
      });
      writeFileSync(
        join(res, 'sidecar.json'),
        JSON.stringify({
          benchmark: 'sidecar',
          date: '2026-01-02T00:00:00.000Z',
          machine,
          results: {
            overhead: {
              // Rounded in the table to 0.95; the recorded runs give 0.946: missed.
              rows: [row('bare', 1, 0), row('sidecar', 0.95, 0.02)],
              runs: [
                { round: 0, framework: 'fastify', variant: 'bare', rps: 1000, p99: 1 },
                { round: 0, framework: 'fastify', variant: 'sidecar', rps: 946, p99: 1.02 },
              ],
            },
            overheadSameProcess: {
              cases: [
                {
                  label: 'Fastify bare (control)',
                  rpsRatio: 0.991,
                  cpuRatio: 1.002,
                  p99DeltaMs: 0.01,
                  perProcessRpsRatio: [0.98, 0.991, 1.004],
                },
                {
                  label: 'Express no-op middleware',
                  rpsRatio: 0.97,
                  cpuRatio: 0.97,
                  p99DeltaMs: 0.02,
                  perProcessRpsRatio: [0.97],
                },
                {
                  label: 'Fastify sidecar plugin',
                  rpsRatio: 0.962,
                  cpuRatio: 0.951,
                  p99DeltaMs: 0.05,
                  perProcessRpsRatio: [0.94, 0.962, 0.97],
                  rpsRatioMean: 0.9581,
                  rpsRatioInterval: [0.9312, 0.9857],
                  segments: [
                    { variantRps: 94, bareRps: 100 },
                    { variantRps: 97, bareRps: 100 },
                    { variantRps: 50, bareRps: 100 }, // off the chart: drawn at its edge
                  ],
                },
              ],
            },
            overload: { rows: [] },
          },
        }),
      );
      await run(tsx, [script, '--results', res, '--out', file]);
      const md = readFileSync(file, 'utf8');
      expect(md).toMatch(/fastify: ≥ 0\.95 of bare req\/s.*\| *0\.9460 of bare.*\| *missed/);
      expect(md).toMatch(
        /Fastify sidecar plugin, same process: ≥ 0\.95 of bare req\/s.*\| *0\.9620 of bare \(geometric mean 0\.958 \(0\.931–0\.986\)\).*\| *met/,
      );
      // A case recorded without an interval shows a dash, not NaN.
      expect(md).toMatch(/Express no-op middleware *\| *0\.97 *\| *0\.97 *\| *– *\|/);
      expect(md).not.toMatch(/control\), same process/);
      expect(md).not.toMatch(/no-op middleware, same process/); // a reference, not a target
      expect(md).toContain('0.94 / 0.962 / 0.97');
      expect(md).toContain('bare and variant in one process');
      // The pair ratios are drawn beside the page, and the page links the drawing.
      expect(md).toContain('](benchmarks/sidecar-same-process.svg)');
      const svgFile = join(dirname(file), 'benchmarks', 'sidecar-same-process.svg');
      const svg = readFileSync(svgFile, 'utf8');
      expect(svg).toContain('>Fastify sidecar plugin</text>');
      expect(svg.match(/<circle /g)).toHaveLength(3);
      expect(svg).toContain('target 0.95');
      // --check notices a drawing that no longer matches the results.
      const check = (): Promise<unknown> =>
        run(tsx, [script, '--results', res, '--out', file, '--check']);
      await expect(check()).resolves.toBeDefined();
      writeFileSync(svgFile, svg.replace('target 0.95', 'target'));
      await expect(check()).rejects.toMatchObject({ code: 1 });
    });
  });
});

describe('bench-docs: sidecar instructions alone', () => {
  it('renders a --only instructions file with one row per framework, each named', async () => {
    await withResults('bench-docs-instructions-', async (res, file) => {
      const row = (framework: string, bare: number, sidecar: number): Record<string, unknown> => ({
        framework,
        bare,
        channel: bare + 400,
        sidecar,
        added: sidecar - bare,
        channelAdded: 400,
      });
      writeFileSync(
        join(res, 'sidecar-instructions.json'),
        JSON.stringify({
          benchmark: 'sidecar-instructions',
          date: '2026-01-02T00:00:00.000Z',
          machine,
          results: {
            instructions: {
              counted: 'server',
              channel: 'reference',
              results: [
                row('node', 49000, 51000),
                row('fastify', 52000, 54000),
                row('fastify-async', 52100, 54600),
              ],
            },
          },
        }),
      );
      await run(tsx, [script, '--results', res, '--out', file]);
      const md = readFileSync(file, 'utf8');
      expect(md).toMatch(/\| *node:http *\| *49,000 *\| *51,000 *\| *2,000 *\| *400 *\|/);
      expect(md).toMatch(/\| *Fastify *\| *52,000 *\| *54,000 *\| *2,000 *\|/);
      expect(md).toMatch(/\| *Fastify, async handler *\| *52,100 *\| *54,600 *\| *2,500 *\|/);
    });
  });
});

describe('bench-docs: sidecar overload alone', () => {
  it('renders a --only overload file with its table and the two overload targets', async () => {
    await withResults('bench-docs-overload-', async (res, file) => {
      const row = (variant: string, goodput: number, p99: number): Record<string, unknown> => ({
        variant,
        'goodput / capacity': goodput,
        'p99 / unloaded p99': p99,
      });
      writeFileSync(
        join(res, 'sidecar-overload.json'),
        JSON.stringify({
          benchmark: 'sidecar',
          date: '2026-01-02T00:00:00.000Z',
          machine,
          results: {
            overload: {
              capacityRps: 190,
              offeredRps: 570,
              rows: [row('bare', 0.79, 56.2), row('sidecar', 0.83, 1.6)],
            },
          },
        }),
      );
      await run(tsx, [script, '--results', res, '--out', file]);
      const md = readFileSync(file, 'utf8');
      expect(md).toContain('## sidecar-overload');
      expect(md).toMatch(/\| *sidecar *\| *0\.83 *\| *1\.60 *\|/);
      expect(md).toMatch(/admitted p99 ≤ 3× unloaded p99 *\| *1\.60× *\| *met/);
      expect(md).toMatch(/goodput ≥ 0\.85 of capacity *\| *0\.83 *\| *missed/);
      expect(md).toContain('capacity 190 req/s, offered 570 req/s');
    });
  });
});

describe('bench-docs: sidecar overhead alone', () => {
  it('renders a --only overhead file with its own targets and charts, and no empty overload table', async () => {
    await withResults('bench-docs-overhead-', async (res, file) => {
      writeFileSync(
        join(res, 'sidecar-overhead.json'),
        JSON.stringify({
          benchmark: 'sidecar',
          date: '2026-01-02T00:00:00.000Z',
          machine,
          results: {
            overheadRounds: 15,
            overheadDurationS: 3,
            overhead: {
              rows: [
                { framework: 'node', variant: 'bare', 'req/s vs bare': 1, 'p99 Δ ms': 0 },
                { framework: 'node', variant: 'sidecar', 'req/s vs bare': 0.96, 'p99 Δ ms': 0.2 },
              ],
            },
            overheadSameProcess: {
              cases: [
                {
                  label: 'node:http sidecar',
                  rpsRatio: 0.93,
                  cpuRatio: 0.94,
                  p99DeltaMs: 0.1,
                  perProcessRpsRatio: [0.93],
                  segments: [{ variantRps: 93, bareRps: 100 }],
                },
              ],
            },
          },
        }),
      );
      await run(tsx, [script, '--results', res, '--out', file]);
      const md = readFileSync(file, 'utf8');
      expect(md).toContain('## sidecar-overhead');
      expect(md).toMatch(
        /node: ≥ 0\.95 of bare req\/s and p99 Δ ≤ 1 ms *\| *0\.9600 of bare.*\| *met/,
      );
      expect(md).toMatch(/node:http sidecar, same process: ≥ 0\.95 of bare req\/s.*\| *missed/);
      expect(md).toContain(
        '15 rounds of 3 s, one process per run, and the same-process comparisons)',
      );
      // The file holds no separate-process interleaved part, so the note does not claim one.
      expect(md).not.toContain('bare server in a process of its own');
      expect(md).not.toContain('**Overload**');
      // Its chart has a name of its own, so the full run's is not overwritten.
      expect(md).toContain('](benchmarks/sidecar-overhead-same-process.svg)');
      expect(md).not.toContain('](benchmarks/sidecar-same-process.svg)');
    });
  });
});

describe('bench-docs: sidecar interleaved, separate processes', () => {
  it('renders a --only interleaved-apart file with its own wording, targets and chart', async () => {
    await withResults('bench-docs-apart-', async (res, file) => {
      const processes = (ratios: number[]) =>
        ratios.map((rpsRatio) => ({ rpsRatio, bareRps: 10_000, non2xx: 0 }));
      writeFileSync(
        join(res, 'sidecar-interleaved-apart.json'),
        JSON.stringify({
          benchmark: 'sidecar',
          date: '2026-01-02T00:00:00.000Z',
          machine,
          results: {
            overheadInterleavedApart: {
              shape: { processes: 3, pairs: 160, sliceMs: 50, bare: 'own-process' },
              cases: [
                {
                  label: 'node:http bare (control)',
                  rpsRatio: 1.001,
                  rpsRatioMean: 1.0,
                  rpsRatioInterval: [0.99, 1.01],
                  processes: processes([0.99, 1.001, 1.01]),
                },
                {
                  label: 'Express sidecar middleware',
                  rpsRatio: 0.962,
                  rpsRatioMean: 0.96,
                  rpsRatioInterval: [0.95, 0.97],
                  processes: processes([0.955, 0.962, 0.965]),
                },
              ],
            },
          },
        }),
      );
      await run(tsx, [script, '--results', res, '--out', file]);
      const md = readFileSync(file, 'utf8');
      expect(md).toContain('## sidecar-interleaved-apart');
      expect(md).toContain('bare and variant each in a process of its own');
      expect(md).toMatch(
        /Express sidecar middleware, separate processes, interleaved: ≥ 0\.95 of bare req\/s *\| *0\.9620 of bare.*\| *met/,
      );
      expect(md).not.toMatch(/control\), separate processes/);
      expect(md).toContain('](benchmarks/sidecar-interleaved-apart.svg)');
    });
  });
});
