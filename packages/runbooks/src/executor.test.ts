import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createRecordingOnError } from '@homeostat/core/testing';
import { isHomeostatError, type Outcome } from '@homeostat/core';
import { defineAction } from './action.js';
import { createApprovals } from './approvals.js';
import { createMemoryAudit, verifyAuditLog, type AuditSink } from './audit.js';
import {
  createExecutor,
  formatPlan,
  type ExecutorDeps,
  type ExecutorOptions,
  type RunPlan,
} from './executor.js';
import { createMemoryLock } from './lock.js';
import { createRunbookRegistry } from './registry.js';
import { defineRunbook, type RunbookInput } from './runbook.js';
import { scaleAction } from './actions/scale-action.js';
import { createManualScheduler } from './internal/manual-scheduler.js';
import { decide, recordingActions } from './internal/fixtures.js';

function setup(
  runbooks: RunbookInput[],
  extra: {
    options?: ExecutorOptions;
    deps?: Partial<ExecutorDeps>;
    actions?: ReturnType<typeof recordingActions>['ok'][];
  } = {},
) {
  const scheduler = createManualScheduler(1_000_000);
  const acts = recordingActions();
  const audit = createMemoryAudit({}, { clock: scheduler });
  const { onError, errors } = createRecordingOnError();
  const registry = createRunbookRegistry({
    runbooks: runbooks.map(defineRunbook),
    actions: extra.actions ?? [acts.ok, acts.fail],
  });
  const executor = createExecutor(registry, extra.options ?? {}, {
    scheduler,
    audit,
    onError,
    onPlan: () => undefined,
    ...extra.deps,
  });
  const run = (d: Parameters<typeof executor.run>[0]) =>
    scheduler.drive(executor.run(d)) as Promise<Outcome>;
  return { scheduler, acts, audit, executor, run, errors };
}

/** An action that never settles until `finish()` is called (and ignores its abort signal). */
function hanging(
  acts: ReturnType<typeof recordingActions>,
  name: string,
  readOnly?: boolean,
): { action: ReturnType<typeof acts.custom>; finish: () => void } {
  let settle: () => void = () => undefined;
  const action = acts.custom(
    name,
    () => new Promise<void>((resolve) => (settle = resolve)),
    readOnly,
  );
  return { action, finish: () => settle() };
}

function auditTypes(audit: ReturnType<typeof createMemoryAudit>): string[] {
  return audit.records().map((r) => r.type);
}

