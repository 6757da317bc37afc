import { describe, expect, it } from 'vitest';
import type { BreakerEvent } from '@homeostat/core';
import { createManualClock } from '@homeostat/core/testing';
import { createBreakerRegistry } from './registry.js';
import { createCircuitBreaker } from './circuit-breaker.js';

describe('createBreakerRegistry', () => {
  it('creates breakers by name once and reports their health', async () => {
    const clock = createManualClock(100);
    const registry = createBreakerRegistry({}, { clock });
    const a = registry.getOrCreate({
      name: 'payments',
      window: { type: 'consecutive', failureThreshold: 1 },
    });
    expect(registry.getOrCreate({ name: 'payments' })).toBe(a);
    registry.getOrCreate({ name: 'search' });
    await a.execute(() => Promise.reject(new Error('down'))).catch(() => undefined);
    const health = registry.health();
    expect(health.healthy).toBe(false);
    expect(health.states).toMatchObject({ open: 1, closed: 1 });
    expect(health.breakers.map((b) => [b.name, b.state])).toEqual([
      ['payments', 'open'],
      ['search', 'closed'],
    ]);
    expect(health.t).toBe(100);
    expect(registry.names()).toEqual(['payments', 'search']);
  });

  it('merges events of current and later breakers, and stops after remove', async () => {
    const registry = createBreakerRegistry();
    const events: BreakerEvent[] = [];
    const first = registry.add(createCircuitBreaker({ name: 'a' }));
    const sub = registry.events$.subscribe((e) => events.push(e));
    const second = registry.getOrCreate({ name: 'b' });
    await first.execute(() => 1);
    await second.execute(() => 2);
    expect(events.map((e) => e.breaker)).toEqual(['a', 'b']);
    expect(registry.remove('a')).toBe(true);
    expect(registry.remove('a')).toBe(false);
    await first.execute(() => 1);
    expect(events).toHaveLength(2);
    sub.unsubscribe();
    await second.execute(() => 2);
    expect(events).toHaveLength(2);
  });

  it('keeps the merged stream open for the other breakers after remove', async () => {
    const registry = createBreakerRegistry();
    const a = registry.getOrCreate({ name: 'a' });
    const b = registry.getOrCreate({ name: 'b' });
    const seen: string[] = [];
    const sub = registry.events$.subscribe((e) => seen.push(`${e.breaker}:${e.type}`));
    registry.remove('a');
    expect(sub.closed).toBe(false);
    await a.execute(() => 1);
    await b.execute(() => 2);
    const c = registry.getOrCreate({ name: 'c' });
    await c.execute(() => 3);
    expect(seen).toEqual(['b:success', 'c:success']);
    sub.unsubscribe();
  });

  it('controls breakers by name for runbooks', () => {
    const registry = createBreakerRegistry();
    const b = registry.getOrCreate({ name: 'inventory' });
    expect(registry.control('inventory', 'isolate')).toBe(true);
    expect(b.state).toBe('forced-open');
    expect(registry.control('inventory', 'release')).toBe(true);
    expect(b.state).toBe('closed');
    expect(registry.control('inventory', 'open')).toBe(true);
    expect(b.state).toBe('open');
    expect(registry.control('inventory', 'close')).toBe(true);
    expect(registry.control('inventory', 'reset')).toBe(true);
    expect(registry.control('missing', 'open')).toBe(false);
  });

  it('is bounded, refuses duplicates and counts refusals', () => {
    const registry = createBreakerRegistry({ maxBreakers: 1 });
    registry.getOrCreate({ name: 'a' });
    expect(() => registry.add(createCircuitBreaker({ name: 'a' }))).toThrow(/already registered/);
    let refused: unknown;
    try {
      registry.getOrCreate({ name: 'b' });
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: 'REGISTRY_FULL', maxBreakers: 1 });
    expect(registry.health().refused).toBe(1);
    expect(registry.size).toBe(1);
    expect(() => createBreakerRegistry({ maxBreakers: 0 })).toThrow(/maxBreakers/);
  });
});
