/**
 * The streaming shell shared by the TensorFlow.js detectors: a bounded buffer of recent values,
 * a model trained (synchronously, by TensorFlow.js) once `trainSize` values have been seen and
 * again every `retrainEvery` values on the buffer, and a score that says how unusual the latest
 * model errors are against the model's own recent errors. Everything a score depends on came
 * before it, so the detectors are causal. Scores are 0 until the first training and for the next
 * 50 values (while out-of-sample errors accumulate).
 */
import type { Detector } from '../../detector.js';

/** Options shared by both detectors (already validated). */
export interface NeuralOptions {
  readonly trainSize: number;
  readonly bufferSize: number;
  readonly retrainEvery: number;
  readonly epochs: number;
  readonly learningRate: number;
  readonly errorWindow: number;
  readonly shortWindow: number;
  readonly seed: number;
}

/** What a model kind supplies to the shell. */
export interface ModelKind<W> {
  /** `kind` field of the saved state. */
  readonly kind: string;
  /** Detector name. */
  readonly name: string;
  /** Normalised values one model error needs (the last is the newest). */
  readonly span: number;
  /** Trains on the normalised buffer (starting from `previous` when given); synchronous. */
  train(values: Float64Array, previous: W | null): W;
  /** The model's error on one span of normalised values. */
  error(weights: W, span: Float64Array): number;
  /** Serialisable weights. */
  save(weights: W): unknown;
}

/** Serialised state of a neural detector. */
export interface NeuralState {
  readonly kind: string;
  readonly version: 1;
  readonly options: Record<string, unknown>;
  readonly buffer: number[];
  readonly count: number;
  readonly sinceTrain: number;
  readonly trainings: number;
  readonly mean: number;
  readonly std: number;
  readonly weights: unknown;
  readonly errors: number[];
  /** Running sums of the errors, kept so a restored detector scores bit-for-bit the same. */
  readonly errSum: number;
  readonly errSumSq: number;
  /** Errors pushed out of the ring so far (decides when the sums are recomputed). */
  readonly errDropped: number;
  readonly lastT: number | null;
}

const MAX_ABS = 1e150;
const CLIP = 20;
/** Out-of-sample errors needed before the first non-zero score. */
const MIN_ERRORS = 50;

/**
 * Standard normal CDF. The upper tail is computed from erfc (Abramowitz–Stegun 7.1.26, accurate
 * relative to the tail), so scores keep their order up to about z = 8 before they round to 1.
 */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return 0;
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const tail = 0.5 * poly * Math.exp(-x * x); // P(Z > |z|)
  return z >= 0 ? 1 - tail : tail;
}

/** A bounded ring of numbers in arrival order. */
class Ring {
  private readonly data: Float64Array;
  private start = 0;
  length = 0;
  /** Values pushed out because the ring was full. */
  dropped = 0;

  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }

  push(v: number): number | undefined {
    if (this.length < this.capacity) {
      this.data[(this.start + this.length++) % this.capacity] = v;
      return undefined;
    }
    const old = this.data[this.start]!;
    this.data[this.start] = v;
    this.start = (this.start + 1) % this.capacity;
    this.dropped++;
    return old;
  }

  /** i-th value from the oldest. */
  at(i: number): number {
    return this.data[(this.start + i) % this.capacity]!;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }
}

/** A detector over a model kind; see the module comment. */
export class NeuralDetector<W> implements Detector {
  readonly name: string;
  private readonly buffer: Ring;
  private readonly errors: Ring;
  private errSum = 0;
  private errSumSq = 0;
  private count = 0;
  private sinceTrain = 0;
  private trainings = 0;
  private mean = 0;
  private std = 1;
  private weights: W | null = null;
  private lastT: number | null = null;
  private lastExplanation = 'no value seen yet';
  /** Why the last training failed, until one succeeds. */
  private trainingFailure: string | null = null;
  private readonly span: Float64Array;

  constructor(
    private readonly model: ModelKind<W>,
    private readonly options: NeuralOptions & Record<string, unknown>,
  ) {
    this.name = model.name;
    this.buffer = new Ring(options.bufferSize);
    this.errors = new Ring(options.errorWindow);
    this.span = new Float64Array(model.span);
  }

  /** Restores counters and rings from a saved state (already validated). */
  load(state: NeuralState, weights: W | null): void {
    for (const v of state.buffer) this.buffer.push(v);
    for (const e of state.errors) this.pushError(e);
    this.errSum = state.errSum;
    this.errSumSq = state.errSumSq;
    this.errors.dropped = state.errDropped;
    this.count = state.count;
    this.sinceTrain = state.sinceTrain;
    this.trainings = state.trainings;
    this.mean = state.mean;
    this.std = state.std;
    this.weights = weights;
    this.lastT = state.lastT;
  }

