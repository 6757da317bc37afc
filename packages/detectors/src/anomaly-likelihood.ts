import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { DetectorStateError } from './errors.js';
import { EwStats } from './internal/ew.js';
import { clamp01, clampValue, fmt, nextTime, normalTail } from './internal/math.js';
import { restoreNested, StateReader } from './internal/state.js';

/** Options of {@link createAnomalyLikelihood} and {@link withLikelihood}. */
export const anomalyLikelihoodOptionsSchema = z.strictObject({
  /**
   * Effective length (in scores) of the history the Gaussian of averaged scores is fitted to.
   * Default 2,000.
   */
  historyLength: z.number().int().min(10).max(1_000_000).default(2000),
  /** Number of recent raw scores averaged before comparing with the history. Default 10. */
  shortWindow: z.number().int().min(1).max(1000).default(10),
  /** Scores seen before the likelihood is reported (0 until then). Default 300. */
  learningPeriod: z.number().int().min(0).default(300),
  /**
   * Floor of the history's standard deviation, so a flat history does not make noise alarming.
   * Default 0.02.
   */
  minSd: z.number().min(0).default(0.02),
  /**
   * `log` reports `-log10(tail) / 10` (tail probability 1e-5 → 0.5, 1e-10 → 1), which spreads
   * the interesting range near 1; `linear` reports `1 - tail`. Default `'log'`.
   */
  scale: z.enum(['log', 'linear']).default('log'),
  /**
   * `surprisal` feeds `-ln(1 - score)` (clamped at 40) instead of the score itself: for a detector
   * whose `1 - score` is a p-value this is exponentially distributed under normal behaviour, so
   * rare values stand out instead of being squeezed against 1. `raw` feeds the score as is. Default
   * `'surprisal'`.
   */
  input: z.enum(['surprisal', 'raw']).default('surprisal'),
});

/** Options of {@link createAnomalyLikelihood} (all optional). */
export type AnomalyLikelihoodOptions = z.input<typeof anomalyLikelihoodOptionsSchema>;

/** The anomaly likelihood post-processor: raw score in, likelihood-based score out. */
export interface AnomalyLikelihood {
  /**
   * Takes one raw score (any finite number, clamped to ±1e150; non-finite counts as 0); returns a
   * score in [0, 1].
   */
  update(rawScore: number): number;
  /** Tail probability of the last update under the history (1 = perfectly usual). */
  readonly tail: number;
  /** Serialisable state; pass it to {@link restoreAnomalyLikelihood}. */
  toJSON(): unknown;
}

type Opts = z.output<typeof anomalyLikelihoodOptionsSchema>;

class Likelihood implements AnomalyLikelihood {
  tail = 1;
  short: Float64Array;
  shortStart = 0;
  shortCount = 0;
  shortSum = 0;
  history: EwStats;
  n = 0;
  lastAvg = 0;

  constructor(readonly options: Opts) {
    this.short = new Float64Array(options.shortWindow);
    this.history = new EwStats(1 / options.historyLength);
  }

  update(rawScore: number): number {
    // Clamped like detector values, so the running sums and the history stay finite.
    let x = Number.isFinite(rawScore) ? clampValue(rawScore) : 0;
    if (this.options.input === 'surprisal')
      x = x >= 1 ? 40 : x <= 0 ? 0 : Math.min(40, -Math.log(1 - x));
    const cap = this.short.length;
    if (this.shortCount === cap) {
      this.shortSum -= this.short[this.shortStart]!;
      this.short[this.shortStart] = x;
      this.shortStart = (this.shortStart + 1) % cap;
    } else {
      this.short[(this.shortStart + this.shortCount) % cap] = x;
      this.shortCount++;
    }
    this.shortSum += x;
    if ((this.n & 1023) === 0) {
      // Re-sum now and then so floating-point drift in the running sum stays bounded.
      let s = 0;
      for (let i = 0; i < this.shortCount; i++) s += this.short[i]!;
      this.shortSum = s;
    }
    const avg = this.shortSum / this.shortCount;
    this.lastAvg = avg;
    this.n++;
    let out = 0;
    this.tail = 1;
    if (this.n > this.options.learningPeriod && this.history.n > 1 && avg > this.history.mean) {
      const sd = Math.max(this.options.minSd, this.history.sd());
      this.tail = normalTail((avg - this.history.mean) / sd);
      if (!(this.tail > 1e-300)) this.tail = 1e-300;
      out =
        this.options.scale === 'log'
          ? clamp01(-Math.log10(this.tail) / 10)
          : clamp01(1 - this.tail);
    }
    this.history.push(avg);
    return out;
  }

  describe(): string {
    if (this.n <= this.options.learningPeriod) {
      return `learning the score distribution (${this.n}/${this.options.learningPeriod})`;
    }
    return `recent mean raw score ${fmt(this.lastAvg)} vs usual ${fmt(this.history.mean)} ± ${fmt(this.history.sd())}: tail probability ${fmt(this.tail)}`;
  }

