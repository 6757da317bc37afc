import { Subscription, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { isHomeostatError } from '@homeostat/core';
import { createApprovals, type ApprovalAsk, type ApprovalRequest } from './approvals.js';
import { createManualScheduler } from './internal/manual-scheduler.js';
import { incidentOn } from './internal/fixtures.js';

const ask = (runId: string, roles: string[] = ['sre']): ApprovalAsk => ({
  runId,
  decisionId: `d-${runId}`,
  runbook: 'rb',
  incident: incidentOn('svc'),
  targets: ['svc'],
  params: {},
  roles,
  timeoutMs: 60_000,
});

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (e) {
    return isHomeostatError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('createApprovals', () => {
  it('streams pending requests and settles them on approve', async () => {
    const scheduler = createManualScheduler();
    const approvals = createApprovals({}, { scheduler });
    const snapshots: (readonly ApprovalRequest[])[] = [];
    const requests: ApprovalRequest[] = [];
    approvals.pending$.subscribe((p) => snapshots.push(p));
    approvals.requests$.subscribe((r) => requests.push(r));
    const { request, verdict } = approvals.request(ask('r1'));
    expect(request).toMatchObject({ runbook: 'rb', requestedAt: 0, expiresAt: 60_000 });
    expect(requests).toEqual([request]);
    approvals.approve(request!.id, { id: 'alice', roles: ['sre', 'dev'] }, 'go');
    await expect(verdict).resolves.toEqual({
      approved: true,
      by: { id: 'alice', roles: ['sre', 'dev'] },
      note: 'go',
    });
    expect(snapshots.map((s) => s.length)).toEqual([0, 1, 0]);
    expect(scheduler.pendingTimers).toBe(0);
  });

  it('checks identities and roles, and refuses settled requests', () => {
    const approvals = createApprovals({}, { scheduler: createManualScheduler() });
    const { request } = approvals.request(ask('r1'));
    const id = request!.id;
    expect(codeOf(() => approvals.approve(id, { id: 'eve', roles: ['dev'] }))).toBe(
      'APPROVAL_FORBIDDEN',
    );
    expect(codeOf(() => approvals.approve(id, { id: '', roles: ['sre'] }))).toBe(
      'APPROVAL_INVALID',
    );
    expect(codeOf(() => approvals.deny(id, { id: 'bob', roles: ['sre'] }))).toBeUndefined();
    expect(codeOf(() => approvals.approve(id, { id: 'bob', roles: ['sre'] }))).toBe(
      'APPROVAL_NOT_FOUND',
    );
    const open = approvals.request(ask('r2', [])).request!;
    expect(codeOf(() => approvals.approve(open.id, { id: 'anyone', roles: [] }))).toBeUndefined();
  });

  it('expires on the scheduler and bounds pending requests', async () => {
    const scheduler = createManualScheduler();
    const approvals = createApprovals({ maxPending: 1 }, { scheduler });
    const first = approvals.request(ask('r1'));
    const second = approvals.request(ask('r2'));
    expect(second.request).toBeUndefined();
    await expect(second.verdict).resolves.toMatchObject({ approved: false, reason: 'overflow' });
    expect(approvals.dropped).toBe(1);
    await scheduler.advance(59_999);
    expect(approvals.pending()).toHaveLength(1);
    await scheduler.advance(1);
    await expect(first.verdict).resolves.toEqual({ approved: false, reason: 'expired' });
    expect(approvals.pending()).toHaveLength(0);
    expect(() => createApprovals({ maxPending: 0 })).toThrow(RangeError);
  });

  it('expires a request whose deadline has passed even if its expiry timer has not fired', async () => {
    let now = 0;
    // A scheduler whose timers are late: time moves on, the expiry callback has not run yet.
    const late: SchedulerLike = { now: () => now, schedule: () => new Subscription() };
    const approvals = createApprovals({}, { scheduler: late });
    const early = approvals.request(ask('r1'));
    const { request, verdict } = approvals.request(ask('r2'));
    now = 59_999;
    approvals.approve(early.request!.id, { id: 'alice', roles: ['sre'] });
    await expect(early.verdict).resolves.toMatchObject({ approved: true });
    now = 60_000;
    expect(codeOf(() => approvals.approve(request!.id, { id: 'alice', roles: ['sre'] }))).toBe(
      'APPROVAL_NOT_FOUND',
    );
    await expect(verdict).resolves.toEqual({ approved: false, reason: 'expired' });
    expect(approvals.pending()).toHaveLength(0);
  });
});
