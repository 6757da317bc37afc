import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { isHomeostatError } from '@homeostat/core';
import { createRateLimiter } from './rate-limiter.js';

describe('createRateLimiter', () => {
  it('allows a burst, then limits, then refills', () => {
    const clock = createManualClock(0);
    const l = createRateLimiter({ ratePerSecond: 2, burst: 3 }, { clock });
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    const wait = l.take('a');
    expect(wait).toBe(500);
    clock.advance(500);
    expect(l.take('a')).toBe(0);
    expect(l.take('b')).toBe(0); // keys are independent
    expect(l.stats()).toMatchObject({ allowed: 5, limited: 1, keys: 2 });
  });

  it('forgets the least recently used key beyond maxKeys and counts it', () => {
    const clock = createManualClock(0);
    const l = createRateLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 2 }, { clock });
    l.take('a');
    l.take('b');
    l.take('a'); // a is now most recent
    l.take('c'); // evicts b
    expect(l.stats()).toMatchObject({ keys: 2, evicted: 1 });
    expect(l.take('b')).toBe(0); // b starts with a full bucket again
  });

  it('rejects bad options', () => {
    try {
      createRateLimiter({ ratePerSecond: 0 });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      expect(String(e)).toContain('ratePerSecond');
    }
  });
});
