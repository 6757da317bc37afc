import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { fmt } from './internal/math.js';
import { Rng } from './internal/random.js';

/** Options of {@link createIsolationForest}. */
export const isolationForestOptionsSchema = z.strictObject({
  /**
   * Consecutive values per point (the shingle); the forest isolates shapes, not single values.
   * Default 4.
   */
  shingleSize: z.number().int().min(1).max(16).default(4),
  /** Recent shingles the forest is (re)built from. Default 256. */
  windowSize: z.number().int().min(16).max(4096).default(256),
  /** Number of trees. Default 32. */
  trees: z.number().int().min(1).max(256).default(32),
  /** Points sampled from the window per tree. Default 64. */
  sampleSize: z.number().int().min(4).max(1024).default(64),
  /** Updates between rebuilds of the forest from the current window. Default 128. */
  rebuildEvery: z.number().int().min(1).default(128),
  /** Seed of the random number generator, for reproducible scores. Default 1. */
  seed: z.number().int().default(1),
});

/** Options of {@link createIsolationForest} (all optional). */
export type IsolationForestOptions = z.input<typeof isolationForestOptionsSchema>;

function toBase64(a: Int8Array | Float64Array | Uint16Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** Average path length of an unsuccessful search in a binary search tree of n points. */
function c(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + 0.5772156649) - (2 * (n - 1)) / n;
}

class IsolationForest extends BaseDetector {
  readonly name = 'isolation-forest';
  private readonly options: z.output<typeof isolationForestOptionsSchema>;
  private readonly recent: Float64Array; // last shingleSize values
  private recentCount = 0;
  private readonly window: Float64Array; // windowSize shingles, row-major
  private windowStart = 0;
  private windowCount = 0;
  private readonly nodes: number; // nodes per tree (complete binary tree of maxDepth)
  private readonly maxDepth: number;
  private readonly feature: Int8Array; // -1 = leaf, -2 = unused
  private readonly split: Float64Array;
  private readonly lo: Float64Array; // range of the split feature in the node's sample
  private readonly hi: Float64Array;
  private readonly size: Uint16Array;
  private readonly idx: Int32Array; // scratch: sample indices during a build
  private readonly point: Float64Array; // scratch: current shingle
  private rng: Rng;
  private built = false;
  private sinceBuild = 0;
  private depth = 0;
  private builtFrom = 0;

  constructor(options: z.output<typeof isolationForestOptionsSchema>) {
    super();
    this.options = options;
    const d = options.shingleSize;
    this.recent = new Float64Array(d);
    this.window = new Float64Array(options.windowSize * d);
    this.maxDepth = Math.ceil(Math.log2(Math.max(2, options.sampleSize)));
    this.nodes = (1 << (this.maxDepth + 1)) - 1;
    this.feature = new Int8Array(this.nodes * options.trees);
    this.split = new Float64Array(this.nodes * options.trees);
    this.lo = new Float64Array(this.nodes * options.trees);
    this.hi = new Float64Array(this.nodes * options.trees);
    this.size = new Uint16Array(this.nodes * options.trees);
    this.idx = new Int32Array(options.sampleSize);
    this.point = new Float64Array(d);
    this.rng = new Rng(options.seed);
  }

  private row(i: number): number {
    return ((this.windowStart + i) % this.options.windowSize) * this.options.shingleSize;
  }

  private build(): void {
    const { trees, sampleSize, shingleSize } = this.options;
    const n = this.windowCount;
    const m = Math.min(sampleSize, n);
    this.feature.fill(-2);
    for (let tr = 0; tr < trees; tr++) {
      for (let i = 0; i < m; i++) this.idx[i] = this.rng.int(n);
      this.grow(tr * this.nodes, 0, { lo: 0, hi: m, depth: 0, dims: shingleSize });
    }
    this.built = true;
    this.builtFrom = m;
    this.sinceBuild = 0;
  }

