import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NeuralDetector, type ModelKind, type NeuralOptions } from './neural.js';

// The streaming shell with stand-in models (no TensorFlow.js): training failures and broken
// models must not throw out of update() or poison later scores.

const options: NeuralOptions & Record<string, unknown> = {
  trainSize: 20,
  bufferSize: 40,
  retrainEvery: 30,
  epochs: 1,
  learningRate: 0.01,
  errorWindow: 60,
  shortWindow: 1,
  seed: 1,
};

/** Predicts "same as the previous value"; error = squared difference. */
function naive(overrides: Partial<ModelKind<number>> = {}): ModelKind<number> {
  return {
    kind: 'naive',
    name: 'naive',
    span: 2,
    train: (_values, previous) => (previous ?? 0) + 1,
    error: (_w, span) => (span[1]! - span[0]!) ** 2,
    save: (w) => w,
    ...overrides,
  };
}

const wave = (i: number): number => Math.sin(i / 3) + (i === 150 ? 8 : 0);

describe('NeuralDetector (stand-in models)', () => {
  it('learns, then scores a jump as the most unusual value', () => {
    const d = new NeuralDetector(naive(), options);
    const scores = Array.from({ length: 200 }, (_, i) => d.update(wave(i), i));
    expect(scores.slice(0, 19).every((s) => s === 0)).toBe(true);
    expect(Math.max(...scores)).toBe(scores[150]);
    expect(scores[150]).toBeGreaterThan(0.9999);
  });

  it('keeps learning when the first training throws, and trains again later', () => {
    let calls = 0;
    const d = new NeuralDetector(
      naive({
        train: () => {
          calls++;
          if (calls === 1) throw new Error('backend gone');
          return 1;
        },
      }),
      options,
    );
    const scores: number[] = [];
    for (let i = 0; i < 25; i++) scores.push(d.update(wave(i), i));
    expect(calls).toBe(1);
    expect(scores.every((s) => s === 0)).toBe(true);
    expect(d.explain()).toMatch(/learning/);
    for (let i = 25; i < 200; i++) scores.push(d.update(wave(i), i));
    expect(calls).toBeGreaterThan(1);
    expect(Math.max(...scores)).toBeGreaterThan(0.9);
  });

  it('keeps the previous model when a retraining throws', () => {
    let calls = 0;
    const d = new NeuralDetector(
      naive({
        train: () => {
          calls++;
          if (calls === 2) throw new Error('out of memory');
          return calls;
        },
      }),
      options,
    );
    let sawFailure = false;
    for (let i = 0; i < 200; i++) {
      const s = d.update(wave(i), i);
      expect(s >= 0 && s <= 1).toBe(true);
      if (d.explain().includes('keeping the previous model')) sawFailure = true;
    }
    expect(sawFailure).toBe(true);
    expect(calls).toBeGreaterThan(2);
  });

  it('does not let a non-finite model error poison later scores', () => {
    const d = new NeuralDetector(
      naive({
        error: (_w, span) =>
          span[1]! > 0.98 && span[1]! < 1 ? Number.NaN : (span[1]! - span[0]!) ** 2,
      }),
      options,
    );
    const scores = Array.from({ length: 200 }, (_, i) => d.update(wave(i), i));
    expect(
      scores.filter((_, i) => i >= 20 && wave(i) > 0.98 && wave(i) < 1).length,
    ).toBeGreaterThan(0);
    for (const s of scores) expect(Number.isNaN(s)).toBe(false);
    expect(scores[150]).toBeGreaterThan(0.9999);
  });
});

describe('NeuralDetector on any input (fast-check)', () => {
  const value = fc.oneof(
    fc.double({ noNaN: false }),
    fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -1e308, 0, 5),
  );
  const time = fc.oneof(fc.double(), fc.integer({ min: -1e6, max: 1e6 }), fc.constant(Number.NaN));

  it('never throws and always returns a score in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(value, time), { minLength: 0, maxLength: 150 }), (points) => {
        const d = new NeuralDetector(naive(), options);
        for (const [v, t] of points) {
          const s = d.update(v, t);
          if (!(s >= 0 && s <= 1)) return false;
          if (typeof d.explain() !== 'string') return false;
        }
        return JSON.stringify(d.toJSON()).length > 0;
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('a constant series scores without NaN', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (c) => {
        const d = new NeuralDetector(naive(), options);
        for (let i = 0; i < 100; i++) if (Number.isNaN(d.update(c, i))) return false;
        return true;
      }),
      { numRuns: 100, seed: 8 },
    );
  });
});
