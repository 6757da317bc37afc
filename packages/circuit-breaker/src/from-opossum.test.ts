import { afterEach, describe, expect, it } from 'vitest';
import CircuitBreaker from 'opossum';
import type { BreakerEvent } from '@homeostat/core';
import { createManualClock } from '@homeostat/core/testing';
import { fromOpossum } from './from-opossum.js';
import { createBreakerRegistry } from './registry.js';

const made: CircuitBreaker[] = [];
function opossum(
  action: (x: number) => Promise<number>,
  options: CircuitBreaker.Options = {},
): CircuitBreaker<[number], number> {
  const b = new CircuitBreaker(action, { name: 'legacy', resetTimeout: 60_000, ...options });
  made.push(b);
  return b;
}

describe('fromOpossum', () => {
  afterEach(() => {
    for (const b of made.splice(0)) b.shutdown();
  });

  it('turns opossum calls and state changes into BreakerEvents', async () => {
    const clock = createManualClock(5);
    const legacy = opossum((x) => (x < 0 ? Promise.reject(new Error('neg')) : Promise.resolve(x)), {
      errorThresholdPercentage: 40,
      volumeThreshold: 2,
    });
    const source = fromOpossum(legacy, { clock });
    const events: BreakerEvent[] = [];
    source.events$.subscribe((e) => events.push(e));
    await legacy.fire(1);
    await legacy.fire(-1).catch(() => undefined);
    expect(source.state).toBe('open');
    await legacy.fire(2).catch(() => undefined);
    expect(events.map((e) => e.type)).toEqual(['success', 'failure', 'state-change', 'rejected']);
    expect(events[0]).toMatchObject({ breaker: 'legacy', t: 5, state: 'closed' });
    expect(events[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(events[1]).toMatchObject({ error: 'neg' });
    expect(events[2]).toMatchObject({ from: 'closed', state: 'open' });
    const snap = source.snapshot();
    expect(snap).toMatchObject({
      name: 'legacy',
      state: 'open',
      stats: { calls: 2, successes: 1, failures: 1, rejected: 1, trips: 1 },
      window: { calls: 2, failures: 1, failureRate: 0.5 },
    });
    source.close();
    expect(source.state).toBe('closed');
    expect(events.at(-1)).toMatchObject({ type: 'state-change', from: 'open', state: 'closed' });
  });

  it('reports a timed-out call once, as a timeout', async () => {
    const legacy = opossum(() => new Promise<number>(() => {}), { timeout: 10 });
    const source = fromOpossum(legacy);
    const events: BreakerEvent[] = [];
    source.events$.subscribe((e) => events.push(e));
    await legacy.fire(1).catch(() => undefined);
    // the timeout also trips opossum (one call, default thresholds); the failure event opossum
    // emits after its timeout event is not reported again
    expect(events.map((e) => e.type)).toEqual(['timeout', 'state-change']);
    expect(source.snapshot().stats).toMatchObject({ calls: 1, failures: 1, timeouts: 1 });
  });

  it('joins a registry beside native breakers; dispose stops listening', async () => {
    const legacy = opossum((x) => Promise.resolve(x));
    const registry = createBreakerRegistry();
    const source = registry.add(fromOpossum(legacy, { name: 'inventory' }));
    registry.getOrCreate({ name: 'payments' });
    const events: BreakerEvent[] = [];
    const completed: boolean[] = [];
    registry.events$.subscribe((e) => events.push(e));
    source.events$.subscribe({ complete: () => completed.push(true) });
    await legacy.fire(1);
    expect(events).toHaveLength(1);
    expect(registry.health().breakers.map((b) => b.name)).toEqual(['inventory', 'payments']);
    expect(registry.control('inventory', 'open')).toBe(true);
    expect(legacy.opened).toBe(true);
    expect(registry.control('inventory', 'isolate')).toBe(false);
    source.dispose();
    expect(completed).toEqual([true]);
    legacy.close();
    await legacy.fire(2);
    expect(events.map((e) => e.type)).toEqual(['success', 'state-change']);
  });

  it('dispose does not complete the registry stream of the other breakers', async () => {
    const registry = createBreakerRegistry();
    const source = registry.add(fromOpossum(opossum((x) => Promise.resolve(x))));
    const payments = registry.getOrCreate({ name: 'payments' });
    const seen: string[] = [];
    let completed = false;
    const sub = registry.events$.subscribe({
      next: (e) => seen.push(`${e.breaker}:${e.type}`),
      complete: () => (completed = true),
    });
    source.dispose();
    await payments.execute(() => 1);
    expect(completed).toBe(false);
    expect(sub.closed).toBe(false);
    expect(seen).toEqual(['payments:success']);
    sub.unsubscribe();
  });

  it('shows a disabled or shut-down opossum breaker as disabled', () => {
    const legacy = opossum((x) => Promise.resolve(x));
    const source = fromOpossum(legacy);
    const events: BreakerEvent[] = [];
    source.events$.subscribe((e) => events.push(e));
    legacy.disable();
    expect(source.state).toBe('disabled');
    legacy.enable();
    legacy.shutdown();
    expect(source.state).toBe('disabled');
    expect(events).toEqual([
      expect.objectContaining({ type: 'state-change', from: 'closed', state: 'disabled' }),
    ]);
  });
});
