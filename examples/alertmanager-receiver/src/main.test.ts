import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './run.js';

describe('alertmanager-receiver example', () => {
  it('turns posted webhooks into incidents, decisions with ${label.x} params and audited runbook outcomes', async () => {
    const auditFile = join(mkdtempSync(join(tmpdir(), 'am-example-')), 'audit.jsonl');
    const lines: string[] = [];
    const { receiver, cluster, responses, approved, audit, auditTypes } = await run({
      auditFile,
      log: (l) => lines.push(l),
    });

    // firing → 202, malformed → 400 with every issue, not JSON → 400, resolved → 202.
    expect(responses.map((r) => r.status)).toEqual([202, 400, 400, 202]);
    const issues = (responses[1]!.body as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['version', 'status', 'alerts.0.startsAt']));

    // One incident per alert, the resolved notice under the same id as its firing alert.
    expect(receiver.incidents.map((i) => i.id)).toEqual([
      'am:3f1c0a9e7b2d4c51',
      'am:8a4e2b71c09d3f66',
      'am:c55d19e0a3b7f284',
      'am:3f1c0a9e7b2d4c51',
    ]);

    // Decisions: params filled from the alert labels; no policy → escalate; resolved → ignore.
    const byIncident = receiver.decisions.map((d) => [d.verdict, d.runbook, d.params]);
    expect(byIncident).toEqual([
      ['approve', 'restart-pod', { namespace: 'shop', pod: 'checkout-7f9c' }],
      ['approve', 'scale-out', { namespace: 'shop', deployment: 'search', add: 2 }],
      ['escalate', undefined, undefined],
      ['ignore', undefined, undefined],
    ]);
    expect(receiver.escalations.map((e) => e.decision.incident.id)).toEqual([
      'am:c55d19e0a3b7f284',
    ]);

    // Both approved runs succeeded and changed the (simulated) cluster; restart-pod verified.
    expect(approved.map((a) => a.runbook).sort()).toEqual(['restart-pod', 'scale-out']);
    const outcomes = new Map(receiver.outcomes.map((o) => [o.decision.runbook, o]));
    expect(outcomes.get('restart-pod')).toMatchObject({ status: 'succeeded', verified: true });
    expect(outcomes.get('scale-out')).toMatchObject({ status: 'succeeded' });
    expect(cluster.pods.get('shop/checkout-7f9c')?.phase).toBe('Running');
    expect(cluster.deployments.get('shop/search')).toBe(5);

    // The audit log is complete and its hash chain verifies.
    expect(audit.ok).toBe(true);
    expect(audit.records).toBe(auditTypes.length);
    expect(auditTypes.filter((t) => t === 'decision.received')).toHaveLength(4);
    expect(auditTypes.filter((t) => t === 'approval.granted')).toHaveLength(2);
    expect(lines.some((l) => l.includes('hash chain verified'))).toBe(true);
  });
});
