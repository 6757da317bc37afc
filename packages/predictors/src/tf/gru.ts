import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model } from '../model.js';
import { BaseModel } from '../internal/base.js';
import { baseModelShape, periodSchema } from '../internal/options.js';
import { createSeasonalNaive } from '../create-seasonal-naive.js';
import { cyclicFeatures } from '../cyclic-features.js';

/** Options of {@link createGruForecaster}. */
export const gruOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Values fed to the network for each forecast. Default 48. */
    lookback: z.number().int().min(4).max(1000).default(48),
    /**
     * Steps predicted at once (longer horizons are reached by feeding forecasts back). Default 48.
     */
    horizon: z.number().int().min(1).max(500).default(48),
    /** GRU units. Default 16. */
    hidden: z.number().int().min(1).max(256).default(16),
    /** Full-batch training passes. Default 60. */
    epochs: z.number().int().min(1).max(10_000).default(60),
    /** Adam learning rate. Default 0.01. */
    learningRate: z.number().positive().max(1).default(0.01),
    /** Most training windows (the most recent are kept). Default 256. */
    maxWindows: z.number().int().min(1).default(256),
    /**
     * Periods (in steps) encoded as sine/cosine time features (hour of day, hour of week). Default
     * `[24, 168]`.
     */
    periods: z.array(periodSchema).max(4).default([24, 168]),
    /**
     * Seed of the weight initialisation and of nothing else (training is full-batch). Default 1.
     */
    seed: z.number().int().default(1),
  })
  .strict();
/** Options of {@link createGruForecaster} (all optional). */
export type GruOptions = z.input<typeof gruOptionsSchema>;
type Parsed = z.output<typeof gruOptionsSchema>;

/** Trained weights as plain arrays (row-major), enough to forecast without TensorFlow.js. */
interface Weights {
  readonly w: Float32Array[]; // [Wz, Wr, Wh] input → hidden, F×H
  readonly u: Float32Array[]; // [Uz, Ur, Uh] hidden → hidden, H×H
  readonly b: Float32Array[]; // [bz, br, bh], H
  readonly wo: Float32Array; // H×horizon
  readonly bo: Float32Array; // horizon
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Input features of step `t`: the scaled value, then sin/cos of each period's phase. */
function features(value: number, t: number, periods: readonly number[]): number[] {
  return [value, ...cyclicFeatures(t, periods)];
}

class GruForecaster extends BaseModel {
  readonly name = 'gru';
  private weights: Weights | undefined;
  private log = false;
  private scale = 1;
  /** `dropped` when the weights were trained: series positions are counted from that fit. */
  private droppedAtFit = 0;
  private fallback: Model | undefined;
  /** Per-step half-width of the interval in the transformed scale. */
  private halfWidth: number[] = [];

  constructor(private readonly o: Parsed) {
    super(o.level, Math.max(o.maxHistory, o.lookback + o.horizon));
  }

  private transform(v: number): number {
    return this.log ? Math.log(v) : v / this.scale;
  }

  private inverse(v: number): number {
    return this.log ? Math.exp(v) : v * this.scale;
  }

