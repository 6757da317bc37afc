import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { isHomeostatError } from '@homeostat/core';
import type { Detector } from '../detector.js';
import { from, lastValueFrom, toArray } from 'rxjs';
import { detect } from '../detect.js';
import {
  autoencoderDetectorFactory,
  createAutoencoderDetector,
  createLstmDetector,
  initTf,
  lstmDetectorFactory,
  restoreAutoencoderDetector,
  restoreLstmDetector,
  TfBackendError,
  TF_DEFAULT_THRESHOLD,
} from './index.js';
import { denseStack, type DenseWeights } from './internal/forward.js';
import { normalCdf } from './internal/neural.js';
import { readWeights } from './internal/train.js';
import { buildLstmModel, lstmPredict } from './lstm.js';

// Training makes these tests CPU-bound: allow for a machine shared with other work.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A noisy daily-like cycle with one spike at `spikeAt`. */
function series(n: number, spikeAt: number, seed = 1): { t: number; v: number }[] {
  let s = seed;
  const rnd = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, (_, i) => ({
    t: 1_600_000_000_000 + i * 300_000,
    v: 10 + 3 * Math.sin((2 * Math.PI * i) / 40) + 0.3 * rnd() + (i === spikeAt ? 12 : 0),
  }));
}

const small = { trainSize: 200, bufferSize: 300, retrainEvery: 250, errorWindow: 200 };
const makeAe = () =>
  createAutoencoderDetector({ window: 12, hidden: 8, code: 3, epochs: 30, ...small });
const makeLstm = () => createLstmDetector({ lookback: 8, units: 6, epochs: 8, ...small });
const kinds: [string, () => Promise<Detector>][] = [
  ['tf-autoencoder', makeAe],
  ['tf-lstm', makeLstm],
];

const run = (d: Detector, xs: readonly { t: number; v: number }[]): number[] =>
  xs.map((x) => d.update(x.v, x.t));

// Two checks need a fresh process each; start both at once so they overlap with each other and
// with the in-process tests.
const runModule = async (script: string): Promise<string> =>
  (
    await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--conditions=@homeostat/source', '--input-type=module', '-e', script],
      { cwd: join(repoRoot, 'packages/detectors'), encoding: 'utf8' },
    )
  ).stdout;
let mainEntryRun: Promise<string>;
let fallbackRun: Promise<string>;

beforeAll(async () => {
  mainEntryRun = runModule(`
    const loaded = () => globalThis._tfengine !== undefined || globalThis.tf !== undefined;
    await import('@homeostat/detectors');
    const main = loaded();
    await import('@homeostat/detectors/tf');
    process.stdout.write(JSON.stringify({ main, tf: loaded() }));`);
  fallbackRun = runModule(`
    const { initTf } = await import('@homeostat/detectors/tf');
    const warnings = [];
    const backend = await initTf({ wasmDir: '/nonexistent-wasm-dir', logger: { warn: (m) => warnings.push(m) } });
    process.stdout.write(JSON.stringify({ backend, warnings }));`);
  // Keep an early rejection from being reported as unhandled before its test awaits it.
  mainEntryRun.catch(() => undefined);
  fallbackRun.catch(() => undefined);
  await initTf();
});

describe('initTf', () => {
  it('starts the wasm backend from the installed package (no network)', async () => {
    expect(await initTf()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });
  it('falls back to the cpu backend with a logged warning when wasm cannot load', async () => {
    const r = JSON.parse(await fallbackRun) as { backend: string; warnings: string[] };
    expect(r.backend).toBe('cpu');
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatch(/wasm backend failed.*falling back to the slower cpu backend/);
  }, 60_000);
  it('TfBackendError carries a stable code', () => {
    const e = new TfBackendError('x');
    expect(isHomeostatError(e) && e.code === 'TF_BACKEND_UNAVAILABLE').toBe(true);
  });
});

describe('plain-JavaScript forward passes match TensorFlow.js', () => {
  it('dense autoencoder stack', () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 5, inputShape: [7], activation: 'tanh' }));
    m.add(tf.layers.dense({ units: 7 }));
    const w = readWeights(m);
    const layers: DenseWeights[] = [
      { inputs: 7, units: 5, kernel: w[0]!, bias: w[1]!, activation: 'tanh' },
      { inputs: 5, units: 7, kernel: w[2]!, bias: w[3]!, activation: 'linear' },
    ];
    const x = Float64Array.from({ length: 7 }, (_, i) => Math.sin(i + 1));
    const expected = tf.tidy(() =>
      (m.predict(tf.tensor2d([...x], [1, 7])) as tf.Tensor).dataSync(),
    );
    const got = denseStack(layers, x);
    for (let i = 0; i < 7; i++) expect(got[i]).toBeCloseTo(expected[i]!, 5);
    m.dispose();
  });

  it('LSTM predictor', () => {
    const m = buildLstmModel({ lookback: 6, units: 4, seed: 3 });
    // Non-zero biases so every gate's path is exercised.
    const w = readWeights(m).map((a) => a.map((v, i) => v + 0.05 * Math.cos(i)));
    m.setWeights(w.map((a, i) => tf.tensor(a, m.getWeights()[i]!.shape)));
    const span = Float64Array.from({ length: 7 }, (_, i) => Math.cos(i / 2));
    const expected = tf.tidy(
      () =>
        (m.predict(tf.tensor3d([...span.subarray(0, 6)], [1, 6, 1])) as tf.Tensor).dataSync()[0]!,
    );
    const got = lstmPredict(
      {
        lstm: { units: 4, kernel: w[0]!, recurrent: w[1]!, bias: w[2]! },
        out: { inputs: 4, units: 1, kernel: w[3]!, bias: w[4]!, activation: 'linear' },
      },
      span,
    );
    expect(got).toBeCloseTo(expected, 5);
    m.dispose();
  });
});

