import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  median,
  robustStats,
  select,
  solveSpd,
  sortPrefix,
  std,
  stdRange,
  trimmedUpperMean,
  upperHalfMean,
} from './stats.js';

describe('stats helpers', () => {
  it('select and median agree with sorting (property)', () => {
    fc.assert(
      fc.property(
        // + 0 turns -0 into 0: which of two zeros a selection returns is not specified.
        fc.array(
          fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => x + 0),
          { minLength: 1, maxLength: 60 },
        ),
        (xs) => {
          const sorted = [...xs].sort((a, b) => a - b);
          const k = xs.length >> 1;
          expect(select(Float64Array.from(xs), k)).toBe(sorted[k]);
          const m = xs.length % 2 ? sorted[k]! : (sorted[k - 1]! + sorted[k]!) / 2;
          expect(median(Float64Array.from(xs))).toBeCloseTo(m, 6);
        },
      ),
    );
  });

  it('upperHalfMean, robustStats and solveSpd', () => {
    expect(upperHalfMean(Float64Array.from([1, 2, 3, 4]))).toBe(3.5);
    expect(upperHalfMean(new Float64Array(0))).toBe(0);
    // 20 points: median to 85th percentile = sorted[10..17); the 3 largest (a spike) are dropped.
    const spiky = Float64Array.from([...Array.from({ length: 17 }, () => 1), 500, 500, 500]);
    expect(trimmedUpperMean(spiky)).toBe(1);
    const lasting = Float64Array.from(Array.from({ length: 20 }, (_, i) => (i < 2 ? 0 : 10)));
    expect(trimmedUpperMean(lasting)).toBe(10);
    expect(trimmedUpperMean(Float64Array.from([1, 9]))).toBe(9);
    expect(trimmedUpperMean(new Float64Array(0))).toBe(0);
    const { center, scale } = robustStats(
      Float64Array.from([5, 5, 5, 5, 100]),
      { from: 0, to: 5 },
      new Float64Array(10),
    );
    expect(center).toBe(5);
    expect(scale).toBeGreaterThan(0);
    const x = solveSpd(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2)!;
    expect(x[0]).toBeCloseTo(0.5);
    expect(x[1]).toBeCloseTo(0);
    expect(solveSpd(Float64Array.from([0, 0, 0, 0]), Float64Array.from([1, 1]), 2)).toBeUndefined();
  });

  it('sortPrefix sorts only the prefix, short (insertion) and long (built-in) alike (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 120 }),
        fc.nat(),
        (xs, cut) => {
          const n = xs.length === 0 ? 0 : cut % (xs.length + 1);
          const a = Float64Array.from(xs);
          sortPrefix(a, n);
          expect(Array.from(a.subarray(0, n))).toEqual(
            Array.from(Float64Array.from(xs.slice(0, n)).sort()),
          );
          expect(Array.from(a.subarray(n))).toEqual(xs.slice(n));
        },
      ),
    );
  });

  it('stdRange is std of the slice, and robustStats reads plain arrays like typed ones', () => {
    const xs = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(stdRange(xs, 2, 6)).toBe(std(Float64Array.from(xs.slice(2, 6))));
    expect(stdRange(xs, 3, 3)).toBe(0);
    const w = new Float64Array(8);
    expect(robustStats(xs, { from: 1, to: 7 }, w)).toEqual(
      robustStats(Float64Array.from(xs), { from: 1, to: 7 }, new Float64Array(8)),
    );
    // Over half equal: the MAD is 0 and the scale falls back to the standard deviation.
    const flat = [5, 5, 5, 5, 100];
    expect(robustStats(flat, { from: 0, to: 5 }, w).scale).toBe(stdRange(flat, 0, 5));
  });

  it('robustStats is the median and 1.4826·MAD, odd and even, with ties (property)', () => {
    const med = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
    };
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: -5, max: 5 }).map((x) => x * 1.25),
          {
            minLength: 1,
            maxLength: 70,
          },
        ),
        // (+ 0 turns -0 into 0: which of two zeros lands in the middle is not specified)
        fc.array(
          fc.double({ min: -1e3, max: 1e3, noNaN: true }).map((x) => x + 0),
          { maxLength: 70 },
        ),
        (ties, smooth) => {
          for (const xs of [ties, smooth]) {
            if (xs.length === 0) continue;
            const center = med(xs);
            let scale = 1.4826 * med(xs.map((x) => Math.abs(x - center)));
            if (scale === 0) scale = stdRange(xs, 0, xs.length);
            scale = Math.max(scale, 1e-3 * Math.abs(center), 1e-9);
            for (const scratch of [new Float64Array(xs.length), new Float64Array(80)]) {
              const r = robustStats(xs, { from: 0, to: xs.length }, scratch);
              expect(r.center).toBe(center);
              expect(r.scale).toBe(scale);
            }
          }
        },
      ),
    );
  });
});