  protected estimate(h: readonly number[]): void {
    const { lookback: L, horizon: H } = this.o;
    this.droppedAtFit = this.dropped;
    if (h.length < L + H + 8) {
      // Too short to learn from: seasonal naive (documented fallback).
      const f = createSeasonalNaive({
        period: Math.min(...this.o.periods, 24),
        level: this.o.level,
      });
      f.fit(h);
      this.fallback = f;
      this.weights = undefined;
      return;
    }
    this.fallback = undefined;
    this.log = h.every((v) => v > 0);
    const mean = h.reduce((a, b) => a + Math.abs(b), 0) / h.length;
    this.scale = mean > 0 ? mean : 1;
    const y = h.map((v) => this.transform(v));
    const starts: number[] = [];
    for (let s = y.length - L - H; s >= 0 && starts.length < this.o.maxWindows; s--) starts.push(s);
    const F = 1 + 2 * this.o.periods.length;
    const xs = new Float32Array(starts.length * L * F);
    const ys = new Float32Array(starts.length * H);
    starts.forEach((s, k) => {
      const level = this.levelOf(y, s + L);
      for (let i = 0; i < L; i++) {
        const f = features(y[s + i]! - level, s + i, this.o.periods);
        xs.set(f, (k * L + i) * F);
      }
      for (let j = 0; j < H; j++) ys[k * H + j] = y[s + L + j]! - level;
    });
    this.weights = this.train(xs, ys, starts.length);
    // Interval: per-step quantile of the absolute in-sample errors, in the transformed scale.
    const errs: number[][] = Array.from({ length: H }, () => []);
    for (const s of starts) {
      const f = this.run(y.slice(s, s + L), s);
      for (let j = 0; j < H; j++) errs[j]!.push(Math.abs(y[s + L + j]! - f[j]!));
    }
    this.halfWidth = errs.map((e) => {
      const sorted = e.sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.floor(this.o.level * sorted.length))] ?? 0;
    });
  }

  /** Level of the window ending before `end`: mean of its last 24 values (or fewer). */
  private levelOf(y: readonly number[], end: number): number {
    const k = Math.min(24, this.o.lookback);
    let s = 0;
    for (let i = end - k; i < end; i++) s += y[i]!;
    return s / k;
  }

  private train(xsData: Float32Array, ysData: Float32Array, n: number): Weights {
    const { horizon: H, hidden: U, seed } = this.o;
    const F = 1 + 2 * this.o.periods.length;
    const init = (shape: [number, number], k: number): tf.Variable => {
      const a = Math.sqrt(6 / (shape[0] + shape[1]));
      return tf.tidy(() => tf.variable(tf.randomUniform(shape, -a, a, 'float32', seed + k)));
    };
    const w = [0, 1, 2].map((k) => init([F, U], k));
    const u = [0, 1, 2].map((k) => init([U, U], 3 + k));
    const b = [0, 1, 2].map(() => tf.variable(tf.zeros([U])));
    const wo = init([U, H], 7);
    const bo = tf.variable(tf.zeros([H]));
    const optimizer = tf.train.adam(this.o.learningRate);
    try {
      return this.optimise({ w, u, b, wo, bo, optimizer }, { xsData, ysData, n });
    } finally {
      optimizer.dispose();
      for (const v of [...w, ...u, ...b, wo, bo]) v.dispose();
    }
  }

  private optimise(
    v: {
      w: tf.Variable[];
      u: tf.Variable[];
      b: tf.Variable[];
      wo: tf.Variable;
      bo: tf.Variable;
      optimizer: tf.Optimizer;
    },
    data: { xsData: Float32Array; ysData: Float32Array; n: number },
  ): Weights {
    const { lookback: L, horizon: H, hidden: U } = this.o;
    const F = 1 + 2 * this.o.periods.length;
    const { w, u, b, wo, bo, optimizer } = v;
    const { xsData, ysData, n } = data;
    return tf.tidy(() => {
      const xs = tf.tensor3d(xsData, [n, L, F]);
      const ys = tf.tensor2d(ysData, [n, H]);
      const steps = tf.unstack(xs, 1) as tf.Tensor2D[];
      for (let epoch = 0; epoch < this.o.epochs; epoch++) {
        optimizer.minimize(() => {
          let h: tf.Tensor2D = tf.zeros([n, U]);
          for (const x of steps) {
            const z = tf.sigmoid(tf.add(tf.add(tf.matMul(x, w[0]!), tf.matMul(h, u[0]!)), b[0]!));
            const r = tf.sigmoid(tf.add(tf.add(tf.matMul(x, w[1]!), tf.matMul(h, u[1]!)), b[1]!));
            const c = tf.tanh(
              tf.add(tf.add(tf.matMul(x, w[2]!), tf.matMul(tf.mul(r, h), u[2]!)), b[2]!),
            );
            h = tf.add(tf.mul(tf.sub(1, z), h), tf.mul(z, c));
          }
          const out = tf.add(tf.matMul(h, wo), bo);
          return tf.mean<tf.Scalar>(tf.abs(tf.sub(out, ys)));
        });
      }
      const read = (v: tf.Variable): Float32Array => Float32Array.from(v.dataSync());
      return { w: w.map(read), u: u.map(read), b: b.map(read), wo: read(wo), bo: read(bo) };
    });
  }

  /** Plain-JS forward pass: `window` (transformed values) ending before series index `t0 + L`. */
  private run(window: readonly number[], t0: number): number[] {
    const W = this.weights!;
    const { hidden: U, horizon: H } = this.o;
    const F = 1 + 2 * this.o.periods.length;
    const level = this.levelOf(window, window.length);
    let h = new Float64Array(U);
    const pre = (k: number, x: number[], hv: Float64Array): Float64Array => {
      const out = new Float64Array(U);
      for (let j = 0; j < U; j++) {
        let s = W.b[k]![j]!;
        for (let i = 0; i < F; i++) s += x[i]! * W.w[k]![i * U + j]!;
        for (let i = 0; i < U; i++) s += hv[i]! * W.u[k]![i * U + j]!;
        out[j] = s;
      }
      return out;
    };
    window.forEach((v, i) => {
      const x = features(v - level, t0 + i, this.o.periods);
      const z = pre(0, x, h).map(sigmoid);
      const r = pre(1, x, h).map(sigmoid);
      const c = pre(
        2,
        x,
        h.map((hv, j) => r[j]! * hv),
      ).map(Math.tanh);
      h = h.map((hv, j) => (1 - z[j]!) * hv + z[j]! * c[j]!);
    });
    const out: number[] = [];
    for (let k = 0; k < H; k++) {
      let s = W.bo[k]!;
      for (let j = 0; j < U; j++) s += h[j]! * W.wo[j * H + k]!;
      out.push(s + level);
    }
    return out;
  }

  protected override step(): boolean {
    // The weights stay; the forecast reads the newest values from the history.
    return this.fallback === undefined;
  }

  protected predict(steps: number): ForecastResult {
    if (this.fallback) return this.fallback.forecast(steps);
    const { lookback: L, horizon: H } = this.o;
    const y = this.history.map((v) => this.transform(v));
    const mean: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    let t = this.dropped - this.droppedAtFit + y.length;
    while (mean.length < steps) {
      const f = this.run(y.slice(-L), t - L);
      for (let j = 0; j < H && mean.length < steps; j++) {
        const k = mean.length;
        // Beyond one network horizon the error of the fed-back part adds up (√ of rounds).
        const w = this.halfWidth[j]! * Math.sqrt(Math.floor(k / H) + 1);
        mean.push(this.inverse(f[j]!));
        lower.push(this.inverse(f[j]! - w));
        upper.push(this.inverse(f[j]! + w));
        y.push(f[j]!);
      }
      t += H;
    }
    return { mean, lower, upper, level: this.level };
  }
}

/**
 * A GRU network that forecasts `horizon` steps at once from the last `lookback` values plus
 * time-of-day/week features, trained with TensorFlow.js (mean absolute error, Adam, full batch)
 * and run in plain JavaScript afterwards (no tensors on the forecast path).
 *
 * @remarks Call {@link initTf} first. Positive series are modelled on the log scale, each
 * window relative to the mean of its last 24 values. A history shorter than
 * `lookback + horizon + 8` falls back to seasonal naive. `update` keeps the trained weights and
 * reads new values; `fit` retrains. Intervals use per-step quantiles of the in-sample errors,
 * which tends to make them narrow.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * await initTf();
 * const model = createGruForecaster({ lookback: 48, horizon: 48 });
 * model.fit(hourly);
 * model.forecast(48).mean;
 * ```
 */
export function createGruForecaster(options: GruOptions = {}): Model {
  return new GruForecaster(
    parseOptions(gruOptionsSchema, options, { source: 'createGruForecaster' }),
  );
}