  private grow(
    base: number,
    node: number,
    r: { lo: number; hi: number; depth: number; dims: number },
  ): void {
    const count = r.hi - r.lo;
    const at = base + node;
    if (count <= 1 || r.depth >= this.maxDepth) {
      this.feature[at] = -1;
      this.size[at] = count;
      return;
    }
    // Try a few random dimensions for one with spread (a constant dimension cannot split).
    for (let attempt = 0; attempt < r.dims; attempt++) {
      const f = this.rng.int(r.dims);
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (let i = r.lo; i < r.hi; i++) {
        const v = this.window[this.row(this.idx[i]!) + f]!;
        if (v < min) min = v;
        if (v > max) max = v;
      }
      if (max > min) {
        const s = min + this.rng.next() * (max - min);
        let a = r.lo;
        let b = r.hi - 1;
        while (a <= b) {
          if (this.window[this.row(this.idx[a]!) + f]! < s) a++;
          else {
            const tmp = this.idx[a]!;
            this.idx[a] = this.idx[b]!;
            this.idx[b] = tmp;
            b--;
          }
        }
        this.feature[at] = f;
        this.split[at] = s;
        this.lo[at] = min;
        this.hi[at] = max;
        this.grow(base, 2 * node + 1, { lo: r.lo, hi: a, depth: r.depth + 1, dims: r.dims });
        this.grow(base, 2 * node + 2, { lo: a, hi: r.hi, depth: r.depth + 1, dims: r.dims });
        return;
      }
    }
    this.feature[at] = -1;
    this.size[at] = count;
  }

  /**
   * Expected path length of the current point. Where the point lies outside the node sample's
   * range on the split feature, a split drawn over the range including the point would cut it
   * off alone with probability `gap / (span + gap)`; that chance is counted as isolation there.
   */
  private pathLength(base: number): number {
    let node = 0;
    let depth = 0;
    let reach = 1;
    let expected = 0;
    for (;;) {
      const at = base + node;
      const f = this.feature[at]!;
      if (f < 0) return expected + reach * (depth + c(this.size[at]!));
      const x = this.point[f]!;
      const lo = this.lo[at]!;
      const hi = this.hi[at]!;
      const gap = x > hi ? x - hi : x < lo ? lo - x : 0;
      if (gap > 0) {
        const q = gap / (hi - lo + gap);
        expected += reach * q * (depth + 1);
        reach *= 1 - q;
      }
      node = x < this.split[at]! ? 2 * node + 1 : 2 * node + 2;
      depth++;
    }
  }

  protected step(v: number): number {
    const d = this.options.shingleSize;
    this.recent[this.recentCount % d] = v;
    this.recentCount++;
    if (this.recentCount >= 1 << 30) this.recentCount = d + (this.recentCount % d);
    if (this.recentCount < d) return 0;
    // The shingle, oldest first.
    for (let i = 0; i < d; i++) this.point[i] = this.recent[(this.recentCount - d + i) % d]!;
    let score = 0;
    if (this.built) {
      let total = 0;
      for (let tr = 0; tr < this.options.trees; tr++) total += this.pathLength(tr * this.nodes);
      const mean = total / this.options.trees;
      this.depth = mean;
      const raw = Math.pow(2, -mean / c(this.builtFrom));
      // 0.5 is what a point like the others scores; rescale so that is 0 and isolation is 1.
      score = 2 * raw - 1;
    }
    const w = this.options.windowSize;
    const rowAt = ((this.windowStart + this.windowCount) % w) * d;
    if (this.windowCount < w) this.windowCount++;
    else this.windowStart = (this.windowStart + 1) % w;
    for (let i = 0; i < d; i++) this.window[rowAt + i] = this.point[i]!;
    if (++this.sinceBuild >= this.options.rebuildEvery || (!this.built && this.windowCount >= 16)) {
      this.build();
    }
    return score;
  }

