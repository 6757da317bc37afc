import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import { createConcurrencyLimiter } from './concurrency-limiter.js';

describe('createConcurrencyLimiter', () => {
  it('admits up to the limit and refuses beyond it', () => {
    const l = createConcurrencyLimiter({ initialLimit: 3 });
    const slots = [l.tryAcquire(), l.tryAcquire(), l.tryAcquire()];
    expect(slots.every((s) => s >= 0)).toBe(true);
    expect(l.tryAcquire()).toBe(-1);
    expect(l.inFlight).toBe(3);
    l.release(slots[0]!, 10);
    expect(l.tryAcquire()).toBeGreaterThanOrEqual(0);
    expect(l.stats().rejected).toBe(1);
  });

  it('grows while latency is steady and the limit is in use', () => {
    const l = createConcurrencyLimiter({ initialLimit: 10, maxLimit: 100 });
    for (let round = 0; round < 50; round++) {
      const slots: number[] = [];
      for (let i = 0; i < l.limit; i++) slots.push(l.tryAcquire());
      for (const s of slots) l.release(s, 10);
    }
    expect(l.limit).toBeGreaterThan(10);
    expect(l.limit).toBeLessThanOrEqual(100);
  });

  it('does not grow when the service is application-limited', () => {
    const l = createConcurrencyLimiter({ initialLimit: 20 });
    for (let i = 0; i < 200; i++) l.release(l.tryAcquire(), 10);
    expect(l.limit).toBe(20);
  });

  it('shrinks when latency rises above the baseline', () => {
    const l = createConcurrencyLimiter({ initialLimit: 50, maxLimit: 200, longWindow: 100 });
    const slots: number[] = [];
    const fill = (): void => {
      while (l.inFlight < l.limit) slots.push(l.tryAcquire());
    };
    for (let i = 0; i < 2000; i++) {
      fill();
      l.release(slots.pop()!, 10);
    }
    const before = l.limit;
    expect(before).toBe(200);
    for (let i = 0; i < 30; i++) {
      fill();
      l.release(slots.pop()!, 60); // latency six times the baseline
    }
    expect(l.limit).toBeLessThan(before / 2);
    expect(l.stats().recentMs).toBeGreaterThan(l.stats().baselineMs);
  });

  it('backs off on dropped requests and respects minLimit', () => {
    const l = createConcurrencyLimiter({ initialLimit: 10, minLimit: 2 });
    for (let i = 0; i < 100; i++) l.release(l.tryAcquire(), 0, true);
    expect(l.limit).toBe(2);
  });

  it('admits against the current limit after it changes, with and without partitions', () => {
    for (const partitions of [undefined, { api: 0.5 }]) {
      const l = createConcurrencyLimiter({
        initialLimit: 10,
        minLimit: 1,
        ...(partitions && { partitions }),
      });
      l.release(l.tryAcquire(), 0, true); // 10 → 9
      l.release(l.tryAcquire(), 0, true); // 9 → 8.1
      expect(l.limit).toBe(8);
      const slots: number[] = [];
      // With partitions, `api` may also use the rest: no other partition is guaranteed any.
      const p = partitions && 'api';
      for (let i = 0; i < 8; i++) slots.push(l.tryAcquire(p));
      expect(slots.every((s) => s >= 0)).toBe(true);
      expect(l.tryAcquire(p)).toBe(-1);
      expect(l.inFlight).toBe(8);
    }
  });

  it('guarantees each partition its share when the limiter is full', () => {
    const l = createConcurrencyLimiter({ initialLimit: 10, partitions: { api: 0.5, batch: 0.3 } });
    // batch may borrow idle capacity, but not what api is guaranteed
    const batch: number[] = [];
    while (l.tryAcquire('batch') >= 0) batch.push(0);
    expect(batch.length).toBe(5); // 10 − api's 5 guaranteed slots
    let api = 0;
    while (l.tryAcquire('api') >= 0) api++;
    expect(api).toBe(5);
    const s = l.stats();
    expect(s.partitions.api!.guaranteed).toBe(5);
    expect(s.partitions.batch!.rejected).toBe(1);
    expect(s.partitions.default).toBeDefined();
  });

  it('forceAcquire is never refused and counts in flight', () => {
    const l = createConcurrencyLimiter({ initialLimit: 1 });
    l.tryAcquire();
    const forced = l.forceAcquire();
    expect(forced).toBeGreaterThanOrEqual(0);
    expect(l.inFlight).toBe(2);
  });

  it('keeps the limit within [minLimit, maxLimit] and in-flight ≥ 0 (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.boolean(), fc.double({ min: 0, max: 1000, noNaN: true }), fc.boolean()),
          {
            maxLength: 300,
          },
        ),
        (ops) => {
          const l = createConcurrencyLimiter({ initialLimit: 5, minLimit: 2, maxLimit: 40 });
          const held: number[] = [];
          for (const [acquire, rtt, drop] of ops) {
            if (acquire) {
              const s = l.tryAcquire();
              if (s >= 0) held.push(s);
            } else if (held.length > 0) l.release(held.pop()!, rtt, drop);
            expect(l.limit).toBeGreaterThanOrEqual(2);
            expect(l.limit).toBeLessThanOrEqual(40);
            expect(l.inFlight).toBe(held.length);
          }
        },
      ),
    );
  });

  it('rejects bad options with ConfigError naming the path', () => {
    for (const bad of [
      { minLimit: 10, maxLimit: 5 },
      { initialLimit: 0 },
      { partitions: { a: 0.7, b: 0.7 } },
    ]) {
      try {
        createConcurrencyLimiter(bad);
        expect.unreachable();
      } catch (e) {
        expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      }
    }
  });
});
