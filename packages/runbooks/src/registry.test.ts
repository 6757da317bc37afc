import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '@homeostat/core';
import { defineAction } from './action.js';
import { createMemoryLock } from './lock.js';
import { createRunbookRegistry } from './registry.js';
import { defineRunbook } from './runbook.js';

const write = defineAction({
  name: 'write',
  params: z.object({ n: z.number() }),
  run: () => undefined,
});
const read = defineAction({
  name: 'read',
  params: z.object({}),
  readOnly: true,
  run: () => undefined,
});

describe('createRunbookRegistry', () => {
  it('looks runbooks and actions up', () => {
    const rb = defineRunbook({
      id: 'rb',
      steps: [{ action: 'write', params: { n: 1 } }],
      verify: { kind: 'probe', action: 'read' },
    });
    const registry = createRunbookRegistry({ runbooks: [rb], actions: [write, read] });
    expect(registry.get('rb')).toBe(rb);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.action('read')).toBe(read);
    expect(registry.runbooks).toEqual([rb]);
  });

  it('reports unknown actions, non-read-only probes and bad static params with paths', () => {
    const rb = defineRunbook({
      id: 'broken',
      steps: [
        { action: 'missing' },
        { action: 'write', params: { n: 'one' } },
        { action: 'write', params: { n: '{{ params.n }}' } },
      ],
      verify: { kind: 'probe', action: 'write', params: { n: 1 } },
    });
    try {
      createRunbookRegistry({ runbooks: [rb], actions: [write, read] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).source).toBe('runbook broken');
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual([
        'steps.0.action',
        'steps.1.params.n',
        'verify.action',
      ]);
    }
    expect(() => createRunbookRegistry({ runbooks: [], actions: [write, write] })).toThrow(
      /duplicate action/,
    );
    const a = defineRunbook({ id: 'a', steps: [{ action: 'read' }] });
    expect(() => createRunbookRegistry({ runbooks: [a, a], actions: [read] })).toThrow(
      /duplicate runbook/,
    );
  });
});

describe('createMemoryLock', () => {
  it('gives one lease per key until released', async () => {
    const lock = createMemoryLock();
    const a = await lock.acquire('t', 1000);
    expect(a).toBeDefined();
    expect(await lock.acquire('t', 1000)).toBeUndefined();
    expect(await lock.acquire('u', 1000)).toBeDefined();
    expect([...lock.held()].sort()).toEqual(['t', 'u']);
    await a!.release();
    await a!.release();
    expect(lock.held()).toEqual(['u']);
    expect(await lock.acquire('t', 1000)).toBeDefined();
  });
});
