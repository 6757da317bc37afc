import { describe, expect, it } from 'vitest';
import { geometricMeanInterval, sliceRatio, tQuantile975 } from './stats.js';

describe('tQuantile975', () => {
  it("matches Student's t quantiles from tables", () => {
    // 97.5 % quantiles of t with 1, 2, 3, 5, 10, 29 and 100 degrees of freedom.
    const table: [number, number][] = [
      [1, 12.7062],
      [2, 4.3027],
      [3, 3.1824],
      [5, 2.5706],
      [10, 2.2281],
      [29, 2.0452],
      [100, 1.984],
    ];
    for (const [df, t] of table) expect(tQuantile975(df) / t).toBeCloseTo(1, 2);
  });
});

describe('geometricMeanInterval', () => {
  it('gives the geometric mean and a t interval on the logs', () => {
    const r = geometricMeanInterval([0.9, 1, 1.1, 1]);
    const logs = [0.9, 1, 1.1, 1].map(Math.log);
    const m = logs.reduce((a, b) => a + b, 0) / 4;
    const sd = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / 3);
    expect(r.mean).toBeCloseTo(Math.exp(m), 12);
    expect(r.interval[0]).toBeCloseTo(Math.exp(m - (3.1824 * sd) / 2), 3);
    expect(r.interval[1]).toBeCloseTo(Math.exp(m + (3.1824 * sd) / 2), 3);
  });

  it('narrows as identical evidence accumulates and collapses for equal ratios', () => {
    const few = geometricMeanInterval([0.9, 1.0, 0.95]);
    const many = geometricMeanInterval(
      Array.from({ length: 30 }, (_, i) => [0.9, 1.0, 0.95][i % 3]!),
    );
    expect(many.interval[1] - many.interval[0]).toBeLessThan(few.interval[1] - few.interval[0]);
    const same = geometricMeanInterval([0.97, 0.97, 0.97]);
    expect(same.interval[0]).toBeCloseTo(0.97, 12);
    expect(same.interval[1]).toBeCloseTo(0.97, 12);
  });

  it('is NaN with fewer than two usable ratios', () => {
    expect(geometricMeanInterval([1.02]).mean).toBeNaN();
    expect(geometricMeanInterval([0, Number.NaN, 1]).interval[0]).toBeNaN();
  });
});

describe('sliceRatio', () => {
  it('is the geometric mean of the pairs answered on both sides, counting the others', () => {
    const r = sliceRatio([90, 0, 110, 100], [100, 100, 100, 0]);
    expect(r.emptyPairs).toBe(2);
    expect(r.ratio).toBeCloseTo(Math.sqrt(0.9 * 1.1), 10);
    expect(r.interval[0]).toBeLessThan(r.ratio);
    expect(r.interval[1]).toBeGreaterThan(r.ratio);
  });

  it('is 0 when the variant answered no 2xx at all while bare did', () => {
    const r = sliceRatio([0, 0, 0], [100, 120, 90]);
    expect(r.ratio).toBe(0);
    expect(r.emptyPairs).toBe(3);
    expect(r.interval[0]).toBeNaN();
  });

  it('is unknown (NaN) when neither side answered, and the one ratio with one pair', () => {
    expect(sliceRatio([0, 0], [0, 0]).ratio).toBeNaN();
    expect(sliceRatio([95, 0], [100, 0]).ratio).toBeCloseTo(0.95, 10);
  });

  it('names mismatched slice counts', () => {
    expect(() => sliceRatio([1, 2], [1])).toThrow(/2 variant slices against 1 bare slices/);
  });
});
