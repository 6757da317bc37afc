import { describe, expect, it } from 'vitest';
import { createManualScheduler, flush } from './testing.js';

describe('createManualScheduler', () => {
  it('fires timers in time order only when advanced, and honours cancellation', async () => {
    const s = createManualScheduler(100);
    const fired: string[] = [];
    s.schedule(() => void fired.push(`b@${s.now()}`), 20);
    s.schedule(() => void fired.push(`a@${s.now()}`), 10);
    const c = s.schedule(() => void fired.push('cancelled'), 15);
    c.unsubscribe();
    expect(s.pendingTimers).toBe(2);
    await s.advance(9);
    expect(fired).toEqual([]);
    await s.advance(20);
    expect(fired).toEqual(['a@110', 'b@120']);
    expect(s.now()).toBe(129);
  });

  it('lets promise chains run between timers and drives a promise to completion', async () => {
    const s = createManualScheduler();
    const sleep = (ms: number) => new Promise<void>((r) => s.schedule(() => r(), ms));
    const work = (async () => {
      await sleep(1000);
      await sleep(2000);
      return s.now();
    })();
    expect(await s.drive(work, { stepMs: 500 })).toBe(3000);
    await expect(
      s.drive(new Promise(() => undefined), { stepMs: 1000, maxMs: 3000 }),
    ).rejects.toThrow(/still pending/);
    await flush();
  });
});
