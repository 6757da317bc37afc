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

  it('counts a single partition in flight as the whole, and ignores slots it never gave', () => {
    const l = createConcurrencyLimiter({ initialLimit: 4 });
    const a = l.tryAcquire();
    const b = l.forceAcquire();
    expect([a, b]).toEqual([0, 0]);
    expect(l.stats().partitions.default!.inFlight).toBe(2);
    for (const bad of [-1, 1, 7]) l.release(bad, 5);
    expect(l.inFlight).toBe(2);
    l.release(a, Number.NaN);
    expect(l.stats().partitions.default!.inFlight).toBe(1);
    expect(l.stats().recentMs).toBeNaN(); // a slot given back without a latency
    l.release(b, 5);
    expect(l.stats()).toMatchObject({ inFlight: 0, recentMs: 5 });
    expect(l.stats().partitions.default!.inFlight).toBe(0);
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

  it('recordLatency(x) after release(slot, NaN) is release(slot, x)', () => {
    const opts = { initialLimit: 8, maxLimit: 64, longWindow: 20 };
    const a = createConcurrencyLimiter(opts);
    const b = createConcurrencyLimiter(opts);
    for (let i = 0; i < 300; i++) {
      const latency = 5 + ((i * 7) % 11) + (i > 150 ? 20 : 0);
      for (const l of [a, b]) while (l.tryAcquire() >= 0);
      a.release(0, latency);
      b.release(0, Number.NaN);
      b.recordLatency(latency);
      const [sa, sb] = [a.stats(), b.stats()];
      expect(sb.limit).toBeCloseTo(sa.limit, 9);
      expect(sb.recentMs).toBeCloseTo(sa.recentMs, 9);
      expect(sb.baselineMs).toBeCloseTo(sa.baselineMs, 9);
      expect(sb.inFlight).toBe(sa.inFlight);
    }
  });

  it('recordLatency(x, n) moves the averages exactly as n releases of x, and the limit within 2 %', () => {
    // A long window of 50 samples: the batches cross the end of its warm-up. Both limiters are
    // filled and release at most a quarter of it, so that every step of the per-request one
    // counts (its limit only grows while at least half of it is in use, which a batch checks
    // once, at its start).
    const opts = { initialLimit: 10, maxLimit: 2000, longWindow: 50 };
    const a = createConcurrencyLimiter(opts);
    const b = createConcurrencyLimiter(opts);
    const batches = [1, 4, 9, 16, 3, 25, 7, 30, 12, 2, 40, 8];
    let moved = 0;
    for (let round = 0; round < 6; round++) {
      for (const [k, size] of batches.entries()) {
        const latency = 10 + ((k * 5 + round * 3) % 13) + (round >= 3 ? 15 : 0);
        for (const l of [a, b]) while (l.tryAcquire() >= 0);
        const n = Math.max(1, Math.min(size, Math.floor(Math.min(a.limit, b.limit) / 4)));
        const before = b.limit;
        for (let i = 0; i < n; i++) {
          a.release(0, latency);
          b.release(0, Number.NaN);
        }
        b.recordLatency(latency, n);
        const [sa, sb] = [a.stats(), b.stats()];
        expect(sb.recentMs).toBeCloseTo(sa.recentMs, 9);
        expect(sb.baselineMs).toBeCloseTo(sa.baselineMs, 9);
        expect(Math.abs(sb.limit - sa.limit) / sa.limit).toBeLessThan(0.02);
        if (b.limit !== before) moved++;
      }
    }
    expect(moved).toBeGreaterThan(20); // the comparison covered a limit that moved
  });

  it('recordLatency ignores a latency that is not a finite number ≥ 0 and rejects a bad count', () => {
    const l = createConcurrencyLimiter({ initialLimit: 4 });
    l.recordLatency(10, 3);
    const before = l.stats();
    for (const bad of [Number.NaN, -1, Infinity]) l.recordLatency(bad, 2);
    expect(l.stats()).toEqual(before);
    for (const count of [0, -2, 1.5, Number.NaN]) {
      expect(() => l.recordLatency(10, count)).toThrow(
        new RangeError(`recordLatency: count must be an integer ≥ 1, got ${String(count)}`),
      );
    }
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
