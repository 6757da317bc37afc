import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { createSafetyGuard } from './safety.js';

const act = (g: ReturnType<typeof createSafetyGuard>, id: string, target = `t-${id}`) =>
  g.admit({ id, target, runbook: 'rb' });

describe('createSafetyGuard', () => {
  it('rate-limits actions over a sliding window', () => {
    const clock = createManualClock(0);
    const g = createSafetyGuard(
      { rateLimit: { maxActions: 2, perMs: 1_000 }, cooldownMs: 0, maxConcurrent: 100 },
      { clock },
    );
    expect(g.check('a').ok).toBe(true);
    act(g, '1');
    clock.advance(100);
    act(g, '2');
    const refused = g.check('c');
    expect(refused.ok).toBe(false);
    expect(refused.reasons[0]).toMatch(/rate limit/);
    clock.advance(899); // t = 999: first action still inside the window
    expect(g.check('c').ok).toBe(false);
    clock.advance(1); // t = 1000: first action left the window
    expect(g.check('c').ok).toBe(true);
    expect(g.stats.refused).toBe(2);
  });

  it('keeps a cooldown per target', () => {
    const clock = createManualClock(0);
    const g = createSafetyGuard({ cooldownMs: 60_000 }, { clock });
    act(g, '1', 'checkout');
    g.finish('1');
    clock.advance(30_000);
    expect(g.check('checkout').reasons.join()).toMatch(/cooldown: checkout/);
    expect(g.check('payments').ok).toBe(true);
    clock.advance(30_000);
    expect(g.check('checkout').ok).toBe(true);
  });

  it('caps concurrent actions until they finish or expire', () => {
    const clock = createManualClock(0);
    const g = createSafetyGuard(
      { maxConcurrent: 2, cooldownMs: 0, inFlightTimeoutMs: 10_000 },
      { clock },
    );
    act(g, '1');
    act(g, '2');
    expect(g.check('x').reasons.join()).toMatch(/concurrency: 2/);
    expect(g.check('t-1').reasons.join()).toMatch(/busy: .* on t-1/);
    expect(g.inFlight('t-1', 'rb')).toEqual({ total: 2, sameTarget: 1, sameRunbook: 2 });
    g.finish('1');
    expect(g.check('x').ok).toBe(true);
    act(g, '3');
    clock.advance(10_000);
    expect(g.check('x').ok).toBe(true);
    expect(g.stats.inFlightExpired).toBe(2);
  });

  it('stays bounded when admit is called past the cap', () => {
    const g = createSafetyGuard(
      { maxConcurrent: 1, cooldownMs: 0 },
      { clock: createManualClock(0) },
    );
    act(g, '1');
    act(g, '2');
    expect(g.inFlight('x', 'rb').total).toBe(1);
    expect(g.stats.inFlightDropped).toBe(1);
  });

  it('gates on the error budget, failing safe when the budget function throws', () => {
    let budget = 0.5;
    const g = createSafetyGuard(
      { minErrorBudget: 0.2 },
      { clock: createManualClock(0), errorBudget: () => budget },
    );
    expect(g.check('a').ok).toBe(true);
    budget = 0.1;
    expect(g.check('a').reasons.join()).toMatch(/error budget: 0\.100 remaining is below 0\.2/);
    const broken = createSafetyGuard(
      {},
      {
        clock: createManualClock(0),
        errorBudget: () => {
          throw new Error('prometheus down');
        },
      },
    );
    expect(broken.check('a').reasons.join()).toMatch(/error budget: unknown/);
  });

  it('forgets the least recently used target beyond maxTargets, and counts it', () => {
    const g = createSafetyGuard(
      { maxTargets: 2, maxConcurrent: 10 },
      { clock: createManualClock(0) },
    );
    act(g, '1', 'a');
    act(g, '2', 'b');
    act(g, '3', 'c');
    expect(g.stats.targetsEvicted).toBe(1);
    expect(g.stats.admitted).toBe(3);
  });

  it('refuses bad options', () => {
    expect(() => createSafetyGuard({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => createSafetyGuard({ rateLimit: { maxActions: 1, perMs: -1 } })).toThrow(
      /rateLimit\.perMs/,
    );
  });
});
