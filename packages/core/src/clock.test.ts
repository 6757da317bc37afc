import { describe, expect, it } from 'vitest';
import { createManualClock, monotonicClock, systemClock } from './clock.js';

describe('clocks', () => {
  it('systemClock and monotonicClock tell epoch-like milliseconds', () => {
    const wall = systemClock.now();
    expect(Math.abs(monotonicClock.now() - wall)).toBeLessThan(60_000);
    const a = monotonicClock.now();
    expect(monotonicClock.now()).toBeGreaterThanOrEqual(a);
  });

  it('a manual clock moves only when told and never backwards', () => {
    const clock = createManualClock(100);
    expect(clock.now()).toBe(100);
    expect(clock.advance(50)).toBe(150);
    clock.set(200);
    expect(clock.now()).toBe(200);
    expect(() => clock.set(10)).toThrow(/backwards/);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => createManualClock(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
