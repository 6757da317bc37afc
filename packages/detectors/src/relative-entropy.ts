import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { chiSquareCdf } from './internal/gamma.js';
import { fmt } from './internal/math.js';

/** Options of {@link createRelativeEntropy}. */
export const relativeEntropyOptionsSchema = z.strictObject({
  /** Values in the recent window whose histogram is compared with the reference. Default 64. */
  windowSize: z.number().int().min(8).max(10_000).default(64),
  /**
   * Histogram bins over the learned range (two more catch values below and above it). Default 8.
   */
  bins: z.number().int().min(2).max(64).default(8),
  /** Values used to learn the range before scoring starts. Default 128. */
  learnCount: z.number().int().min(8).default(128),
  /**
   * Rate at which the reference histogram follows the series, per value, in (0, 1). Default 0.002.
   */
  alpha: z.number().gt(0).lt(1).default(0.002),
});

/** Options of {@link createRelativeEntropy} (all optional). */
export type RelativeEntropyOptions = z.input<typeof relativeEntropyOptionsSchema>;

class RelativeEntropy extends BaseDetector {
  readonly name = 'relative-entropy';
  private readonly options: z.output<typeof relativeEntropyOptionsSchema>;
  private readonly ring: Int16Array; // bin of each value in the window
  private readonly learn: Float64Array;
  private readonly current: Float64Array;
  private readonly reference: Float64Array;
  private start = 0;
  private count = 0;
  private lo = 0;
  private hi = 0;
  private ready = false;
  private kl = 0;

  constructor(options: z.output<typeof relativeEntropyOptionsSchema>) {
    super();
    this.options = options;
    this.ring = new Int16Array(options.windowSize);
    this.learn = new Float64Array(options.learnCount);
    this.current = new Float64Array(options.bins + 2);
    this.reference = new Float64Array(options.bins + 2);
  }

  private binOf(v: number): number {
    const b = this.options.bins;
    if (v < this.lo) return 0;
    if (v > this.hi) return b + 1;
    const span = this.hi - this.lo;
    return span > 0 ? 1 + Math.min(b - 1, Math.floor(((v - this.lo) / span) * b)) : 1 + (b >> 1);
  }

  private start_(): void {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const v of this.learn) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    // A margin of a quarter of the range on each side: mild excursions stay in range.
    const margin = (max - min) * 0.25;
    this.lo = min - margin;
    this.hi = max + margin;
    this.reference.fill(0);
    for (const v of this.learn) this.reference[this.binOf(v)]! += 1 / this.learn.length;
    this.ready = true;
  }

  protected step(v: number): number {
    const { learnCount, windowSize, alpha, bins } = this.options;
    if (!this.ready) {
      this.learn[this.n - 1] = v;
      if (this.n >= learnCount) this.start_();
      return 0;
    }
    const b = this.binOf(v);
    if (this.count === windowSize) {
      this.current[this.ring[this.start]!]!--;
      this.ring[this.start] = b;
      this.start = (this.start + 1) % windowSize;
    } else {
      this.ring[(this.start + this.count) % windowSize] = b;
      this.count++;
    }
    this.current[b]!++;
    let score = 0;
    this.kl = 0;
    if (this.count === windowSize) {
      // KL(current || reference) with a small floor so empty reference bins stay finite.
      let kl = 0;
      const k = bins + 2;
      for (let i = 0; i < k; i++) {
        const p = this.current[i]! / windowSize;
        if (p > 0)
          kl += p * Math.log(p / Math.max(this.reference[i]!, 0.5 / (learnCount + windowSize)));
      }
      this.kl = Math.max(0, kl);
      // 2·N·KL is asymptotically chi-square with (bins - 1) degrees of freedom under no change.
      score = chiSquareCdf(2 * windowSize * this.kl, k - 1);
    }
    for (let i = 0; i < this.reference.length; i++) {
      this.reference[i] = this.reference[i]! * (1 - alpha) + (i === b ? alpha : 0);
    }
    return score;
  }

  protected describe(): string {
    if (!this.ready) return `learning the range (${this.n}/${this.options.learnCount} values)`;
    if (this.count < this.options.windowSize)
      return `filling the window (${this.count}/${this.options.windowSize})`;
    return `the histogram of the last ${this.options.windowSize} values diverges from the long-run histogram by ${fmt(this.kl)} nats (range [${fmt(this.lo)}, ${fmt(this.hi)}]); score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    const bins: number[] = [];
    for (let i = 0; i < this.count; i++)
      bins.push(this.ring[(this.start + i) % this.options.windowSize]!);
    return {
      options: this.options,
      ready: this.ready,
      lo: this.lo,
      hi: this.hi,
      learn: this.ready ? [] : Array.from(this.learn.subarray(0, this.n)),
      window: bins,
      reference: Array.from(this.reference),
    };
  }

  static fromState(s: Record<string, unknown>): RelativeEntropy {
    const d = new RelativeEntropy(
      parseOptions(relativeEntropyOptionsSchema, s.options, { source: 'relative-entropy state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    const k = d.options.bins + 2;
    if (r.bool('ready')) {
      d.ready = true;
      d.lo = r.num('lo');
      d.hi = r.num('hi');
      d.reference.set(r.nums('reference', { length: k, rule: 'nonNegative' }));
      for (const bin of r.nums('window', { max: d.options.windowSize, rule: 'count' })) {
        if (bin >= k) r.fail('window', `bins must be below ${k}`);
        d.ring[d.count++] = bin;
        d.current[bin]!++;
      }
    } else {
      // While learning, every value seen so far is kept (the range is learned from them all).
      if (d.n >= d.options.learnCount)
        r.fail('n', `must be below ${d.options.learnCount} while learning`);
      d.learn.set(r.nums('learn', { length: d.n }));
    }
    return d;
  }
}

/** @internal */
export const relativeEntropyFromState = (s: Record<string, unknown>): Detector =>
  RelativeEntropy.fromState(s);

/**
 * Histogram / relative-entropy change detector: the histogram of the last `windowSize` values is
 * compared with a slowly updated long-run histogram by Kullback-Leibler divergence; `2·N·KL` is
 * referred to its chi-square distribution, so the score is the confidence that the recent
 * distribution of values has changed (a shift, a new mode, a change of spread).
 *
 * @remarks O(bins) per update, no allocation; memory about `2 · windowSize + 16 · bins` bytes
 * (plus `8 · learnCount` while learning). The range is learned from the first `learnCount`
 * values; values outside it fall into two overflow bins.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createRelativeEntropy({ windowSize: 52, bins: 5 });
 * d.update(v, t);
 * ```
 */
export function createRelativeEntropy(options: RelativeEntropyOptions = {}): Detector {
  return new RelativeEntropy(
    parseOptions(relativeEntropyOptionsSchema, options, { source: 'createRelativeEntropy' }),
  );
}