describe('createExecutor', () => {
  it('runs the steps in order and succeeds, auditing before and after each action', async () => {
    const { run, acts, audit } = setup([
      {
        id: 'rb',
        steps: [
          { action: 'ok', params: { n: 1 } },
          { action: 'ok', params: { n: 2, who: '{{ target }}' } },
        ],
      },
    ]);
    const outcome = await run(decide('rb', 'svc-a'));
    expect(outcome.status).toBe('succeeded');
    expect(outcome.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(acts.calls.map((c) => c.params)).toEqual([{ n: 1 }, { n: 2, who: 'svc-a' }]);
    expect(auditTypes(audit)).toEqual([
      'decision.received',
      'plan',
      'run.started',
      'step.started',
      'step.finished',
      'step.started',
      'step.finished',
      'run.finished',
    ]);
  });

  it('aborts on a failed step by default and does not run later steps', async () => {
    const { run, acts } = setup([{ id: 'rb', steps: [{ action: 'fail' }, { action: 'ok' }] }]);
    const outcome = await run(decide('rb'));
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/boom/);
    expect(acts.calls.map((c) => c.action)).toEqual(['fail']);
  });

  it('continues past a failed step with onFailure: continue', async () => {
    const { run, acts } = setup([
      { id: 'rb', steps: [{ action: 'fail', onFailure: 'continue' }, { action: 'ok' }] },
    ]);
    const outcome = await run(decide('rb'));
    expect(outcome.status).toBe('succeeded');
    expect(outcome.steps.map((s) => s.status)).toEqual(['failed', 'succeeded']);
    expect(acts.calls.map((c) => c.action)).toEqual(['fail', 'ok']);
  });

  it('rolls completed steps back in reverse with onFailure: rollback', async () => {
    const { run, acts, audit } = setup([
      {
        id: 'rb',
        steps: [
          { name: 'a', action: 'ok', params: { n: 1 } },
          { name: 'b', action: 'ok', params: { n: 2 } },
          { name: 'c', action: 'fail', onFailure: 'rollback' },
        ],
      },
    ]);
    const outcome = await run(decide('rb'));
    expect(outcome.status).toBe('rolled_back');
    expect(outcome.steps.map((s) => `${s.step}:${s.status}`)).toEqual([
      'a:rolled_back',
      'b:rolled_back',
      'c:failed',
    ]);
    expect(acts.calls.filter((c) => c.kind === 'undo').map((c) => c.params)).toEqual([
      { n: 2 },
      { n: 1 },
    ]);
    expect(auditTypes(audit)).toContain('rollback.finished');
  });

  it('retries with exponential backoff on the injected scheduler', async () => {
    const acts = recordingActions();
    const flaky = acts.flaky(2);
    const { scheduler, executor } = setup(
      [
        {
          id: 'rb',
          steps: [
            { action: 'flaky', retries: 3, backoff: { initial: '1s', factor: 3, max: '1m' } },
          ],
        },
      ],
      {
        actions: [flaky],
      },
    );
    const t0 = scheduler.now();
    const outcome = await scheduler.drive(executor.run(decide('rb')), { stepMs: 100 });
    expect(outcome!.status).toBe('succeeded');
    expect(outcome!.steps[0]!.attempts).toBe(3);
    expect(acts.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // waits 1 s, then 3 s
    expect(outcome!.durationMs).toBeGreaterThanOrEqual(4000);
    expect(scheduler.now() - t0).toBeLessThan(4300);
  });

  it('times out a slow step, aborts its signal, and reports timed_out', async () => {
    const acts = recordingActions();
    let aborted = false;
    const slow = acts.custom(
      'slow',
      (_p, { signal }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          });
        }),
    );
    const { run } = setup([{ id: 'rb', steps: [{ action: 'slow', timeout: '5s' }] }], {
      actions: [slow],
    });
    const outcome = await run(decide('rb'));
    expect(outcome.status).toBe('timed_out');
    expect(outcome.steps[0]).toMatchObject({ status: 'timed_out' });
    expect(aborted).toBe(true);
  });

  it('keeps a target locked while an action that ignores its abort signal is still running', async () => {
    const acts = recordingActions();
    let finish: () => void = () => undefined;
    const hang = acts.custom('hang', () => new Promise<void>((resolve) => (finish = resolve)));
    const { scheduler, executor } = setup(
      [
        { id: 'rb', steps: [{ action: 'hang', timeout: '2s' }] },
        { id: 'rb2', steps: [{ action: 'ok' }] },
      ],
      {
        actions: [hang, acts.ok],
      },
    );
    const first = await scheduler.drive(executor.run(decide('rb', 'svc-a')));
    expect(first!.status).toBe('timed_out');
    expect(first!.error).toMatch(/ignored its abort signal/);
    expect(executor.stats().hungActions).toBe(1);
    const second = executor.run(decide('rb2', 'svc-a'));
    await scheduler.advance(60_000);
    expect(acts.calls.filter((c) => c.action === 'ok')).toHaveLength(0); // still waiting for the target
    finish();
    const out = await scheduler.drive(second);
    expect(out!.status).toBe('succeeded');
    expect(executor.stats().hungActions).toBe(0);
  });

  it('escalates instead of rolling back when an onFailure: rollback step ignores its abort signal', async () => {
    const acts = recordingActions();
    let finish: () => void = () => undefined;
    const hang = acts.custom('hang', () => new Promise<void>((resolve) => (finish = resolve)));
    const escalations: string[] = [];
    const { scheduler, executor, audit } = setup(
      [
        {
          id: 'rb',
          steps: [
            { name: 'drain', action: 'ok' },
            { name: 'migrate', action: 'hang', timeout: '1s', onFailure: 'rollback' },
          ],
        },
      ],
      { actions: [acts.ok, hang], deps: { onEscalate: (e) => escalations.push(e.reason) } },
    );
    const outcome = await scheduler.drive(executor.run(decide('rb', 'svc-a')));
    expect(outcome!.status).toBe('timed_out');
    expect(outcome!.error).toMatch(/rollback not run: .*still running/);
    expect(acts.calls.filter((c) => c.kind === 'undo')).toHaveLength(0);
    expect(escalations).toEqual([
      expect.stringMatching(
        /^rollback of rb was not run because an action ignored its abort signal and is still running; steps not undone: drain$/,
      ),
    ]);
    expect(auditTypes(audit).slice(-2)).toEqual(['rollback.finished', 'run.finished']);
    expect(audit.records().at(-2)?.data).toMatchObject({ skipped: true, notUndone: ['drain'] });
    expect(executor.stats().hungActions).toBe(1);
    finish();
    await scheduler.advance(0);
    expect(executor.stats().hungActions).toBe(0);
  });

  it('turns a garbage result into a failed step naming the problem', async () => {
    const acts = recordingActions();
    const garbage = acts.custom('garbage', () => 42);
    const circular = acts.custom('circular', () => {
      const data: Record<string, unknown> = {};
      data.self = data;
      return { data };
    });
    const { run } = setup(
      [
        { id: 'rb', steps: [{ action: 'garbage' }] },
        { id: 'rb2', steps: [{ action: 'circular' }] },
      ],
      { actions: [garbage, circular] },
    );
    const a = await run(decide('rb'));
    expect(a.status).toBe('failed');
    expect(a.steps[0]!.error).toMatch(/invalid result: returned number 42/);
    const b = await run(decide('rb2', 'svc-b'));
    expect(b.steps[0]!.error).toMatch(/not JSON-serialisable/);
  });

  it('fails a step whose template names an unknown variable, and refuses an incident without a resource', async () => {
    const { run, acts } = setup([
      { id: 'rb', steps: [{ action: 'ok', params: { t: '{{ params.typo }}' } }] },
    ]);
    const outcome = await run(decide('rb'));
    expect(outcome.status).toBe('failed');
    expect(outcome.steps[0]!.error).toMatch(/unknown template variable "\{\{ params.typo \}\}"/);
    expect(acts.calls).toHaveLength(0);
    const none = await run(decide('rb', ''));
    expect(none.status).toBe('blocked');
    expect(none.error).toMatch(/^blast_radius: the incident names no resource/);
  });

  it('rejects unknown runbooks and invalid params, and ignores/escalates without an outcome', async () => {
    const escalations: string[] = [];
    const { run, executor, audit, scheduler } = setup(
      [
        {
          id: 'rb',
          params: { replicas: { type: 'integer', min: 1, max: 5 } },
          steps: [{ action: 'ok', params: { r: '{{ params.replicas }}' } }],
        },
      ],
      { deps: { onEscalate: (e) => escalations.push(e.reason) } },
    );
    expect((await run(decide('nope'))).status).toBe('rejected');
    const bad = await run(decide('rb', 'svc-a', { params: { replicas: 9 } }));
    expect(bad.status).toBe('rejected');
    expect(bad.error).toMatch(/replicas/);
    const good = await run(decide('rb', 'svc-a', { params: { replicas: 3 } }));
    expect(good.status).toBe('succeeded');
    expect(
      await scheduler.drive(executor.run(decide('rb', 'svc-a', { verdict: 'ignore' }))),
    ).toBeUndefined();
    expect(
      await scheduler.drive(executor.run(decide('rb', 'svc-a', { verdict: 'escalate' }))),
    ).toBeUndefined();
    expect(escalations).toHaveLength(1);
    const finished = audit.records().filter((r) => r.type === 'run.finished');
    expect(finished.map((r) => r.data?.status)).toEqual([
      'rejected',
      'rejected',
      'succeeded',
      'ignored',
      'escalated',
    ]);
  });

  describe('verification', () => {
    const rb: RunbookInput = {
      id: 'scale-out',
      steps: [{ name: 'scale', action: 'scale', params: { target: '{{ target }}', delta: 2 } }],
      verify: {
        kind: 'metric',
        query: 'error_ratio',
        below: 0.01,
        for: '30s',
        interval: '5s',
        timeout: '2m',
      },
    };

    function scaleSetup(readings: (t: number) => number) {
      const replicas = new Map([['svc-a', 3]]);
      const scaler = {
        getReplicas: (t: string) => replicas.get(t) ?? 0,
        setReplicas: (t: string, n: number) => void replicas.set(t, n),
      };
      const s = setup([rb], {
        actions: [scaleAction(scaler)],
        deps: { metrics: { read: () => readings(s0.scheduler.now() - start) } },
      });
      const s0 = s;
      const start = s.scheduler.now();
      return { ...s, replicas };
    }

    it('passes when the error ratio stays below 1% for 30 s', async () => {
      const { run, replicas } = scaleSetup((dt) => (dt < 10_000 ? 0.05 : 0.002));
      const outcome = await run(decide('scale-out'));
      expect(outcome.status).toBe('succeeded');
      expect(outcome.verified).toBe(true);
      expect(replicas.get('svc-a')).toBe(5);
    });

    it('rolls back (restoring replicas) when the condition never holds for 30 s', async () => {
      // dips below for 20 s at a time, never 30 s
      const { run, replicas, audit } = scaleSetup((dt) =>
        Math.floor(dt / 25_000) % 2 === 0 ? 0.001 : 0.2,
      );
      const outcome = await run(decide('scale-out'));
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.verified).toBe(false);
      expect(outcome.error).toMatch(/error_ratio was not below 0.01 for 30000 ms/);
      expect(replicas.get('svc-a')).toBe(3);
      expect(audit.records().find((r) => r.type === 'verification.finished')?.data?.passed).toBe(
        false,
      );
    });

    it('treats a throwing metric reader as a failed reading', async () => {
      const { run } = scaleSetup(() => {
        throw new Error('prometheus down');
      });
      const outcome = await run(decide('scale-out'));
      expect(outcome.status).toBe('rolled_back');
      expect(outcome.error).toMatch(/prometheus down/);
    });

    it('verifies with a read-only probe that must pass N times in a row', async () => {
      const acts = recordingActions();
      let n = 0;
      const probe = acts.custom('probe', () => ({ ok: ++n >= 3 }), true);
      const { run } = setup(
        [
          {
            id: 'rb',
            steps: [{ action: 'ok' }],
            verify: { kind: 'probe', action: 'probe', successes: 2, interval: '1s', timeout: '1m' },
          },
        ],
        { actions: [acts.ok, probe] },
      );
      const outcome = await run(decide('rb'));
      expect(outcome.verified).toBe(true);
      expect(n).toBe(4);
    });

    it('keeps the target locked and does not roll back while a verification probe ignores its abort signal', async () => {
      const acts = recordingActions();
      const { action: probe, finish } = hanging(acts, 'probe', true);
      const escalations: string[] = [];
      const lock = createMemoryLock();
      const { scheduler, executor, audit } = setup(
        [
          {
            id: 'rb',
            steps: [{ action: 'ok' }],
            verify: { kind: 'probe', action: 'probe', timeout: '5s' },
          },
          { id: 'rb2', steps: [{ action: 'ok' }] },
        ],
        {
          actions: [acts.ok, probe],
          deps: { lock, onEscalate: (e) => escalations.push(e.reason) },
        },
      );
      const first = await scheduler.drive(executor.run(decide('rb', 'svc-a')));
      expect(first!.status).toBe('timed_out');
      expect(first!.error).toMatch(
        /ignored its abort signal and is still running; rollback not run/,
      );
      expect(acts.calls.filter((c) => c.kind === 'undo')).toHaveLength(0);
      expect(escalations).toEqual([
        expect.stringMatching(/rollback of rb was not run .*still running; steps not undone: 1:ok/),
      ]);
      expect(audit.records().find((r) => r.type === 'rollback.finished')?.data).toMatchObject({
        skipped: true,
        escalated: true,
        notUndone: ['1:ok'],
      });
      expect(executor.stats().hungActions).toBe(1);
      expect(lock.held()).toEqual(['svc-a']);
      const second = executor.run(decide('rb2', 'svc-a'));
      await scheduler.advance(60_000);
      expect(acts.calls.filter((c) => c.action === 'ok')).toHaveLength(1); // still waiting
      finish();
      const out = await scheduler.drive(second);
      expect(out!.status).toBe('succeeded');
      expect(executor.stats().hungActions).toBe(0);
      expect(lock.held()).toEqual([]);
    });

    it('audits a probe precondition before it starts and after it ends', async () => {
      const acts = recordingActions();
      let pass = false;
      const probe = acts.custom(
        'probe',
        () => {
          if (!pass) throw new Error('not ready');
        },
        true,
      );
      const { run, audit } = setup(
        [
          {
            id: 'rb',
            preconditions: [{ kind: 'probe', action: 'probe', timeout: '1s' }],
            steps: [{ action: 'ok' }],
          },
        ],
        { actions: [acts.ok, probe] },
      );
      expect((await run(decide('rb', 'a'))).status).toBe('blocked');
      pass = true;
      expect((await run(decide('rb', 'b'))).status).toBe('succeeded');
      const probes = audit.records().filter((r) => r.type.startsWith('precondition.'));
      expect(probes.map((r) => [r.type, r.data?.passed])).toEqual([
        ['precondition.started', undefined],
        ['precondition.finished', false],
        ['precondition.started', undefined],
        ['precondition.finished', true],
      ]);
      expect(probes[1]!.data?.error).toMatch(/not ready/);
      const types = auditTypes(audit);
      expect(types.lastIndexOf('precondition.finished')).toBeLessThan(
        types.lastIndexOf('run.started'),
      );
    });

    it.each(['precondition.finished', 'verification.finished'])(
      'keeps the target locked while a hung probe runs, even when %s cannot be written',
      async (failOn) => {
        const acts = recordingActions();
        const { action: probe, finish } = hanging(acts, 'probe', true);
        const lock = createMemoryLock();
        const memory = createMemoryAudit();
        let failed = false;
        const audit: AuditSink = {
          append: (e) => {
            if (e.type !== failOn || failed) return memory.append(e);
            failed = true;
            return Promise.reject(new Error('disk full'));
          },
          close: () => memory.close(),
        };
        const { scheduler, executor } = setup(
          [
            failOn === 'precondition.finished'
              ? {
                  id: 'rb',
                  preconditions: [{ kind: 'probe', action: 'probe', timeout: '1s' }],
                  steps: [{ action: 'ok' }],
                }
              : {
                  id: 'rb',
                  steps: [{ action: 'ok' }],
                  verify: { kind: 'probe', action: 'probe', timeout: '5s' },
                },
            { id: 'rb2', steps: [{ action: 'ok' }] },
          ],
          { actions: [acts.ok, probe], deps: { lock, audit } },
        );
        const first = await scheduler.drive(executor.run(decide('rb', 'svc-a')));
        expect(first!.status).toBe('failed');
        expect(first!.error).toMatch(/disk full/);
        expect(lock.held()).toEqual(['svc-a']);
        const okCalls = acts.calls.filter((c) => c.action === 'ok').length;
        const second = executor.run(decide('rb2', 'svc-a'));
        await scheduler.advance(60_000);
        expect(acts.calls.filter((c) => c.action === 'ok')).toHaveLength(okCalls);
        finish();
        expect((await scheduler.drive(second))!.status).toBe('succeeded');
      },
    );

    it('keeps the target locked while a precondition probe ignores its abort signal', async () => {
      const acts = recordingActions();
      const { action: probe, finish } = hanging(acts, 'probe', true);
      const lock = createMemoryLock();
      const { scheduler, executor } = setup(
        [
          {
            id: 'rb',
            preconditions: [{ kind: 'probe', action: 'probe', timeout: '1s' }],
            steps: [{ action: 'ok' }],
          },
          { id: 'rb2', steps: [{ action: 'ok' }] },
        ],
        { actions: [acts.ok, probe], deps: { lock } },
      );
      const first = await scheduler.drive(executor.run(decide('rb', 'svc-a')));
      expect(first!.status).toBe('blocked');
      expect(first!.error).toMatch(/^precondition: probe probe did not pass: .*still running/);
      expect(executor.stats().hungActions).toBe(1);
      expect(lock.held()).toEqual(['svc-a']);
      const second = executor.run(decide('rb2', 'svc-a'));
      await scheduler.advance(60_000);
      expect(acts.calls.filter((c) => c.action === 'ok')).toHaveLength(0);
      finish();
      expect((await scheduler.drive(second))!.status).toBe('succeeded');
      expect(executor.stats().hungActions).toBe(0);
    });
  });

  describe('safety', () => {
    it('enforces a per-target cooldown', async () => {
      const { run, scheduler } = setup([{ id: 'rb', cooldown: '10m', steps: [{ action: 'ok' }] }]);
      expect((await run(decide('rb', 'a'))).status).toBe('succeeded');
      const again = await run(decide('rb', 'a'));
      expect(again.status).toBe('blocked');
      expect(again.error).toMatch(/^cooldown:/);
      expect((await run(decide('rb', 'b'))).status).toBe('succeeded');
      await scheduler.advance(10 * 60_000);
      expect((await run(decide('rb', 'a'))).status).toBe('succeeded');
    });

    it('enforces per-runbook and global rate limits over a sliding window', async () => {
      const { run, scheduler, executor } = setup(
        [
          { id: 'rb', maxRuns: { count: 2, window: '1h' }, steps: [{ action: 'ok' }] },
          { id: 'other', steps: [{ action: 'ok' }] },
        ],
        { options: { rateLimit: { count: 3, window: '1h' } } },
      );
      expect((await run(decide('rb', 'a'))).status).toBe('succeeded');
      expect((await run(decide('rb', 'b'))).status).toBe('succeeded');
      expect((await run(decide('rb', 'c'))).error).toMatch(/^runbook_rate_limited/);
      expect((await run(decide('other', 'd'))).status).toBe('succeeded');
      expect((await run(decide('other', 'e'))).error).toMatch(/^rate_limited/);
      await scheduler.advance(3_600_000);
      expect((await run(decide('rb', 'c'))).status).toBe('succeeded');
      expect(executor.stats().blocked).toEqual({ runbook_rate_limited: 1, rate_limited: 1 });
    });

    it('is blocked when the shared lock is held elsewhere', async () => {
      const lock = createMemoryLock();
      const { run } = setup([{ id: 'rb', steps: [{ action: 'ok' }] }], { deps: { lock } });
      const lease = await lock.acquire('svc-a', 1000);
      const outcome = await run(decide('rb', 'svc-a'));
      expect(outcome.status).toBe('blocked');
      expect(outcome.error).toMatch(/locked/);
      await lease!.release();
      expect((await run(decide('rb', 'svc-a'))).status).toBe('succeeded');
      expect(lock.held()).toEqual([]);
    });

    it('refuses selectors that match no targets or all of them unless allowed', async () => {
      const inventory = {
        list: () => [
          { name: 'web-1', labels: { app: 'web', zone: 'a' } },
          { name: 'web-2', labels: { app: 'web', zone: 'b' } },
          { name: 'db-1', labels: { app: 'db', zone: 'a' } },
        ],
      };
      const { run, acts } = setup(
        [
          {
            id: 'some',
            targets: { selector: { app: '{{ incident.resource }}' } },
            steps: [{ action: 'ok', forEachTarget: true, params: { t: '{{ target }}' } }],
          },
          { id: 'all', targets: { selector: {} }, steps: [{ action: 'ok' }] },
          { id: 'all-ok', targets: { selector: {}, allowAll: true }, steps: [{ action: 'ok' }] },
          {
            id: 'capped',
            targets: { selector: { app: 'web' }, max: 1 },
            steps: [{ action: 'ok' }],
          },
        ],
        { deps: { inventory } },
      );
      const some = await run(decide('some', 'web'));
      expect(some.status).toBe('succeeded');
      expect(some.steps.map((s) => s.step)).toEqual(['1:ok@web-1', '1:ok@web-2']);
      expect(acts.calls.map((c) => c.params)).toEqual([{ t: 'web-1' }, { t: 'web-2' }]);
      const none = await run(decide('some', 'cache'));
      expect(none.status).toBe('blocked');
      expect(none.error).toMatch(/blast_radius: selector .* matches no targets/);
      const all = await run(decide('all'));
      expect(all.error).toMatch(/matches all 3 targets/);
      expect((await run(decide('all-ok'))).status).toBe('succeeded');
      expect((await run(decide('capped'))).error).toMatch(/more than targets.max = 1/);
    });

    it('with allowEmpty, runs per-target steps zero times and locks the resource for the rest', async () => {
      const lock = createMemoryLock();
      const seen: string[][] = [];
      const acts = recordingActions();
      const probeLock = acts.custom('held', () => void seen.push([...lock.held()]));
      const { run } = setup(
        [
          {
            id: 'maybe',
            targets: { selector: { app: 'none' }, allowEmpty: true },
            steps: [{ action: 'ok', forEachTarget: true }, { action: 'held' }],
          },
        ],
        {
          actions: [acts.ok, probeLock],
          deps: { lock, inventory: { list: () => [{ name: 'web-1', labels: { app: 'web' } }] } },
        },
      );
      const outcome = await run(decide('maybe', 'svc-z'));
      expect(outcome.status).toBe('succeeded');
      expect(acts.calls.map((c) => `${c.action}@${c.target}`)).toEqual(['held@svc-z']);
      expect(seen).toEqual([['svc-z']]);
    });

    it('with allowEmpty, cools down the resource it acted on and shows it to the approver', async () => {
      const approvals = createApprovals();
      const asked: (readonly string[])[] = [];
      approvals.requests$.subscribe((r) => {
        asked.push(r.targets);
        approvals.approve(r.id, { id: 'alice', roles: [] });
      });
      const { run, acts, audit } = setup(
        [
          {
            id: 'maybe',
            targets: { selector: { app: 'none' }, allowEmpty: true },
            cooldown: '15m',
            steps: [{ action: 'ok' }],
            approval: { required: true },
          },
        ],
        {
          deps: {
            approvals,
            inventory: { list: () => [{ name: 'web-1', labels: { app: 'web' } }] },
          },
        },
      );
      expect((await run(decide('maybe', 'svc-z'))).status).toBe('succeeded');
      expect(asked).toEqual([['svc-z']]);
      const again = await run(decide('maybe', 'svc-z'));
      expect(again.status).toBe('blocked');
      expect(again.error).toMatch(/^cooldown: target svc-z is cooling down/);
      expect(acts.calls.map((c) => `${c.action}@${c.target}`)).toEqual(['ok@svc-z']);
      // What the run acts on is what its audit says, so `recover` can name it.
      const started = audit.records().find((r) => r.type === 'run.started');
      expect(started?.data?.targets).toEqual(['svc-z']);
    });

    it('blocks on unmet preconditions', async () => {
      const { run } = setup([
        {
          id: 'sev',
          preconditions: [{ kind: 'severity', atLeast: 'critical' }],
          steps: [{ action: 'ok' }],
        },
        {
          id: 'lab',
          preconditions: [{ kind: 'labels', match: { env: 'prod' } }],
          steps: [{ action: 'ok' }],
        },
      ]);
      expect((await run(decide('sev'))).error).toMatch(
        /^precondition: incident severity error is below critical/,
      );
      expect((await run(decide('lab'))).error).toMatch(/^precondition: incident label env/);
    });

    it('refuses to act when the audit record before an action cannot be written', async () => {
      const acts = recordingActions();
      let writes = 0;
      const failing: AuditSink = {
        append: (e) =>
          ++writes > 3 ? Promise.reject(new Error('disk full')) : createMemoryAudit().append(e),
        close: () => Promise.resolve(),
      };
      const { run, errors } = setup([{ id: 'rb', steps: [{ action: 'ok' }] }], {
        actions: [acts.ok],
        deps: { audit: failing },
      });
      const outcome = await run(decide('rb'));
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/disk full/);
      expect(acts.calls).toHaveLength(0); // 4th write is step.started: the action never ran
      expect(errors.some((e) => isHomeostatError(e) && e.code === 'EXECUTOR_FAILED')).toBe(true);
    });

    it('counts a run whose last audit record fails once, as failed', async () => {
      const failing: AuditSink = {
        append: (e) =>
          e.type === 'run.finished' && e.data?.status === 'succeeded'
            ? Promise.reject(new Error('disk full'))
            : createMemoryAudit().append(e),
        close: () => Promise.resolve(),
      };
      const { run, executor } = setup([{ id: 'rb', steps: [{ action: 'ok' }] }], {
        deps: { audit: failing },
      });
      expect((await run(decide('rb'))).status).toBe('failed');
      expect(executor.stats().outcomes).toMatchObject({ succeeded: 0, failed: 1 });
    });

    it('starts the cooldown when an audit write fails after an action ran', async () => {
      const acts = recordingActions();
      let failOnce = true;
      const memory = createMemoryAudit();
      const flaky: AuditSink = {
        append: (e) => {
          if (failOnce && e.type === 'step.finished') {
            failOnce = false;
            return Promise.reject(new Error('EIO'));
          }
          return memory.append(e);
        },
        close: () => Promise.resolve(),
      };
      const { run } = setup([{ id: 'rb', cooldown: '10m', steps: [{ action: 'ok' }] }], {
        actions: [acts.ok],
        deps: { audit: flaky },
      });
      const first = await run(decide('rb', 'svc'));
      expect(first.status).toBe('failed');
      expect(acts.calls).toHaveLength(1); // the action ran; only its record failed
      const again = await run(decide('rb', 'svc'));
      expect(again.status).toBe('blocked');
      expect(again.error).toMatch(/^cooldown: target svc is cooling down/);
      expect(acts.calls).toHaveLength(1);
    });

    it('asks the lock for a TTL that covers every target of a forEachTarget step', async () => {
      const acts = recordingActions();
      const ttls: number[] = [];
      const lock = {
        acquire: (_key: string, ttlMs: number) => {
          ttls.push(ttlMs);
          return { release: () => undefined };
        },
      };
      const { run, scheduler } = setup(
        [
          {
            id: 'rb',
            targets: { selector: { app: 'x' }, allowAll: true },
            steps: [{ action: 'slow', forEachTarget: true, timeout: '30s' }],
          },
        ],
        {
          actions: [
            acts.custom(
              'slow',
              () =>
                new Promise((resolve) => {
                  scheduler.schedule(() => resolve({}), 29_000);
                }),
            ),
          ],
          deps: {
            lock,
            inventory: {
              list: () =>
                Array.from({ length: 20 }, (_, i) => ({ name: `t${i}`, labels: { app: 'x' } })),
            },
          },
        },
      );
      const t0 = scheduler.now();
      const outcome = await run(decide('rb'));
      expect(outcome.status).toBe('succeeded');
      expect(ttls).toHaveLength(20);
      // A shared lock expiring after the TTL must not free the targets while the run still acts.
      expect(Math.min(...ttls)).toBeGreaterThanOrEqual(scheduler.now() - t0);
      expect(Math.min(...ttls)).toBeGreaterThanOrEqual(20 * (30_000 + 1000));
    });
  });

  describe('dry run', () => {
    it('prints the plan and runs only read-only actions', async () => {
      const acts = recordingActions();
      const look = acts.custom('look', () => ({ detail: 'looked' }), true);
      const plans: RunPlan[] = [];
      const { run, audit } = setup(
        [
          {
            id: 'rb',
            steps: [{ action: 'look' }, { action: 'ok', params: { t: '{{ target }}' } }],
          },
        ],
        {
          actions: [acts.ok, look],
          deps: { onPlan: (p) => plans.push(p) },
        },
      );
      const outcome = await run(decide('rb', 'svc-a', { dryRun: true }));
      expect(outcome.status).toBe('succeeded');
      expect(outcome.steps.map((s) => s.status)).toEqual(['succeeded', 'skipped']);
      expect(acts.calls.map((c) => c.action)).toEqual(['look']);
      expect(plans).toHaveLength(1);
      expect(formatPlan(plans[0]!)).toMatch(/2\. 2:ok: ok \{"t":"svc-a"\} \(skipped in dry run\)/);
      expect(audit.records().find((r) => r.type === 'run.started')?.data?.dryRun).toBe(true);
    });
  });

  describe('approvals', () => {
    const rb: RunbookInput = {
      id: 'rb',
      approval: { roles: ['sre'], timeout: '5m' },
      steps: [{ action: 'ok' }],
    };

    it('waits for an approval from an allowed role, then runs', async () => {
      const approvals = createApprovals({}, {});
      const { executor, scheduler, audit } = setup([rb], { deps: { approvals } });
      const p = executor.run(decide('rb'));
      await scheduler.advance(0);
      const [req] = approvals.pending();
      expect(req).toMatchObject({ runbook: 'rb', roles: ['sre'], targets: ['svc-a'] });
      expect(() => approvals.approve(req!.id, { id: 'mallory', roles: ['dev'] })).toThrow(
        /none of the roles/,
      );
      approvals.approve(req!.id, { id: 'alice', roles: ['sre'] });
      const outcome = await scheduler.drive(p);
      expect(outcome!.status).toBe('succeeded');
      const granted = audit.records().find((r) => r.type === 'approval.granted');
      expect(granted?.data?.by).toEqual({ id: 'alice', roles: ['sre'] });
    });

    it('is rejected when denied', async () => {
      const approvals = createApprovals();
      const { executor, scheduler } = setup([rb], { deps: { approvals } });
      const p = executor.run(decide('rb'));
      await scheduler.advance(0);
      approvals.deny(approvals.pending()[0]!.id, { id: 'bob', roles: ['sre'] }, 'not now');
      const outcome = await scheduler.drive(p);
      expect(outcome!.status).toBe('rejected');
      expect(outcome!.error).toBe('approval denied by bob: not now');
    });

    it('expires into a rejection and an escalation', async () => {
      const escalations: string[] = [];
      const { executor, scheduler, audit } = setup([rb], {
        deps: { onEscalate: (e) => escalations.push(e.reason) },
      });
      const approvals = createApprovals({}, { scheduler });
      const ex = createExecutor(
        createRunbookRegistry({ runbooks: [defineRunbook(rb)], actions: [recordingActions().ok] }),
        {},
        {
          scheduler,
          audit,
          approvals,
          onEscalate: (e) => escalations.push(e.reason),
        },
      );
      void executor;
      const p = ex.run(decide('rb'));
      await scheduler.advance(4 * 60_000);
      expect(approvals.pending()).toHaveLength(1);
      await scheduler.advance(60_000);
      const outcome = await scheduler.drive(p);
      expect(outcome!.status).toBe('rejected');
      expect(outcome!.error).toMatch(/expired/);
      expect(escalations).toEqual(['approval for rb expired']);
      expect(auditTypes(audit)).toContain('approval.expired');
    });

    it('requires approval for an approve verdict and rejects without an approvals service', async () => {
      const { run } = setup([{ id: 'plain', steps: [{ action: 'ok' }] }]);
      const outcome = await run(decide('plain', 'svc-a', { verdict: 'approve' }));
      expect(outcome.status).toBe('rejected');
      expect(outcome.error).toMatch(/no approvals service/);
    });
  });

  it('throws ConfigError on invalid options', () => {
    const registry = createRunbookRegistry({ runbooks: [], actions: [] });
    expect(() => createExecutor(registry, { concurrency: 0 })).toThrow(/concurrency/);
  });

  it('scales with params from the decision through templates', async () => {
    const replicas = new Map([['svc-a', 2]]);
    const scaler = {
      getReplicas: (t: string) => replicas.get(t) ?? 0,
      setReplicas: (t: string, n: number) => void replicas.set(t, n),
    };
    const act = defineAction({ name: 'noop', params: z.object({}), run: () => undefined });
    const { run } = setup(
      [
        {
          id: 'rb',
          params: { to: { type: 'integer', default: 4 } },
          steps: [
            { action: 'scale', params: { target: '{{ target }}', replicas: '{{ params.to }}' } },
          ],
        },
      ],
      { actions: [scaleAction(scaler), act] },
    );
    expect((await run(decide('rb'))).status).toBe('succeeded');
    expect(replicas.get('svc-a')).toBe(4);
  });

  it('closes gracefully: a run acting finishes audited, the others end without acting', async () => {
    const acts = recordingActions();
    let finish: () => void = () => undefined;
    const hang = acts.custom('hang', () => new Promise<void>((resolve) => (finish = resolve)));
    const approvals = createApprovals();
    const { scheduler, executor, audit, errors } = setup(
      [
        { id: 'slow', steps: [{ action: 'hang', timeout: '1m' }] },
        { id: 'gated', approval: { roles: ['sre'] }, steps: [{ action: 'ok' }] },
      ],
      { actions: [hang, acts.ok], deps: { approvals } },
    );
    const acting = executor.run(decide('slow', 'svc-a'));
    await scheduler.advance(0);
    const waitingForTarget = executor.run(decide('slow', 'svc-a'));
    const waitingForApproval = executor.run(decide('gated', 'svc-b'));
    await scheduler.advance(0);
    expect(approvals.pending()).toHaveLength(1);

    let closed = false;
    const closing = executor.close().then(() => (closed = true));
    expect(executor.close()).toBe(executor.close()); // one close
    const rejected = await waitingForApproval;
    expect(rejected).toMatchObject({ status: 'rejected' });
    expect(rejected!.error).toMatch(/closed while the run waited for approval/);
    const late = await executor.run(decide('slow', 'svc-c'));
    expect(late).toMatchObject({ status: 'blocked', error: 'closed: the executor is closed' });
    await scheduler.advance(1_000);
    expect(closed).toBe(false); // the acting run is not done

    finish();
    expect((await scheduler.drive(acting))!.status).toBe('succeeded');
    const blocked = await scheduler.drive(waitingForTarget);
    expect(blocked).toMatchObject({ status: 'blocked' });
    expect(blocked!.error).toMatch(/^closed: /);
    await closing;
    // Only the first run acted; every run given before close ended with a record.
    expect(acts.calls.map((c) => c.action)).toEqual(['hang']);
    const finished = audit.records().filter((r) => r.type === 'run.finished');
    expect(finished.map((r) => r.data?.status)).toEqual(['rejected', 'succeeded', 'blocked']);
    expect(executor.stats()).toMatchObject({ running: 0, queued: 0, blocked: { closed: 2 } });
    expect(errors).toEqual([]);
    // Approving the abandoned request later does nothing.
    approvals.approve(approvals.pending()[0]!.id, { id: 'alice', roles: ['sre'] });
    await scheduler.advance(0);
    expect(acts.calls).toHaveLength(1);
  });

  it('shares one writer between executors given the same auditFile, keeping the chain intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-executor-'));
    try {
      const file = join(dir, 'audit.jsonl');
      const acts = recordingActions();
      const registry = createRunbookRegistry({
        runbooks: [defineRunbook({ id: 'rb', steps: [{ action: 'ok' }] })],
        actions: [acts.ok],
      });
      const { onError, errors } = createRecordingOnError();
      const a = createExecutor(registry, { auditFile: file }, { onError });
      const b = createExecutor(registry, { auditFile: join(dir, '.', 'audit.jsonl') });
      const both = await Promise.all([a.run(decide('rb', 'x')), b.run(decide('rb', 'y'))]);
      expect(both.map((o) => o?.status)).toEqual(['succeeded', 'succeeded']);
      await a.close();
      expect((await b.run(decide('rb', 'z')))?.status).toBe('succeeded'); // b's writer is still open
      // a is closed: it does not act, and writes nothing.
      const late = await a.run(decide('rb', 'q'));
      expect(late?.status).toBe('blocked');
      expect(late?.error).toMatch(/closed/);
      expect(acts.calls.map((c) => c.target)).not.toContain('q');
      expect(errors).toEqual([]);
      await b.close();
      const c = createExecutor(registry, { auditFile: file });
      await c.run(decide('rb', 'w'));
      await c.close();
      expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 4 * 6, tornTail: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