describe('normalCdf', () => {
  it('is the standard normal CDF, monotone into the far tail', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
    expect(normalCdf(7)).toBeGreaterThan(normalCdf(6));
    expect(normalCdf(7)).toBeLessThan(1);
    expect(normalCdf(Number.NaN)).toBe(0);
  });
});

describe.each(kinds)('%s', (name, make) => {
  const xs = series(420, 380);

  it('scores 0 while learning, then flags the spike as the most unusual point', async () => {
    const d = await make();
    expect(d.name).toBe(name);
    const scores = run(d, xs);
    expect(scores.slice(0, 199).every((s) => s === 0)).toBe(true);
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    const after = scores.slice(200);
    const top = Math.max(...after);
    expect(scores[380]).toBe(top);
    expect(top).toBeGreaterThan(TF_DEFAULT_THRESHOLD);
    expect(d.explain()).toContain(name);
  });

  it('is deterministic and causal (a changed future leaves past scores alone)', async () => {
    const a = run(await make(), xs);
    const b = run(await make(), xs);
    expect(b).toEqual(a);
    const changed = xs.map((x, i) => (i > 300 ? { t: x.t - 1e9, v: -x.v * 100 } : x));
    const c = run(await make(), changed);
    expect(c.slice(0, 301)).toEqual(a.slice(0, 301));
  });

  it('skips NaN and Infinity: score 0, state unchanged', async () => {
    const clean = xs.slice(0, 260);
    const a = run(await make(), clean);
    const d = await make();
    const b: number[] = [];
    clean.forEach((x, i) => {
      if (i === 230) {
        expect(d.update(Number.NaN, x.t)).toBe(0);
        expect(d.update(Number.POSITIVE_INFINITY, x.t)).toBe(0);
        expect(d.explain()).toMatch(/non-finite/);
      }
      b.push(d.update(x.v, x.t));
    });
    expect(b).toEqual(a);
  });

  it('survives huge values and a constant series without NaN scores', async () => {
    const d = await make();
    for (let i = 0; i < 260; i++) {
      const s = d.update(i < 240 ? 5 : 1e300, i);
      expect(Number.isNaN(s)).toBe(false);
    }
  });

  it('never throws nor returns NaN on arbitrary values and times (fast-check)', async () => {
    // Few runs: each creates and trains a real model (mostly finite values, so it does train).
    const value = fc.oneof(
      { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 10 },
      { arbitrary: fc.constantFrom(Number.NaN, Infinity, -1e300, 0), weight: 1 },
    );
    const time = fc.oneof(fc.double(), fc.constant(Number.NaN));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(value, time), { minLength: 260, maxLength: 280 }),
        async (points) => {
          const d = await make();
          const ok = points.every(([v, t]) => {
            const s = d.update(v, t);
            return s >= 0 && s <= 1;
          });
          return ok && !d.explain().startsWith('learning');
        },
      ),
      { numRuns: 3, seed: 11 },
    );
  });

  it('round-trips through toJSON and restore, scoring on identically', async () => {
    const d = await make();
    run(d, xs.slice(0, 300));
    const saved: unknown = JSON.parse(JSON.stringify(d.toJSON()));
    const restore = name === 'tf-lstm' ? restoreLstmDetector : restoreAutoencoderDetector;
    const r = await restore(saved);
    const rest = xs.slice(300);
    expect(run(r, rest)).toEqual(run(d, rest));
  });

  it('rejects a state of another kind or shape, and invalid options', async () => {
    const restore = name === 'tf-lstm' ? restoreLstmDetector : restoreAutoencoderDetector;
    const other = name === 'tf-lstm' ? await makeAe() : await makeLstm();
    await expect(restore(other.toJSON())).rejects.toMatchObject({ code: 'DETECTOR_STATE_INVALID' });
    await expect(restore({ kind: name })).rejects.toMatchObject({ code: 'DETECTOR_STATE_INVALID' });
    const create = name === 'tf-lstm' ? createLstmDetector : createAutoencoderDetector;
    await expect(create({ trainSize: 4 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('trains without leaking tensors', async () => {
    const d = await make();
    const before = tf.memory().numTensors;
    run(d, xs.slice(0, 260));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('sync factories for the detect operator', () => {
  it('score each series with its own detector, as the plain API does', async () => {
    for (const [factory, opts] of [
      [autoencoderDetectorFactory, { window: 12, hidden: 8, code: 3, epochs: 30, ...small }],
      [lstmDetectorFactory, { lookback: 8, units: 6, epochs: 8, ...small }],
    ] as const) {
      const make = await factory(opts);
      const a = series(260, 240, 1);
      const b = series(260, 250, 2);
      const samples = a.flatMap((x, i) => [
        { series: 'a', t: x.t, value: x.v },
        { series: 'b', t: b[i]!.t, value: b[i]!.v },
      ]);
      const scored = await lastValueFrom(from(samples).pipe(detect(make), toArray()));
      expect(scored).toHaveLength(samples.length);
      const plainA = run(make(), a);
      expect(scored.filter((s) => s.sample.series === 'a').map((s) => s.score)).toEqual(plainA);
      expect(scored[0]!.detector).toBe(make().name);
    }
    await expect(lstmDetectorFactory({ units: 0 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});

describe('the main entry', () => {
  it('does not load TensorFlow.js (and the check sees it once the tf subpath is imported)', async () => {
    expect(JSON.parse(await mainEntryRun)).toEqual({ main: false, tf: true });
  }, 60_000);
});
