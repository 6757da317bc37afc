import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import { createManualClock } from '@homeostat/core/testing';
import { createTimeout } from './timeout.js';
import { TimeoutError } from './errors.js';
import { createManualTimers } from './manual-timers.js';
import { systemTimers } from './timers.js';

function setup(timeoutMs = 100) {
  const clock = createManualClock(0);
  const timers = createManualTimers(clock);
  const spy = { set: 0 };
  const counted = {
    setTimeout: (cb: () => void, ms: number) => {
      spy.set++;
      return timers.setTimeout(cb, ms);
    },
    clearTimeout: (h: unknown) => timers.clearTimeout(h),
  };
  const timeout = createTimeout({ timeoutMs }, { clock, timers: counted });
  return { clock, timers, timeout, spy };
}

describe('createTimeout', () => {
  it('resolves calls that finish in time', async () => {
    const { timeout } = setup();
    await expect(timeout.execute(() => Promise.resolve(5))).resolves.toBe(5);
    await expect(timeout.execute(() => 6)).resolves.toBe(6);
    expect(timeout.pending).toBe(0);
  });

  it('rejects a never-settling call with TimeoutError at the deadline and aborts its signal', async () => {
    const { timeout, timers } = setup(100);
    let signal: AbortSignal | undefined;
    const p = timeout.execute((ctx) => {
      signal = ctx.signal;
      return new Promise<never>(() => {});
    });
    timers.advance(99);
    expect(signal!.aborted).toBe(false);
    timers.advance(1);
    await expect(p).rejects.toBeInstanceOf(TimeoutError);
    await expect(p).rejects.toMatchObject({ code: 'TIMEOUT', timeoutMs: 100 });
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBeInstanceOf(TimeoutError);
    expect(timeout.timedOut).toBe(1);
    expect(timeout.pending).toBe(0);
  });

  it('a late result after the deadline is dropped', async () => {
    const { timeout, timers } = setup(10);
    let finish: (v: string) => void = () => {};
    const p = timeout.execute(() => new Promise<string>((r) => (finish = r)));
    timers.advance(10);
    finish('late');
    await expect(p).rejects.toThrow(TimeoutError);
  });

  it('uses one shared timer, not one per call', async () => {
    const { timeout, timers, spy } = setup(100);
    for (let i = 0; i < 50; i++) await timeout.execute(() => Promise.resolve(i));
    expect(spy.set).toBe(1);
    timers.advance(100); // the shared timer fires, finds nothing, stays disarmed
    expect(timers.pending).toBe(0);
    await timeout.execute(() => 1);
    expect(spy.set).toBe(2);
  });

  it('expires overlapping calls in start order, never early and at most 1/16 late', async () => {
    const { timeout, timers, clock } = setup(100);
    const never = () => new Promise<never>(() => {});
    const a = timeout.execute(never); // starts the ticker: expires exactly at 100
    clock.advance(30);
    const b = timeout.execute(never); // starts mid-tick: expires in [130, 130 + 100/16]
    const settled: Array<[string, number]> = [];
    a.catch(() => settled.push(['a', clock.now()]));
    b.catch(() => settled.push(['b', clock.now()]));
    const flush = async () => {
      for (let i = 0; i < 5; i++) await Promise.resolve();
    };
    timers.advance(70);
    await flush();
    expect(settled).toEqual([['a', 100]]);
    timers.advance(29.9);
    await flush();
    expect(settled).toHaveLength(1);
    timers.advance(100 / 16);
    await flush();
    expect(settled).toHaveLength(2);
    expect(settled[1]![1]).toBeGreaterThanOrEqual(130);
    expect(settled[1]![1]).toBeLessThanOrEqual(130 + 100 / 16);
    expect(timers.pending).toBe(0); // the ticker stops when nothing is pending
  });

  it('never expires a call early, even when timers run late (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        // per call: clock moves without timers (a late timer) and with timers before it starts
        fc.array(
          fc.tuple(
            fc.double({ min: 0, max: 30, noNaN: true }),
            fc.double({ min: 0, max: 30, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 12,
          },
        ),
        async (timeoutMs, gaps) => {
          const { timeout, timers, clock } = setup(timeoutMs);
          const expiredAt: number[] = [];
          const starts: number[] = [];
          const calls: Promise<unknown>[] = [];
          for (const [late, onTime] of gaps) {
            clock.advance(late);
            timers.advance(onTime);
            const i = starts.push(clock.now()) - 1;
            calls.push(
              timeout
                .execute(() => new Promise<never>(() => {}))
                .catch(() => {
                  expiredAt[i] = clock.now();
                }),
            );
          }
          const step = timeoutMs / 64;
          for (
            let k = 0;
            k < 64 * 3 && expiredAt.filter((x) => x !== undefined).length < starts.length;
            k++
          ) {
            timers.advance(step);
            for (let j = 0; j < 4; j++) await Promise.resolve();
          }
          await Promise.all(calls);
          starts.forEach((s, i) =>
            expect(expiredAt[i]! - s).toBeGreaterThanOrEqual(timeoutMs - 1e-6),
          );
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);

  it('creates no AbortController unless the function reads signal', async () => {
    let made = 0;
    const Real = globalThis.AbortController;
    vi.stubGlobal(
      'AbortController',
      class extends Real {
        constructor() {
          super();
          made++;
        }
      },
    );
    try {
      const { timeout } = setup();
      await timeout.execute(() => 1);
      await timeout.execute(() => Promise.resolve(2));
      expect(made).toBe(0);
      await timeout.execute((ctx) => ctx.signal.aborted);
      expect(made).toBe(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('handles synchronous throws', async () => {
    const { timeout } = setup();
    await expect(
      timeout.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(timeout.pending).toBe(0);
  });

  it('a caller signal abandons the call with its reason and is unhooked after', async () => {
    const { timeout } = setup();
    const controller = new AbortController();
    let inner: AbortSignal | undefined;
    const p = timeout.execute((ctx) => {
      inner = ctx.signal;
      return new Promise<never>(() => {});
    }, controller.signal);
    controller.abort(new Error('caller gave up'));
    await expect(p).rejects.toThrow('caller gave up');
    expect(inner!.aborted).toBe(true);
    const already = timeout.execute(() => 1, controller.signal);
    await expect(already).rejects.toThrow('caller gave up');
    expect(timeout.pending).toBe(0);
  });

  it('throws ConfigError naming timeoutMs', () => {
    for (const bad of [{}, { timeoutMs: 0 }, { timeoutMs: 2 ** 31 }, { timeoutMs: Number.NaN }]) {
      try {
        createTimeout(bad as never);
        expect.unreachable();
      } catch (e) {
        expect(isHomeostatError(e) && e.code).toBe('CONFIG_INVALID');
        expect(String(e)).toContain('timeoutMs');
      }
    }
  });

  it('works on the host timers (smoke test with fake timers)', async () => {
    vi.useFakeTimers({ now: 0 });
    try {
      const timeout = createTimeout(
        { timeoutMs: 50 },
        { timers: systemTimers, clock: { now: () => Date.now() } },
      );
      const p = timeout.execute(() => new Promise<never>(() => {}));
      const check = expect(p).rejects.toThrow(TimeoutError);
      await vi.advanceTimersByTimeAsync(50);
      await check;
    } finally {
      vi.useRealTimers();
    }
  });
});
