import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import { LatencySketch } from './latency-sketch.js';

function exactQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(q * (s.length - 1))]!;
}

describe('LatencySketch', () => {
  it('answers quantiles within its relative accuracy (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 100_000, noNaN: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        fc.constantFrom(0, 0.1, 0.5, 0.9, 0.99, 1),
        (values, q) => {
          const sketch = new LatencySketch({ relativeAccuracy: 0.01 });
          for (const v of values) sketch.record(v);
          const exact = exactQuantile(values, q);
          const got = sketch.quantile(q);
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.01 + 1e-9);
        },
      ),
    );
  });

  it('tracks count, sum and max, and forgets on reset', () => {
    const s = new LatencySketch();
    for (const v of [1, 2, 3, 400]) s.record(v);
    expect(s.count).toBe(4);
    expect(s.sum).toBe(406);
    expect(s.max).toBe(400);
    expect(s.quantile(0.5)).toBeCloseTo(2, 1);
    s.reset();
    expect(s.count).toBe(0);
    expect(s.quantile(0.5)).toBeNaN();
  });

  it('counts zeros, clamps huge values and rejects bad ones', () => {
    const s = new LatencySketch({ maxValue: 1000 });
    s.record(0);
    s.record(5000);
    s.record(-1);
    s.record(Number.NaN);
    s.record(Infinity);
    expect(s.count).toBe(2);
    expect(s.clamped).toBe(1);
    expect(s.rejected).toBe(3);
    expect(s.quantile(0)).toBe(0);
    expect(s.quantile(1)).toBeCloseTo(1000, -1);
  });

  it('has fixed memory whatever it records', () => {
    const s = new LatencySketch({ relativeAccuracy: 0.02 });
    const size = s.size;
    for (let i = 0; i < 10_000; i++) s.record(Math.random() * 1e6);
    expect(s.size).toBe(size);
    expect(size).toBeLessThan(1000);
  });

  it('merges sketches with the same options and refuses others', () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    for (let i = 1; i <= 50; i++) a.record(i);
    for (let i = 51; i <= 100; i++) b.record(i);
    a.merge(b);
    expect(a.count).toBe(100);
    expect(a.quantile(0.9)).toBeGreaterThan(85);
    expect(() => a.merge(new LatencySketch({ relativeAccuracy: 0.05 }))).toThrow(RangeError);
  });

  it('throws RangeError for q outside [0, 1] and ConfigError for bad options', () => {
    expect(() => new LatencySketch().quantile(1.5)).toThrow(RangeError);
    try {
      new LatencySketch({ relativeAccuracy: 2 });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      expect(String(e)).toContain('relativeAccuracy');
    }
  });
});