  protected describe(): string {
    if (!this.built) return `warming up (${this.windowCount} shingles)`;
    return `the last ${this.options.shingleSize} values ending at ${fmt(this.lastValue)} are isolated after ${fmt(this.depth)} splits on average (window of ${this.windowCount}); score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    const d = this.options.shingleSize;
    const recent: number[] = [];
    const k = Math.min(this.recentCount, d);
    for (let i = this.recentCount - k; i < this.recentCount; i++) recent.push(this.recent[i % d]!);
    const window: number[] = [];
    for (let i = 0; i < this.windowCount; i++) {
      const r = this.row(i);
      for (let j = 0; j < d; j++) window.push(this.window[r + j]!);
    }
    return {
      options: this.options,
      recent,
      window,
      rng: this.rng.state,
      sinceBuild: this.sinceBuild,
      forest: this.built
        ? {
            builtFrom: this.builtFrom,
            feature: toBase64(this.feature),
            split: toBase64(this.split),
            size: toBase64(this.size),
            lo: toBase64(this.lo),
            hi: toBase64(this.hi),
          }
        : null,
    };
  }

  static fromState(s: Record<string, unknown>): IsolationForest {
    const f = new IsolationForest(
      parseOptions(isolationForestOptionsSchema, s.options, { source: 'isolation-forest state' }),
    );
    const r = new StateReader(s);
    f.restoreBase(r);
    const { shingleSize: d, windowSize } = f.options;
    for (const v of r.nums('recent', { max: d })) f.recent[f.recentCount++] = v;
    const flat = r.nums('window', { max: windowSize * d });
    if (flat.length % d !== 0) r.fail('window', `must hold whole shingles of ${d} values`);
    f.window.set(flat);
    f.windowCount = flat.length / d;
    f.rng = new Rng(r.num('rng', 'count'));
    if (r.o.forest !== null) {
      const forest = r.obj('forest');
      const bytes = (k: string, into: Int8Array | Float64Array | Uint16Array): void => {
        const b = Buffer.from(forest.str(k), 'base64');
        if (b.length !== into.byteLength) {
          forest.fail(k, `must hold ${into.byteLength} bytes (base64), not ${b.length}`);
        }
        new Uint8Array(into.buffer, into.byteOffset, into.byteLength).set(b);
      };
      bytes('feature', f.feature);
      bytes('split', f.split);
      bytes('size', f.size);
      bytes('lo', f.lo);
      bytes('hi', f.hi);
      f.built = true;
      f.builtFrom = forest.num('builtFrom', 'count');
      if (f.builtFrom < 1) forest.fail('builtFrom', 'must be ≥ 1');
    } else if (f.windowCount >= 16) {
      // No saved forest: rebuild one from the saved window.
      f.build();
    }
    f.sinceBuild = r.num('sinceBuild', 'count');
    return f;
  }
}

/** @internal */
export const isolationForestFromState = (s: Record<string, unknown>): Detector =>
  IsolationForest.fromState(s);

/**
 * Streaming isolation forest on sliding windows: every value closes a shingle (the last
 * `shingleSize` values); a forest of random isolation trees, rebuilt every `rebuildEvery` updates
 * from the last `windowSize` shingles, scores how quickly the new shingle is isolated
 * (`2^(-E[h]/c(n))`, about 0.5 for ordinary shapes, rescaled as `2s - 1` so ordinary shapes score
 * about 0 and shapes unlike any recent one approach 1).
 *
 * @remarks Scoring is O(trees · depth) with no allocation; a rebuild costs
 * O(trees · sampleSize · depth) every `rebuildEvery` updates. Memory about
 * `27 · trees · 2^(depth+1) + 8 · windowSize · shingleSize` bytes (≈ 120 KB by default).
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = createIsolationForest({ shingleSize: 8, trees: 50 });
 * d.update(v, t);
 * ```
 */
export function createIsolationForest(options: IsolationForestOptions = {}): Detector {
  return new IsolationForest(
    parseOptions(isolationForestOptionsSchema, options, { source: 'createIsolationForest' }),
  );
}
