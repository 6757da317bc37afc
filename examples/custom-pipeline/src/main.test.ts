import { describe, expect, it } from 'vitest';
import { FAULTS } from './data.js';
import { run } from './pipeline.js';

describe('custom-pipeline example', () => {
  it('runs samples through validate → detect → anomalies → correlate → rank → decide → execute (dry run)', async () => {
    const lines: string[] = [];
    const r = await run({ log: (l) => lines.push(l) });

    // validateSamples drops exactly the four malformed samples mixed into the data.
    expect(r.validation.dropped).toBe(4);
    expect(r.validation.accepted).toBe(r.input - 4);
    expect(r.validation.byIssue).toMatchObject({
      'empty-series': 1,
      'non-finite-value': 2,
      'backwards-time': 1,
    });
    expect(r.scored).toBe(r.validation.accepted);

    // After the warm-up, every anomaly falls inside an injected fault, and every fault is found.
    const inFault = (t: number): boolean =>
      FAULTS.some((f) => t >= f.start && t < f.start + f.minutes * 60_000);
    expect(r.anomalies.length).toBeGreaterThan(0);
    for (const a of r.anomalies) expect(inFault(a.sample.t)).toBe(true);

    // One incident per fault; the root-cause ranking names the component the fault was put in.
    expect(r.incidents).toHaveLength(FAULTS.length);
    expect(r.incidents.map((i) => i.rootCauses?.[0]?.node)).toEqual(['db', 'cache', 'web']);
    const slowDb = r.incidents[0]!;
    expect(new Set(slowDb.symptoms.map((s) => s.resource))).toEqual(new Set(['db', 'api', 'web']));

    // Decisions: policies pick the runbooks with filled params; the uncovered fault escalates.
    expect(r.decisions.map((d) => [d.verdict === 'escalate', d.runbook, d.params])).toEqual([
      [false, 'kill-slow-queries', { database: 'db', olderThanSeconds: 30 }],
      [true, undefined, undefined],
      [false, 'rollback-deploy', { service: 'web' }],
    ]);
    expect(r.decisions.every((d) => d.dryRun === true)).toBe(true);
    expect(r.escalations).toHaveLength(1);

    // Dry run: plans printed, only the read-only step ran, mutating steps were skipped.
    expect(r.plans).toHaveLength(2);
    expect(r.readOnlyCalls).toEqual(['list-slow-queries db']);
    const steps = r.outcomes.flatMap((o) => o.steps.map((s) => `${s.action}:${s.status}`));
    expect(steps.sort()).toEqual([
      'kill-queries:skipped',
      'list-slow-queries:succeeded',
      'rollback-deploy:skipped',
    ]);
    expect(lines.some((l) => l.startsWith('4. correlate'))).toBe(true);
  });
});
