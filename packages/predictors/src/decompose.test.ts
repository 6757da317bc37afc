import { describe, expect, it } from 'vitest';
import { decompose, seasonalityTest } from './decompose.js';

describe('seasonalityTest', () => {
  it('finds a clear cycle and rejects white noise and short series', () => {
    const seasonal = Array.from({ length: 96 }, (_, t) => 10 + Math.sin((2 * Math.PI * t) / 24));
    expect(seasonalityTest(seasonal, 24)).toBe(true);
    let s = 1;
    const noise = Array.from(
      { length: 200 },
      () => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5,
    );
    expect(seasonalityTest(noise, 24)).toBe(false);
    expect(seasonalityTest(seasonal.slice(0, 71), 24)).toBe(false); // < 3m
  });

  it('applies the 1.645/√n·√(1 + 2Σr²) limit (hand-computed on a period-2 case)', () => {
    // x alternates 1, 3 (n = 6): r1 = −5/6, r2 = 4/6. Limit = 1.645/√6·√(1 + 2·25/36) = 1.0415…
    // |r2| = 0.667 < 1.04 → not seasonal, even though the pattern is exact.
    expect(seasonalityTest([1, 3, 1, 3, 1, 3], 2)).toBe(false);
  });
});

describe('decompose', () => {
  it('recovers exact multiplicative indices (mean 1) and the moving-average trend', () => {
    const pattern = [0.5, 1, 1.5, 1];
    const x = Array.from({ length: 16 }, (_, t) => 10 * pattern[t % 4]!);
    const d = decompose(x, 4);
    expect(Array.from(d.indices).map((v) => Number(v.toFixed(12)))).toEqual(pattern);
    expect(Number.isNaN(d.trend[0]!)).toBe(true);
    expect(d.trend[2]).toBeCloseTo(10, 12); // (0.5·15·… ) 2×4 MA of one full cycle = 10
    expect(d.seasonal[5]).toBeCloseTo(1, 12);
  });

  it('additive indices average 0', () => {
    const x = Array.from({ length: 12 }, (_, t) => t + [2, -1, -1][t % 3]!);
    const d = decompose(x, 3, 'additive');
    expect(Array.from(d.indices).map((v) => Number(v.toFixed(12)))).toEqual([2, -1, -1]);
  });

  it('refuses a bad period or a history shorter than two periods', () => {
    expect(() => decompose([1, 2, 3], 2)).toThrow(/at least 2·m = 4/);
    expect(() => decompose([1, 2, 3, 4], 1)).toThrow(RangeError);
  });
});
