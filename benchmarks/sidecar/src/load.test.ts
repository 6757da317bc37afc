import { describe, expect, it } from 'vitest';
import { spreadRate } from './load.js';

describe('spreadRate', () => {
  it('offers exactly the rate asked, rounded, over at most 100 instances', () => {
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    for (const rate of [1, 7.4, 99, 100, 101, 535.2, 568.8, 1234]) {
      const spread = spreadRate(rate);
      expect(sum(spread)).toBe(Math.round(rate));
      expect(spread.length).toBe(Math.min(100, Math.round(rate)));
      expect(Math.max(...spread) - Math.min(...spread)).toBeLessThanOrEqual(1);
    }
    expect(
      spreadRate(568.8)
        .slice(0, 69)
        .every((c) => c === 6),
    ).toBe(true);
    expect(
      spreadRate(568.8)
        .slice(69)
        .every((c) => c === 5),
    ).toBe(true);
  });

  it('names a rate it cannot offer', () => {
    expect(() => spreadRate(0.2)).toThrow(/rate must be .* got 0.2/);
    expect(() => spreadRate(Number.NaN)).toThrow(/got NaN/);
  });
});
