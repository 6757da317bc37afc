import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { createRetry } from './retry.js';
import { createManualTimers } from './manual-timers.js';
import { createBackoff, backoffSchema } from './internal/backoff.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/**
 * Runs a function that always fails under `retry` with `signal`; `check` expects the execution
 * to reject with the signal's reason `stop`.
 */
function failingUntilStopped(
  retry: ReturnType<typeof createRetry>,
  signal: AbortSignal,
): { attempts: () => number; check: Promise<void> } {
  let n = 0;
  const p = retry.execute(() => {
    n++;
    return Promise.reject(new Error('down'));
  }, signal);
  return { attempts: () => n, check: expect(p).rejects.toThrow('stop') };
}

function setup(options: Parameters<typeof createRetry>[0], shouldRetry?: (e: unknown) => boolean) {
  const clock = createManualClock(0);
  const timers = createManualTimers(clock);
  const retry = createRetry(options, {
    timers,
    random: () => 0.5,
    ...(shouldRetry ? { shouldRetry } : {}),
  });
  return { clock, timers, retry };
}

describe('createRetry', () => {
  it('retries with exponential delays and passes the attempt number', async () => {
    const { timers, retry, clock } = setup({ maxAttempts: 4, initialDelayMs: 100, jitter: 'none' });
    const seen: Array<[number, number]> = [];
    const p = retry.execute(({ attempt }) => {
      seen.push([attempt!, clock.now()]);
      return attempt! < 4 ? Promise.reject(new Error(`e${attempt}`)) : Promise.resolve('done');
    });
    for (let i = 0; i < 3; i++) {
      await flush();
      timers.advance(1000);
    }
    await expect(p).resolves.toBe('done');
    // waits of 100, 200, 400 ms, each started when the previous attempt failed
    expect(seen.map(([a]) => a)).toEqual([1, 2, 3, 4]);
    expect(retry.stats).toEqual({ executions: 1, retries: 3, exhausted: 0 });
  });

  it('rethrows the last error when attempts run out', async () => {
    const { timers, retry } = setup({ maxAttempts: 2, initialDelayMs: 10 });
    let n = 0;
    const p = retry.execute(() => {
      n++;
      throw new Error(`fail ${n}`);
    });
    const check = expect(p).rejects.toThrow('fail 2');
    await flush();
    timers.advance(10);
    await check;
    expect(retry.stats.exhausted).toBe(1);
  });

  it('does not retry when shouldRetry says no', async () => {
    const { retry } = setup({ maxAttempts: 5 }, (e) => !(e instanceof TypeError));
    let n = 0;
    await expect(
      retry.execute(() => {
        n++;
        return Promise.reject(new TypeError('bad request'));
      }),
    ).rejects.toThrow(TypeError);
    expect(n).toBe(1);
  });

  it('an aborted signal ends the wait at once with its reason', async () => {
    const { retry, timers } = setup({ maxAttempts: 5, initialDelayMs: 1000, jitter: 'none' });
    const controller = new AbortController();
    const { attempts, check } = failingUntilStopped(retry, controller.signal);
    await flush();
    expect(timers.pending).toBe(1);
    controller.abort(new Error('stop'));
    await check;
    expect(timers.pending).toBe(0);
    expect(attempts()).toBe(1);
  });

  it('an already aborted signal rejects with its reason without running an attempt', async () => {
    const { retry, timers } = setup({ maxAttempts: 3 });
    const controller = new AbortController();
    controller.abort(new Error('caller gave up'));
    let n = 0;
    await expect(
      retry.execute(() => {
        n++;
        return 'side effect';
      }, controller.signal),
    ).rejects.toThrow('caller gave up');
    expect(n).toBe(0);
    expect(timers.pending).toBe(0);
  });

  it('a signal aborted before the wait starts rejects at once, with no further attempt', async () => {
    const controller = new AbortController();
    // shouldRetry runs after the failed attempt and before the wait: abort there
    const { retry, timers } = setup(
      { maxAttempts: 3, initialDelayMs: 1000, jitter: 'none' },
      () => {
        controller.abort(new Error('stop'));
        return true;
      },
    );
    const { attempts, check } = failingUntilStopped(retry, controller.signal);
    await flush();
    expect(timers.pending).toBe(0);
    await check;
    expect(attempts()).toBe(1);
  });

  it('throws ConfigError naming the field', () => {
    expect(() => createRetry({ maxAttempts: 0 })).toThrow(/maxAttempts/);
    expect(() => createRetry({ jitter: 'some' as never })).toThrow(/jitter/);
  });

  it('refuses delays beyond the timer limit, which would fire after 1 ms', () => {
    expect(() => createRetry({ maxDelayMs: 3e9 })).toThrow(/maxDelayMs/);
    expect(() => createRetry({ initialDelayMs: 3e9 })).toThrow(/initialDelayMs/);
    expect(() => createRetry({ maxDelayMs: 2_147_483_647 })).not.toThrow();
  });
});

describe('backoff', () => {
  const o = backoffSchema.parse({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 });
  it('none: exact exponential, capped', () => {
    const b = createBackoff({ ...o, jitter: 'none' }, () => 0.5);
    expect([1, 2, 3, 4, 5].map((r) => b.next(r))).toEqual([100, 200, 400, 800, 1000]);
  });
  it('full: uniform below the exponential', () => {
    const b = createBackoff({ ...o, jitter: 'full' }, () => 0.5);
    expect([1, 2, 3].map((r) => b.next(r))).toEqual([50, 100, 200]);
  });
  it('decorrelated: between initial and 3 × previous, capped', () => {
    const b = createBackoff({ ...o, jitter: 'decorrelated' }, () => 0.5);
    // 100 + 0.5 × (300 - 100) = 200; 100 + 0.5 × (600 - 100) = 350; … capped at 1000
    expect([1, 2, 3, 4].map((r) => b.next(r))).toEqual([200, 350, 575, 912.5]);
    expect(b.next(5)).toBe(1000);
  });

  it('a zero base stays zero after many retries (no NaN delay)', () => {
    const b = createBackoff(
      { ...o, initialDelayMs: 0, multiplier: 10, jitter: 'none', maxAttempts: 1000 },
      () => 0.5,
    );
    expect(b.next(999)).toBe(0);
  });
});
