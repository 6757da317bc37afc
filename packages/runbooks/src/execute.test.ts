import { describe, expect, it } from 'vitest';
import { Subject, from, throwError, concat, lastValueFrom, toArray } from 'rxjs';
import { z } from 'zod';
import type { Decision, Outcome } from '@homeostat/core';
import { defineAction } from './action.js';
import { createMemoryAudit } from './audit.js';
import { execute } from './execute.js';
import { createExecutor } from './executor.js';
import { createRunbookRegistry } from './registry.js';
import { defineRunbook } from './runbook.js';
import { decide, recordingActions } from './internal/fixtures.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('execute', () => {
  it('turns decisions into outcomes and completes after the last run', async () => {
    const acts = recordingActions();
    const registry = createRunbookRegistry({
      runbooks: [defineRunbook({ id: 'rb', steps: [{ action: 'ok' }] })],
      actions: [acts.ok],
    });
    const outcomes = await lastValueFrom(
      from([decide('rb', 'a'), decide('rb', 'b', { verdict: 'ignore' }), decide('rb', 'c')]).pipe(
        execute(registry, { audit: createMemoryAudit() }),
        toArray(),
      ),
    );
    expect(outcomes.map((o) => [o.decision.incident.resource, o.status])).toEqual([
      ['a', 'succeeded'],
      ['c', 'succeeded'],
    ]);
  });

  it('passes upstream errors through', async () => {
    const registry = createRunbookRegistry({ runbooks: [], actions: [] });
    const source = concat(
      from([] as Decision[]),
      throwError(() => new Error('upstream')),
    );
    await expect(
      lastValueFrom(source.pipe(execute(registry, { audit: createMemoryAudit() }))),
    ).rejects.toThrow('upstream');
  });

  it('keeps going when an action throws, hangs or returns garbage, with a complete audit', async () => {
    const acts = recordingActions();
    const hang = acts.custom('hang', () => new Promise(() => undefined));
    const garbage = acts.custom('garbage', () => 'yes');
    const registry = createRunbookRegistry({
      runbooks: [
        defineRunbook({ id: 'throws', steps: [{ action: 'fail' }] }),
        defineRunbook({ id: 'hangs', steps: [{ action: 'hang', timeout: 20 }] }),
        defineRunbook({ id: 'garbage', steps: [{ action: 'garbage' }] }),
        defineRunbook({ id: 'fine', steps: [{ action: 'ok' }] }),
      ],
      actions: [acts.ok, acts.fail, hang, garbage],
    });
    const audit = createMemoryAudit();
    const outcomes = await lastValueFrom(
      from([
        decide('throws', 't1'),
        decide('hangs', 't2'),
        decide('garbage', 't3'),
        decide('fine', 't4'),
      ]).pipe(execute(registry, { audit, options: { abortGrace: 10 } }), toArray()),
    );
    const byRunbook = Object.fromEntries(outcomes.map((o) => [o.decision.runbook, o]));
    expect(byRunbook.throws).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/boom/),
    });
    expect(byRunbook.hangs).toMatchObject({
      status: 'timed_out',
      error: expect.stringMatching(/ignored its abort signal/),
    });
    expect(byRunbook.garbage).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/invalid result/),
    });
    expect(byRunbook.fine).toMatchObject({ status: 'succeeded' });
    const records = audit.records();
    for (const o of outcomes) {
      const mine = records.filter((r) => r.decisionId === o.decision.id).map((r) => r.type);
      expect(mine[0]).toBe('decision.received');
      expect(mine.at(-1)).toBe('run.finished');
      expect(mine.filter((t) => t === 'step.started')).toHaveLength(
        mine.filter((t) => t === 'step.finished').length,
      );
    }
  });

  it('never runs two actions on one target at once: 10,000 decisions over 100 targets', async () => {
    const inFlight = new Map<string, number>();
    let overlaps = 0;
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    const touch = defineAction({
      name: 'touch',
      params: z.object({ target: z.string(), spin: z.number() }),
      async run({ target, spin }) {
        calls++;
        const n = (inFlight.get(target) ?? 0) + 1;
        inFlight.set(target, n);
        if (n > 1) overlaps++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        for (let i = 0; i < spin; i++) await tick();
        running--;
        inFlight.set(target, (inFlight.get(target) ?? 1) - 1);
      },
    });
    const registry = createRunbookRegistry({
      runbooks: [
        defineRunbook({
          id: 'one',
          steps: [{ action: 'touch', params: { target: '{{ target }}', spin: 1 } }],
        }),
        defineRunbook({
          id: 'two',
          steps: [
            { action: 'touch', params: { target: '{{ target }}', spin: 2 } },
            { action: 'touch', params: { target: '{{ target }}', spin: 0 } },
          ],
        }),
      ],
      actions: [touch],
    });
    const executor = createExecutor(
      registry,
      { concurrency: 16, maxQueued: 20_000 },
      { audit: createMemoryAudit({ maxRecords: 1000 }) },
    );
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const decisions = Array.from({ length: 10_000 }, (_, i) =>
      decide(rand() < 0.5 ? 'one' : 'two', `target-${Math.floor(rand() * 100)}`, {
        id: `bulk-${i}`,
      }),
    );
    const outcomes: Outcome[] = await lastValueFrom(
      from(decisions).pipe(execute(executor), toArray()),
    );
    expect(outcomes).toHaveLength(10_000);
    expect(outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(overlaps).toBe(0);
    expect(calls).toBeGreaterThan(10_000);
    expect(maxRunning).toBeLessThanOrEqual(16);
    expect(maxRunning).toBeGreaterThan(1); // different targets did run in parallel
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, received: 10_000 });
  }, 60_000);

  it('blocks decisions beyond maxQueued and counts them', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const wait = defineAction({ name: 'wait', params: z.object({}), run: () => gate });
    const registry = createRunbookRegistry({
      runbooks: [defineRunbook({ id: 'rb', steps: [{ action: 'wait' }] })],
      actions: [wait],
    });
    const executor = createExecutor(
      registry,
      { concurrency: 1, maxQueued: 2 },
      { audit: createMemoryAudit() },
    );
    const decisions$ = new Subject<Decision>();
    const got: Outcome[] = [];
    const done = new Promise<void>((resolve) =>
      decisions$.pipe(execute(executor)).subscribe({ next: (o) => got.push(o), complete: resolve }),
    );
    for (let i = 0; i < 5; i++) decisions$.next(decide('rb', 'same'));
    await tick();
    await tick();
    expect(got.map((o) => o.status)).toEqual(['blocked', 'blocked']); // 1 running + 2 waiting admitted
    expect(got[0]!.error).toMatch(/^queue_full/);
    release();
    decisions$.complete();
    await done;
    expect(got.map((o) => o.status).sort()).toEqual([
      'blocked',
      'blocked',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(executor.stats().blocked.queue_full).toBe(2);
  });
});
