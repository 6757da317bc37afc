import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { BaseDetector } from './internal/base.js';
import { StateReader } from './internal/state.js';
import { fmt } from './internal/math.js';

/** Options of {@link createSequenceContext}. */
export const sequenceContextOptionsSchema = z.strictObject({
  /** Number of value levels the observed range is cut into. Default 8. */
  levels: z.number().int().min(2).max(256).default(8),
  /** Longest context, in past values, a level sequence is remembered with. Default 6. */
  maxOrder: z.number().int().min(1).max(16).default(6),
  /** Size of the context memory (a power of two, 1 byte per slot). Default 8,192. */
  memorySlots: z
    .number()
    .int()
    .min(256)
    .max(1 << 20)
    .refine((n) => (n & (n - 1)) === 0, 'must be a power of two')
    .default(8192),
  /**
   * Every this many updates, every remembered count is halved, so stale contexts fade. Default
   * 4,096.
   */
  halfLife: z.number().int().min(16).default(4096),
  /** Values seen before scoring starts. Default 16. */
  minCount: z.number().int().min(1).default(16),
});

/** Options of {@link createSequenceContext} (all optional). */
export type SequenceContextOptions = z.input<typeof sequenceContextOptionsSchema>;

class SequenceContext extends BaseDetector {
  readonly name = 'sequence-context';
  private readonly options: z.output<typeof sequenceContextOptionsSchema>;
  private readonly memory: Uint8Array;
  private readonly recent: Int32Array;
  private recentCount = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private novel = 0;
  private level = 0;
  private sinceDecay = 0;

  constructor(options: z.output<typeof sequenceContextOptionsSchema>) {
    super();
    this.options = options;
    this.memory = new Uint8Array(options.memorySlots);
    this.recent = new Int32Array(options.maxOrder);
  }

  protected step(v: number): number {
    const { levels, maxOrder, minCount } = this.options;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const span = this.max - this.min;
    const level = span > 0 ? Math.min(levels - 1, Math.floor(((v - this.min) / span) * levels)) : 0;
    this.level = level;
    const mask = this.memory.length - 1;
    const orders = Math.min(maxOrder, this.recentCount);
    // Context of order j: this level preceded by the j previous levels. Order 0 is the level alone.
    let h = Math.imul(level + 1, 0x9e3779b1) ^ 0x85ebca6b;
    let novel = 0;
    let slot = (h ^ (h >>> 15)) & mask;
    if (this.memory[slot] === 0) novel++;
    if (this.memory[slot]! < 255) this.memory[slot]!++;
    for (let j = 1; j <= orders; j++) {
      const past = this.recent[(this.recentCount - j) % maxOrder]!;
      h = Math.imul(h ^ (past + 1), 0x27d4eb2f) + j;
      h ^= h >>> 13;
      slot = Math.imul(h, 0x165667b1) >>> 0;
      slot = (slot ^ (slot >>> 16)) & mask;
      if (this.memory[slot] === 0) novel++;
      if (this.memory[slot]! < 255) this.memory[slot]!++;
    }
    this.recent[this.recentCount % maxOrder] = level;
    this.recentCount++;
    if (this.recentCount >= 1 << 30) this.recentCount = maxOrder + (this.recentCount % maxOrder);
    if (++this.sinceDecay >= this.options.halfLife) {
      this.sinceDecay = 0;
      for (let i = 0; i < this.memory.length; i++) this.memory[i] = this.memory[i]! >>> 1;
    }
    this.novel = novel;
    if (this.n <= minCount) return 0;
    return novel / (maxOrder + 1);
  }

  protected describe(): string {
    if (this.n <= this.options.minCount) return `warming up (${this.n} values)`;
    return `level ${this.level + 1}/${this.options.levels} of range [${fmt(this.min)}, ${fmt(this.max)}]; ${this.novel} of ${this.options.maxOrder + 1} contexts ending here were never seen before; score ${fmt(this.lastScore)}`;
  }

  protected state(): Record<string, unknown> {
    const recent: number[] = [];
    const k = Math.min(this.recentCount, this.options.maxOrder);
    for (let j = k; j >= 1; j--)
      recent.push(this.recent[(this.recentCount - j) % this.options.maxOrder]!);
    return {
      options: this.options,
      min: Number.isFinite(this.min) ? this.min : null,
      max: Number.isFinite(this.max) ? this.max : null,
      recent,
      sinceDecay: this.sinceDecay,
      memory: Buffer.from(this.memory).toString('base64'),
    };
  }

  static fromState(s: Record<string, unknown>): SequenceContext {
    const d = new SequenceContext(
      parseOptions(sequenceContextOptionsSchema, s.options, { source: 'sequence-context state' }),
    );
    const r = new StateReader(s);
    d.restoreBase(r);
    // null: no finite value seen yet.
    d.min = r.numOrNull('min') ?? Number.POSITIVE_INFINITY;
    d.max = r.numOrNull('max') ?? Number.NEGATIVE_INFINITY;
    d.sinceDecay = r.num('sinceDecay', 'count');
    const { levels, maxOrder } = d.options;
    for (const lv of r.nums('recent', { max: maxOrder, rule: 'count' })) {
      if (lv >= levels) r.fail('recent', `levels must be below ${levels}`);
      d.recent[d.recentCount++] = lv;
    }
    const bytes = Buffer.from(r.str('memory'), 'base64');
    if (bytes.length !== d.memory.length) {
      r.fail('memory', `must hold ${d.memory.length} bytes (base64), not ${bytes.length}`);
    }
    d.memory.set(bytes);
    return d;
  }
}

/** @internal */
export const sequenceContextFromState = (s: Record<string, unknown>): Detector =>
  SequenceContext.fromState(s);

/**
 * Contextual sequence detector (CAD family): values are cut into `levels` levels over the range
 * seen so far, and every context "this level, preceded by these j levels" (j = 0…`maxOrder`) is
 * remembered in a bounded, slowly fading count table. The score is the share of contexts ending
 * at this value that were never seen: a familiar pattern scores 0, a new level or a new sequence
 * scores high.
 *
 * @remarks O(maxOrder) per update, no allocation; memory `memorySlots` bytes (8 KB by default).
 * Raw scores are noisy on noisy series; pass them through {@link withLikelihood}.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = withLikelihood(createSequenceContext({ levels: 8, maxOrder: 6 }));
 * d.update(v, t);
 * ```
 */
export function createSequenceContext(options: SequenceContextOptions = {}): Detector {
  return new SequenceContext(
    parseOptions(sequenceContextOptionsSchema, options, { source: 'createSequenceContext' }),
  );
}