  toJSON(): Record<string, unknown> {
    const short: number[] = [];
    for (let i = 0; i < this.shortCount; i++)
      short.push(this.short[(this.shortStart + i) % this.short.length]!);
    return {
      kind: 'anomaly-likelihood',
      options: this.options,
      n: this.n,
      short,
      shortSum: this.shortSum,
      history: this.history.toJSON(),
    };
  }

  static fromState(s: Record<string, unknown>): Likelihood {
    const l = new Likelihood(
      parseOptions(anomalyLikelihoodOptionsSchema, s.options, {
        source: 'anomaly-likelihood state',
      }),
    );
    const r = new StateReader(s);
    const short = r.nums('short', { max: l.short.length });
    l.n = r.num('n', 'count');
    // Each update moves the ring one slot once it is full, so after n updates its oldest value
    // sits at n mod shortWindow. Put the values back there: the periodic re-sum adds them up in
    // slot order, and another order would round differently from the saved likelihood.
    const cap = l.short.length;
    if (short.length === cap) l.shortStart = l.n % cap;
    for (const v of short) l.short[(l.shortStart + l.shortCount++) % cap] = v;
    l.shortSum = r.num('shortSum');
    l.history.load(r, 'history');
    return l;
  }
}

/**
 * Anomaly likelihood: turns a stream of raw anomaly scores into how unlikely the *recent* scores
 * are given their own history. The mean of the last `shortWindow` raw scores is compared with a
 * Gaussian fitted (exponentially weighted, effective length `historyLength`) to past means; the
 * upper tail probability is reported on a log or linear scale.
 *
 * @remarks
 * A detector whose raw score is often high on a noisy series stops alarming once that is usual,
 * while a burst of surprise on a quiet series stands out. O(1) per update, memory
 * `8 * shortWindow` bytes plus a few numbers.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const lik = createAnomalyLikelihood({ historyLength: 1000 });
 * const score = lik.update(rawScore);
 * ```
 */
export function createAnomalyLikelihood(options: AnomalyLikelihoodOptions = {}): AnomalyLikelihood {
  return new Likelihood(
    parseOptions(anomalyLikelihoodOptionsSchema, options, { source: 'createAnomalyLikelihood' }),
  );
}

/**
 * Recreates an anomaly likelihood from its `toJSON()` output.
 *
 * @throws {DetectorStateError} when the state is not an object, or a field is missing or of the
 * wrong shape (`path` names it).
 * @throws {ConfigError} when the saved options are invalid.
 */
export function restoreAnomalyLikelihood(state: unknown): AnomalyLikelihood {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new DetectorStateError('Anomaly likelihood state must be an object', state);
  }
  return Likelihood.fromState(state as Record<string, unknown>);
}

class WithLikelihood implements Detector {
  readonly name: string;
  private lastRaw = 0;
  private lastScore = 0;
  private t = Number.NEGATIVE_INFINITY;
  private finite = true;

  constructor(
    readonly inner: Detector,
    readonly lik: Likelihood,
  ) {
    this.name = `${inner.name}+likelihood`;
  }

  update(value: number, t: number): number {
    this.t = nextTime(this.t, t);
    const raw = this.inner.update(value, t);
    this.finite = Number.isFinite(value);
    if (!this.finite) {
      this.lastScore = 0;
      return 0;
    }
    this.lastRaw = raw;
    this.lastScore = this.lik.update(raw);
    return this.lastScore;
  }

  explain(): string {
    if (!this.finite) return `${this.name}: non-finite value skipped (score 0)`;
    return `${this.name}: score ${fmt(this.lastScore)} from raw ${fmt(this.lastRaw)}; ${this.lik.describe()}. Raw detector: ${this.inner.explain()}`;
  }

  toJSON(): unknown {
    return { kind: 'with-likelihood', inner: this.inner.toJSON(), likelihood: this.lik.toJSON() };
  }
}

/** @internal */
export function withLikelihoodFromState(
  s: Record<string, unknown>,
  restore: (state: unknown) => Detector,
): Detector {
  const inner = restoreNested('inner', s, () => restore(s.inner));
  const lik = new StateReader(s).obj('likelihood');
  return new WithLikelihood(
    inner,
    restoreNested('likelihood', s, () => Likelihood.fromState(lik.o)),
  );
}

/**
 * Wraps a detector so that its scores pass through an {@link createAnomalyLikelihood | anomaly
 * likelihood}: the result scores how unusual the detector's recent scores are, not the value.
 *
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = withLikelihood(createHoltWinters(), { historyLength: 2000 });
 * d.update(v, t);
 * ```
 */
export function withLikelihood(
  detector: Detector,
  options: AnomalyLikelihoodOptions = {},
): Detector {
  return new WithLikelihood(
    detector,
    new Likelihood(
      parseOptions(anomalyLikelihoodOptionsSchema, options, { source: 'withLikelihood' }),
    ),
  );
}