  update(value: number, t: number): number {
    if (Number.isFinite(t) && (this.lastT === null || t > this.lastT)) this.lastT = t;
    if (!Number.isFinite(value)) {
      this.lastExplanation = `skipped a non-finite value (${value}); state unchanged`;
      return 0;
    }
    const v = Math.max(-MAX_ABS, Math.min(MAX_ABS, value));
    this.buffer.push(v);
    this.count++;
    this.sinceTrain++;
    const o = this.options;
    if (this.weights === null) {
      if (this.count < o.trainSize) {
        this.lastExplanation = `learning: ${this.count} of ${o.trainSize} values before the first training`;
        return 0;
      }
      if (!this.tryTrain()) return 0;
    } else if (o.retrainEvery > 0 && this.sinceTrain >= o.retrainEvery) {
      this.tryTrain();
    }
    const weights = this.weights;
    if (weights === null) return 0;
    const n = this.model.span;
    for (let i = 0; i < n; i++)
      this.span[i] = this.norm(this.buffer.at(this.buffer.length - n + i));
    const err = this.model.error(weights, this.span);
    if (!Number.isFinite(err)) {
      this.lastExplanation = `${this.name}: the model gave a non-finite error; value not scored`;
      return 0;
    }
    const errors = this.errors;
    let score = 0;
    let z = 0;
    // Scores start once the model has made enough errors on values it was not trained on (errors
    // on its own training data would be too small, and make the first new values look unusual).
    if (errors.length >= Math.min(MIN_ERRORS, this.options.errorWindow)) {
      const k = Math.min(o.shortWindow - 1, errors.length);
      let short = err;
      for (let i = 0; i < k; i++) short += errors.at(errors.length - 1 - i);
      short /= k + 1;
      const m = this.errSum / errors.length;
      const variance = Math.max(0, this.errSumSq / errors.length - m * m);
      const s = Math.max(Math.sqrt(variance), 1e-3 * Math.abs(m), 1e-12);
      z = (short - m) / s;
      score = normalCdf(z);
    }
    this.pushError(err);
    this.lastExplanation = `${this.name}: model error ${err.toPrecision(3)}, recent errors ${z.toFixed(
      2,
    )} standard deviations from their usual level (value ${v}, trained ${this.trainings}×)${
      this.trainingFailure === null ? '' : `; last ${this.trainingFailure}`
    }`;
    return score;
  }

  explain(): string {
    return this.lastExplanation;
  }

  toJSON(): NeuralState {
    return {
      kind: this.model.kind,
      version: 1,
      options: { ...this.options },
      buffer: this.buffer.toArray(),
      count: this.count,
      sinceTrain: this.sinceTrain,
      trainings: this.trainings,
      mean: this.mean,
      std: this.std,
      weights: this.weights === null ? null : this.model.save(this.weights),
      errors: this.errors.toArray(),
      errSum: this.errSum,
      errSumSq: this.errSumSq,
      errDropped: this.errors.dropped,
      lastT: this.lastT,
    };
  }

  private norm(v: number): number {
    const z = (v - this.mean) / this.std;
    return z > CLIP ? CLIP : z < -CLIP ? -CLIP : z;
  }

  private pushError(e: number): void {
    const old = this.errors.push(e);
    this.errSum += e;
    this.errSumSq += e * e;
    if (old !== undefined) {
      this.errSum -= old;
      this.errSumSq -= old * old;
    }
    // Running sums drift; recompute them exactly once per ring turn.
    if (this.errors.dropped > 0 && this.errors.dropped % this.errors.capacity === 0) {
      let s = 0;
      let q = 0;
      for (let i = 0; i < this.errors.length; i++) {
        const x = this.errors.at(i);
        s += x;
        q += x * x;
      }
      this.errSum = s;
      this.errSumSq = q;
    }
  }

  /**
   * Trains, keeping the detector usable when TensorFlow.js fails (the backend went away, out of
   * memory): the old weights stay, and the next attempt waits `retrainEvery` (or `trainSize`)
   * values. Returns whether weights are available.
   */
  private tryTrain(): boolean {
    try {
      this.train();
    } catch (cause) {
      this.sinceTrain = 0;
      if (this.weights === null) this.count = 0;
      this.trainingFailure = `training failed (${
        cause instanceof Error ? cause.message : String(cause)
      }); ${this.weights === null ? 'still learning' : 'keeping the previous model'}`;
      this.lastExplanation = `${this.name}: ${this.trainingFailure}`;
    }
    return this.weights !== null;
  }

  private train(): void {
    const b = this.buffer;
    if (this.trainings === 0) {
      // The scale is fixed at the first training: retraining adapts the weights, not the units
      // the errors are measured in, so errors before and after a retraining stay comparable.
      let s = 0;
      for (let i = 0; i < b.length; i++) s += b.at(i);
      const mean = s / b.length;
      let q = 0;
      for (let i = 0; i < b.length; i++) q += (b.at(i) - mean) ** 2;
      const std = Math.sqrt(q / b.length);
      this.mean = mean;
      this.std = std > 1e-9 * (Math.abs(mean) + 1) ? std : 1;
    }
    const values = new Float64Array(b.length);
    for (let i = 0; i < b.length; i++) values[i] = this.norm(b.at(i));
    this.weights = this.model.train(values, this.weights);
    this.trainingFailure = null;
    this.trainings++;
    this.sinceTrain = 0;
  }
}
