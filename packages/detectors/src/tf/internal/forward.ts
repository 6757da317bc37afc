/**
 * Forward passes of the trained networks in plain JavaScript. TensorFlow.js trains the models;
 * scoring one window per sample through tfjs costs a kernel launch per op (milliseconds for an
 * LSTM), so the weights are copied out after training and applied here (microseconds). A test
 * checks these against `model.predict`.
 */

/** A dense layer: `kernel` is `[inputs × units]`, row-major, as tfjs stores it. */
export interface DenseWeights {
  readonly inputs: number;
  readonly units: number;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly activation: 'tanh' | 'linear';
}

/** One LSTM layer (Keras gate order i, f, c, o; sigmoid gates, tanh cell) over a 1-d input. */
export interface LstmWeights {
  readonly units: number;
  /** `[1 × 4·units]` */
  readonly kernel: Float32Array;
  /** `[units × 4·units]` */
  readonly recurrent: Float32Array;
  /** `[4·units]` */
  readonly bias: Float32Array;
}

/** `out = activation(x · kernel + bias)`. */
export function dense(layer: DenseWeights, x: ArrayLike<number>, out: Float64Array): Float64Array {
  const { inputs, units, kernel, bias } = layer;
  for (let j = 0; j < units; j++) out[j] = bias[j]!;
  for (let i = 0; i < inputs; i++) {
    const xi = x[i]!;
    if (xi === 0) continue;
    const row = i * units;
    for (let j = 0; j < units; j++) out[j] = out[j]! + xi * kernel[row + j]!;
  }
  if (layer.activation === 'tanh') for (let j = 0; j < units; j++) out[j] = Math.tanh(out[j]!);
  return out;
}

/** Runs dense layers in sequence; returns the last layer's output. */
export function denseStack(layers: readonly DenseWeights[], x: ArrayLike<number>): Float64Array {
  let cur: ArrayLike<number> = x;
  let out: Float64Array = new Float64Array(0);
  for (const layer of layers) {
    out = dense(layer, cur, new Float64Array(layer.units));
    cur = out;
  }
  return out;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** The LSTM's last hidden state after reading `x` from a zero state. */
export function lstmLast(layer: LstmWeights, x: ArrayLike<number>): Float64Array {
  const u = layer.units;
  const g4 = 4 * u;
  const h = new Float64Array(u);
  const c = new Float64Array(u);
  const z = new Float64Array(g4);
  for (let t = 0; t < x.length; t++) {
    const xt = x[t]!;
    for (let k = 0; k < g4; k++) z[k] = layer.bias[k]! + xt * layer.kernel[k]!;
    for (let i = 0; i < u; i++) {
      const hi = h[i]!;
      if (hi === 0) continue;
      const row = i * g4;
      for (let k = 0; k < g4; k++) z[k] = z[k]! + hi * layer.recurrent[row + k]!;
    }
    for (let j = 0; j < u; j++) {
      const ig = sigmoid(z[j]!);
      const fg = sigmoid(z[u + j]!);
      const cc = Math.tanh(z[2 * u + j]!);
      const og = sigmoid(z[3 * u + j]!);
      c[j] = fg * c[j]! + ig * cc;
      h[j] = og * Math.tanh(c[j]!);
    }
  }
  return h;
}
