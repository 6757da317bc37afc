import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { Detector } from '../detector.js';
import { dense, lstmLast, type DenseWeights, type LstmWeights } from './internal/forward.js';
import { NeuralDetector, type ModelKind } from './internal/neural.js';
import { neuralOptionsShape, restoreState } from './internal/state.js';
import { fitSync, glorot, writeWeights } from './internal/train.js';
import { initTf, type InitTfOptions } from './init-tf.js';

/** Options of {@link createLstmDetector}. */
export const lstmOptionsSchema = z
  .object({
    /** Past values the network reads to predict the next one. Default 16. */
    lookback: z.number().int().min(2).max(256).default(16),
    /** LSTM units. Default 12. */
    units: z.number().int().min(1).max(128).default(12),
    ...neuralOptionsShape(15),
  })
  .refine((o) => o.trainSize >= 2 * (o.lookback + 1), {
    message: 'trainSize must be at least 2 × (lookback + 1)',
    path: ['trainSize'],
  })
  .refine((o) => o.bufferSize >= o.trainSize, {
    message: 'bufferSize must be at least trainSize',
    path: ['bufferSize'],
  });

/** Options of {@link createLstmDetector} (all optional). */
export type LstmOptions = z.input<typeof lstmOptionsSchema>;
type Parsed = z.output<typeof lstmOptionsSchema>;

/** Trained weights of the LSTM predictor. */
interface LstmModel {
  readonly lstm: LstmWeights;
  readonly out: DenseWeights;
}

/** The tfjs model the JavaScript forward pass mirrors (exported for the equivalence test). */
export function buildLstmModel(o: Pick<Parsed, 'lookback' | 'units' | 'seed'>): tf.Sequential {
  const m = tf.sequential();
  m.add(
    tf.layers.lstm({
      units: o.units,
      inputShape: [o.lookback, 1],
      recurrentActivation: 'sigmoid',
      kernelInitializer: glorot(o.seed, 1),
      recurrentInitializer: tf.initializers.orthogonal({ seed: o.seed * 101 + 2 }),
    }),
  );
  m.add(tf.layers.dense({ units: 1, kernelInitializer: glorot(o.seed, 3) }));
  return m;
}

/** Predicts the last value of `span` from the ones before it. */
export function lstmPredict(w: LstmModel, span: Float64Array): number {
  const h = lstmLast(w.lstm, span.subarray(0, span.length - 1));
  return dense(w.out, h, new Float64Array(1))[0]!;
}

function toModel(o: Parsed, w: readonly Float32Array[]): LstmModel {
  return {
    lstm: { units: o.units, kernel: w[0]!, recurrent: w[1]!, bias: w[2]! },
    out: { inputs: o.units, units: 1, kernel: w[3]!, bias: w[4]!, activation: 'linear' },
  };
}

function lstmKind(o: Parsed): ModelKind<LstmModel> {
  const L = o.lookback;
  return {
    kind: 'tf-lstm',
    name: 'tf-lstm',
    span: L + 1,
    train(values, previous) {
      const n = values.length - L;
      const xs = new Float32Array(n * L);
      const ys = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        xs.set(values.subarray(i, i + L), i * L);
        ys[i] = values[i + L]!;
      }
      const model = buildLstmModel(o);
      const x = tf.tensor3d(xs, [n, L, 1]);
      const y = tf.tensor2d(ys, [n, 1]);
      try {
        if (previous) {
          const p = previous;
          writeWeights(model, [
            p.lstm.kernel,
            p.lstm.recurrent,
            p.lstm.bias,
            p.out.kernel,
            p.out.bias,
          ]);
        }
        return toModel(o, fitSync(model, { x, y }, o));
      } finally {
        x.dispose();
        y.dispose();
        model.dispose();
      }
    },
    error(weights, span) {
      return (span[span.length - 1]! - lstmPredict(weights, span)) ** 2;
    },
    save: (w) =>
      [w.lstm.kernel, w.lstm.recurrent, w.lstm.bias, w.out.kernel, w.out.bias].map((a) => [...a]),
  };
}

/**
 * A streaming LSTM prediction-error detector: an LSTM reads the last `lookback` values and
 * predicts the next; a value far from its prediction is unusual. The score is the normal CDF of
 * how far the mean of the last `shortWindow` squared prediction errors lies above the last
 * `errorWindow` errors.
 *
 * @remarks
 * - Trains (synchronously, full batch, Adam, seeded) on the first `trainSize` values and again
 *   every `retrainEvery` values on the last `bufferSize`; scores 0 before the first training and
 *   for the 50 values after it. The standardisation is fixed at the first training.
 *   A training blocks the caller for up to a few seconds on the wasm backend.
 * - Scoring uses the trained weights in plain JavaScript (tens of microseconds per value).
 * - Bad input follows the package policy: a non-finite value scores 0 and changes nothing.
 * - Memory is bounded by `bufferSize`, `errorWindow` and the weights.
 *
 * @returns a promise of the detector (it starts TensorFlow.js first, see {@link initTf}).
 * @throws {ConfigError} (rejects) on invalid options; {@link TfBackendError} when no backend starts.
 * @example
 * ```ts
 * const d = await createLstmDetector({ lookback: 16 });
 * const score = d.update(value, t);
 * ```
 */
export async function createLstmDetector(
  options: LstmOptions = {},
  init: InitTfOptions = {},
): Promise<Detector> {
  const o = parseOptions(lstmOptionsSchema, options, { source: 'createLstmDetector' });
  await initTf(init);
  return new NeuralDetector(lstmKind(o), o);
}

/**
 * A synchronous factory of LSTM detectors (one per series), for the `detect` operator:
 * TensorFlow.js is started once, here, so the factory itself needs no `await`.
 *
 * @throws {ConfigError} (rejects) on invalid options; {@link TfBackendError} when no backend starts.
 * @example
 * ```ts
 * samples$.pipe(detect(await lstmDetectorFactory())).subscribe((s) => console.log(s.score));
 * ```
 */
export async function lstmDetectorFactory(
  options: LstmOptions = {},
  init: InitTfOptions = {},
): Promise<() => Detector> {
  const o = parseOptions(lstmOptionsSchema, options, { source: 'lstmDetectorFactory' });
  await initTf(init);
  return () => new NeuralDetector(lstmKind(o), o);
}

/**
 * Recreates an LSTM detector from `detector.toJSON()`.
 *
 * @throws {DetectorStateError} (rejects) when the state is not an LSTM state.
 * @example
 * ```ts
 * const again = await restoreLstmDetector(JSON.parse(JSON.stringify(d)));
 * ```
 */
export async function restoreLstmDetector(
  state: unknown,
  init: InitTfOptions = {},
): Promise<Detector> {
  return restoreState(state, {
    kind: 'tf-lstm',
    init,
    make: (options) => {
      const o = parseOptions(lstmOptionsSchema, options, { source: 'tf-lstm state' });
      const u = o.units;
      const sizes = [4 * u, 4 * u * u, 4 * u, u, 1];
      return {
        detector: new NeuralDetector(lstmKind(o), o),
        weights: (saved: unknown) => {
          if (!Array.isArray(saved) || saved.length !== 5) return null;
          const arrays: Float32Array[] = [];
          for (let k = 0; k < 5; k++) {
            const a: unknown = saved[k];
            if (
              !Array.isArray(a) ||
              a.length !== sizes[k] ||
              !a.every((v) => typeof v === 'number')
            ) {
              return null;
            }
            arrays.push(Float32Array.from(a));
          }
          return toModel(o, arrays);
        },
      };
    },
  });
}
