import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { createManualTimers } from './manual-timers.js';

describe('createManualTimers', () => {
  it('runs due timers in deadline order with the clock at each deadline', () => {
    const clock = createManualClock(0);
    const timers = createManualTimers(clock);
    const ran: Array<[string, number]> = [];
    timers.setTimeout(() => ran.push(['b', clock.now()]), 20);
    timers.setTimeout(() => ran.push(['a', clock.now()]), 10);
    const c = timers.setTimeout(() => ran.push(['c', clock.now()]), 15);
    timers.clearTimeout(c);
    timers.advance(25);
    expect(ran).toEqual([
      ['a', 10],
      ['b', 20],
    ]);
    expect(clock.now()).toBe(25);
    expect(timers.pending).toBe(0);
  });
});
