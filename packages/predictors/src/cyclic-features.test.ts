import { describe, expect, it } from 'vitest';
import { cyclicFeatures } from './index.js';

describe('cyclicFeatures', () => {
  it('encodes the phase in each period as sine and cosine', () => {
    const [s, c, sw, cw] = cyclicFeatures(6, [24, 168]);
    expect(s).toBeCloseTo(1, 12);
    expect(c).toBeCloseTo(0, 12);
    expect(sw).toBeCloseTo(Math.sin((2 * Math.PI * 6) / 168), 12);
    expect(cw).toBeCloseTo(Math.cos((2 * Math.PI * 6) / 168), 12);
    // Hour 23 is next to hour 0; negative positions wrap too.
    const d = (a: number[], b: number[]): number => Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!);
    expect(d(cyclicFeatures(23, [24]), cyclicFeatures(0, [24]))).toBeLessThan(0.3);
    expect(cyclicFeatures(-18, [24])[0]).toBeCloseTo(1, 12);
  });

  it('refuses bad periods and positions', () => {
    expect(() => cyclicFeatures(1, [0])).toThrow(/periods/);
    expect(() => cyclicFeatures(Number.NaN, [24])).toThrow(/position/);
  });
});
