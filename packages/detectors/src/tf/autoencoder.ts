import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { Detector } from '../detector.js';
import { denseStack, type DenseWeights } from './internal/forward.js';
import { NeuralDetector, type ModelKind } from './internal/neural.js';
import { fitSync, glorot, writeWeights } from './internal/train.js';
import { initTf, type InitTfOptions } from './init-tf.js';
import { neuralOptionsShape, restoreState } from './internal/state.js';

/** Options of {@link createAutoencoderDetector}. */
export const autoencoderOptionsSchema = z
  .object({
    /** Values per sliding window (the network's input and output). Default 24. */
    window: z.number().int().min(4).max(256).default(24),
    /** Units of the two hidden layers around the code. Default 12. */
    hidden: z.number().int().min(2).max(256).default(12),
    /** Units of the code (bottleneck) layer. Default 4. */
    code: z.number().int().min(1).max(64).default(4),
    ...neuralOptionsShape(40),
  })
  .refine((o) => o.trainSize >= 2 * o.window, {
    message: 'trainSize must be at least 2 × window',
    path: ['trainSize'],
  })
  .refine((o) => o.bufferSize >= o.trainSize, {
    message: 'bufferSize must be at least trainSize',
    path: ['bufferSize'],
  });

/** Options of {@link createAutoencoderDetector} (all optional). */
export type AutoencoderOptions = z.input<typeof autoencoderOptionsSchema>;
type Parsed = z.output<typeof autoencoderOptionsSchema>;

function autoencoderKind(o: Parsed): ModelKind<DenseWeights[]> {
  const sizes = [o.window, o.hidden, o.code, o.hidden, o.window];
  const build = (): tf.Sequential => {
    const m = tf.sequential();
    for (let k = 1; k < sizes.length; k++) {
      m.add(
        tf.layers.dense({
          units: sizes[k]!,
          activation: k === sizes.length - 1 ? 'linear' : 'tanh',
          kernelInitializer: glorot(o.seed, k),
          ...(k === 1 ? { inputShape: [o.window] } : {}),
        }),
      );
    }
    return m;
  };
  return {
    kind: 'tf-autoencoder',
    name: 'tf-autoencoder',
    span: o.window,
    train(values, previous) {
      const n = values.length - o.window + 1;
      const rows = new Float32Array(n * o.window);
      for (let i = 0; i < n; i++) rows.set(values.subarray(i, i + o.window), i * o.window);
      const model = build();
      const x = tf.tensor2d(rows, [n, o.window]);
      try {
        if (previous)
          writeWeights(
            model,
            previous.flatMap((l) => [l.kernel, l.bias]),
          );
        const w = fitSync(model, { x, y: x }, o);
        return sizes.slice(1).map((units, k) => ({
          inputs: sizes[k]!,
          units,
          kernel: w[2 * k]!,
          bias: w[2 * k + 1]!,
          activation: k === sizes.length - 2 ? ('linear' as const) : ('tanh' as const),
        }));
      } finally {
        x.dispose();
        model.dispose();
      }
    },
    error(weights, span) {
      const out = denseStack(weights, span);
      let s = 0;
      for (let i = 0; i < span.length; i++) s += (out[i]! - span[i]!) ** 2;
      return s / span.length;
    },
    save: (weights) => weights.map((l) => ({ kernel: [...l.kernel], bias: [...l.bias] })),
  };
}

/**
 * A streaming autoencoder detector: a dense autoencoder (window → hidden → code → hidden →
 * window, tanh) learns the shapes of sliding windows of the series; a window it cannot
 * reconstruct is unusual. The score is the normal CDF of how far the mean of the last
 * `shortWindow` reconstruction errors (mean squared error over the window) lies above the last
 * `errorWindow` errors.
 *
 * @remarks
 * - Trains (synchronously, full batch, Adam, seeded) on the first `trainSize` values and again
 *   every `retrainEvery` values on the last `bufferSize`; scores 0 before the first training and
 *   for the 50 values after it. The standardisation is fixed at the first training.
 *   A training blocks the caller for tens to hundreds of milliseconds.
 * - Scoring uses the trained weights in plain JavaScript (microseconds per value).
 * - Bad input follows the package policy: a non-finite value scores 0 and changes nothing; time
 *   only has to be recorded (the model reads the sequence of values).
 * - Memory is bounded by `bufferSize`, `errorWindow` and the weights.
 *
 * @returns a promise of the detector (it starts TensorFlow.js first, see {@link initTf}).
 * @throws {ConfigError} (rejects) on invalid options; {@link TfBackendError} when no backend starts.
 * @example
 * ```ts
 * const d = await createAutoencoderDetector({ window: 24 });
 * for (const [t, v] of points) if (d.update(v, t) >= 0.999) console.log(d.explain());
 * ```
 */
export async function createAutoencoderDetector(
  options: AutoencoderOptions = {},
  init: InitTfOptions = {},
): Promise<Detector> {
  const o = parseOptions(autoencoderOptionsSchema, options, {
    source: 'createAutoencoderDetector',
  });
  await initTf(init);
  return new NeuralDetector(autoencoderKind(o), o);
}

/**
 * A synchronous factory of autoencoder detectors (one per series), for the `detect` operator:
 * TensorFlow.js is started once, here, so the factory itself needs no `await`.
 *
 * @throws {ConfigError} (rejects) on invalid options; {@link TfBackendError} when no backend starts.
 * @example
 * ```ts
 * samples$.pipe(detect(await autoencoderDetectorFactory({ window: 24 }))).subscribe(console.log);
 * ```
 */
export async function autoencoderDetectorFactory(
  options: AutoencoderOptions = {},
  init: InitTfOptions = {},
): Promise<() => Detector> {
  const o = parseOptions(autoencoderOptionsSchema, options, {
    source: 'autoencoderDetectorFactory',
  });
  await initTf(init);
  return () => new NeuralDetector(autoencoderKind(o), o);
}

/**
 * Recreates an autoencoder detector from `detector.toJSON()`.
 *
 * @throws {DetectorStateError} (rejects) when the state is not an autoencoder state.
 * @example
 * ```ts
 * const again = await restoreAutoencoderDetector(JSON.parse(JSON.stringify(d)));
 * ```
 */
export async function restoreAutoencoderDetector(
  state: unknown,
  init: InitTfOptions = {},
): Promise<Detector> {
  return restoreState(state, {
    kind: 'tf-autoencoder',
    init,
    make: (options) => {
      const o = parseOptions(autoencoderOptionsSchema, options, { source: 'tf-autoencoder state' });
      const sizes = [o.window, o.hidden, o.code, o.hidden, o.window];
      const kind = autoencoderKind(o);
      return {
        detector: new NeuralDetector(kind, o),
        weights: (saved: unknown) => {
          const layers = saved as { kernel: number[]; bias: number[] }[];
          if (!Array.isArray(layers) || layers.length !== sizes.length - 1) return null;
          const out: DenseWeights[] = [];
          for (let k = 0; k < layers.length; k++) {
            const l = layers[k]!;
            const inputs = sizes[k]!;
            const units = sizes[k + 1]!;
            if (!Array.isArray(l.kernel) || l.kernel.length !== inputs * units) return null;
            if (!Array.isArray(l.bias) || l.bias.length !== units) return null;
            out.push({
              inputs,
              units,
              kernel: Float32Array.from(l.kernel),
              bias: Float32Array.from(l.bias),
              activation: k === layers.length - 1 ? 'linear' : 'tanh',
            });
          }
          return out;
        },
      };
    },
  });
}
