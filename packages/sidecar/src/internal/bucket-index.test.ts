import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BucketIndex } from './bucket-index.js';

/** A sketch's layout for the given options, as LatencySketch computes it. */
function layout(relativeAccuracy: number, minValue: number, maxValue: number) {
  const gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
  const logGamma = Math.log(gamma);
  const offset = Math.ceil(Math.log(minValue) / logGamma);
  const size = Math.ceil(Math.log(maxValue) / logGamma) - offset + 1;
  /** The bucket by the logarithm, clamped to the sketch. */
  const byLog = (v: number): number =>
    Math.min(size - 1, Math.max(0, Math.ceil(Math.log(v) / logGamma) - offset));
  return { gamma, logGamma, offset, size, byLog };
}

describe('BucketIndex', () => {
  it('finds the bucket the logarithm gives, for any ratio and range (property)', () => {
    fc.assert(
      fc.property(
        // Below ~0.0005 a slice spans several buckets (the table stops at 10 mantissa bits).
        fc.double({ min: 0.00002, max: 0.45, noNaN: true }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        fc.double({ min: 1, max: 1e7, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (accuracy, minValue, span, positions) => {
          const maxValue = minValue * span;
          const { gamma, logGamma, offset, size, byLog } = layout(accuracy, minValue, maxValue);
          const index = BucketIndex.create({ gamma, offset, size, minValue, maxValue });
          if (index === undefined) return; // a table too large: the sketch uses the logarithm
          for (const p of positions) {
            // Spread over the range on a log scale, ends included.
            const v = Math.min(maxValue, minValue * Math.pow(span, p));
            const got = index.of(v);
            const expected = byLog(v);
            if (got !== expected) {
              // Only a value on a bucket boundary (within rounding) may land on either side.
              const k = Math.min(got, expected) + offset;
              expect(Math.abs(got - expected)).toBe(1);
              expect(Math.abs(Math.log(v) / logGamma - k)).toBeLessThan(1e-9);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('puts each bucket boundary in the lower bucket and the next double above it in the upper', () => {
    const { gamma, offset, size } = layout(0.02, 0.001, 3_600_000);
    const index = BucketIndex.create({
      gamma,
      offset,
      size,
      minValue: 0.001,
      maxValue: 3_600_000,
    })!;
    expect(index).toBeDefined();
    for (let i = 0; i < size - 1; i++) {
      const bound = Math.pow(gamma, i + offset);
      if (bound < 0.001 || bound > 3_600_000) continue;
      expect(index.of(bound)).toBe(i);
      const above = bound * (1 + Number.EPSILON * 2);
      if (above <= 3_600_000) expect(index.of(above)).toBe(i + 1);
    }
    expect(index.of(0.001)).toBe(0);
    expect(index.of(3_600_000)).toBe(size - 1);
  });

  it('is shared between sketches with the same options', () => {
    const { gamma, offset, size } = layout(0.01, 0.001, 1000);
    const options = { gamma, offset, size, minValue: 0.001, maxValue: 1000 };
    expect(BucketIndex.create(options)).toBe(BucketIndex.create({ ...options }));
  });

  it('declines ranges it would need too large a table for, and subnormal minimums', () => {
    const wide = layout(0.001, 1e-300, 1e300);
    expect(BucketIndex.create({ ...wide, minValue: 1e-300, maxValue: 1e300 })).toBeUndefined();
    const tiny = layout(0.01, 1e-320, 1);
    expect(BucketIndex.create({ ...tiny, minValue: 1e-320, maxValue: 1 })).toBeUndefined();
  });
});
