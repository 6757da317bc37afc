/**
 * Synchronous full-batch training with TensorFlow.js, and copying weights in and out of models.
 */
import * as tf from '@tensorflow/tfjs';

/** Copies a model's weights out as Float32Arrays (in `getWeights()` order). */
export function readWeights(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

/** Sets a model's weights from Float32Arrays (in `getWeights()` order). */
export function writeWeights(model: tf.LayersModel, weights: readonly Float32Array[]): void {
  const current = model.getWeights();
  const tensors = weights.map((w, i) => tf.tensor(w, current[i]!.shape));
  model.setWeights(tensors);
  for (const t of tensors) t.dispose();
}

/**
 * Trains `model` on `(x, y)` for `epochs` full-batch Adam steps of mean squared error, without
 * yielding to the event loop (so a detector's `update` stays synchronous and deterministic), and
 * returns the trained weights. Tensors created here are disposed; the caller disposes the model.
 */
export function fitSync(
  model: tf.LayersModel,
  data: { readonly x: tf.Tensor; readonly y: tf.Tensor },
  options: { readonly epochs: number; readonly learningRate: number },
): Float32Array[] {
  const optimizer = tf.train.adam(options.learningRate);
  try {
    for (let e = 0; e < options.epochs; e++) {
      const cost = optimizer.minimize(
        () => tf.losses.meanSquaredError(data.y, model.apply(data.x) as tf.Tensor),
        false,
      );
      cost?.dispose();
    }
    return readWeights(model);
  } finally {
    optimizer.dispose();
  }
}

/** Seeded Glorot-uniform initialiser (layer `k` of a model with seed `seed`). */
export function glorot(seed: number, k: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed: seed * 101 + k });
}
