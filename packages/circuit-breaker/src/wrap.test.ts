import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { wrap } from './wrap.js';
import { createCircuitBreaker } from './circuit-breaker.js';
import { createTimeout } from './timeout.js';
import { createRetry } from './retry.js';
import { createManualTimers } from './manual-timers.js';
import type { Policy } from './policy.js';

describe('wrap', () => {
  it('runs policies outermost first', async () => {
    const order: string[] = [];
    const tag = (name: string): Policy => ({
      execute: async (fn, signal) => {
        order.push(`${name}>`);
        try {
          return await fn({ signal: signal ?? new AbortController().signal });
        } finally {
          order.push(`<${name}`);
        }
      },
    });
    await wrap(tag('a'), tag('b'), tag('c')).execute(() => order.push('fn'));
    expect(order).toEqual(['a>', 'b>', 'c>', 'fn', '<c', '<b', '<a']);
  });

  it('a timeout inside the breaker makes never-settling calls count as timeouts', async () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const breaker = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 2 } },
      { clock },
    );
    const pipeline = wrap(breaker, createTimeout({ timeoutMs: 50 }, { clock, timers }));
    const hang = () => new Promise<never>(() => {});
    const a = pipeline.execute(hang);
    const b = pipeline.execute(hang);
    timers.advance(60); // ≤ 50 × 17/16
    await expect(a).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(b).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(breaker.stats).toMatchObject({ failures: 2, timeouts: 2 });
    expect(breaker.state).toBe('open');
  });

  it('retry outside the breaker retries through it, each attempt with its own timeout', async () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const breaker = createCircuitBreaker({}, { clock });
    const pipeline = wrap(
      createRetry({ maxAttempts: 3, initialDelayMs: 10, jitter: 'none' }, { timers }),
      breaker,
      createTimeout({ timeoutMs: 100 }, { clock, timers }),
    );
    let n = 0;
    const p = pipeline.execute(() => (++n < 3 ? Promise.reject(new Error('flaky')) : 'ok'));
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 10; k++) await Promise.resolve();
      timers.advance(20);
    }
    await expect(p).resolves.toBe('ok');
    expect(breaker.stats).toMatchObject({ calls: 3, failures: 2, successes: 1 });
  });

  it("gives the innermost function the attempt number of a retry further out, and the caller's signal", async () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const controller = new AbortController();
    const pipeline = wrap(
      createRetry({ maxAttempts: 3, initialDelayMs: 10, jitter: 'none' }, { timers }),
      createCircuitBreaker({}, { clock }),
    );
    const seen: (number | undefined)[] = [];
    let signalled = true;
    const p = pipeline.execute(({ attempt, signal }) => {
      seen.push(attempt);
      signalled &&= signal === controller.signal;
      return attempt! < 3 ? Promise.reject(new Error('flaky')) : 'ok';
    }, controller.signal);
    for (let i = 0; i < 4; i++) {
      for (let k = 0; k < 10; k++) await Promise.resolve();
      timers.advance(20);
    }
    await expect(p).resolves.toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
    expect(signalled).toBe(true);
    // Without a retry among the layers, there is no attempt number.
    expect(await wrap(createCircuitBreaker()).execute(({ attempt }) => attempt)).toBeUndefined();
  });

  it('passes a caller signal to the innermost function', async () => {
    const controller = new AbortController();
    const breaker = createCircuitBreaker();
    const seen = await wrap(breaker).execute(({ signal }) => signal, controller.signal);
    expect(seen).toBe(controller.signal);
  });

  it('throws ConfigError with no policy', () => {
    expect(() => wrap()).toThrow(/policies/);
  });
});
