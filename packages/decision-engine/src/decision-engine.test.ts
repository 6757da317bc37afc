import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import type { Decision, Outcome } from '@homeostat/core';
import { createManualClock } from '@homeostat/core/testing';
import { createDecisionEngine } from './decision-engine.js';
import { compilePolicies, type PolicyInput } from './policy.js';
import { createTrackRecord } from './confidence.js';
import { changeFreezeRisk, type RiskFactor } from './risk.js';
import { makeIncident } from './internal/fixtures.js';

const restart: PolicyInput = {
  name: 'restart-latency',
  priority: 10,
  match: ['label.alertname="HighLatency"', 'severity>=warning'],
  runbook: 'restart-pod',
  params: { pod: '${label.pod}', namespace: '${label.namespace}', graceSeconds: 30 },
  rollback: true,
};

/** A track record in which restart-pod has a long good history on HighLatency. */
const goodRecord = () => {
  const t = createTrackRecord();
  for (let i = 0; i < 20; i++) t.record('HighLatency', 'restart-pod', true);
  return t;
};

const outcome = (
  decision: Decision,
  status: Outcome['status'],
  verified = status === 'succeeded',
): Outcome => ({
  decision,
  status,
  verified,
  steps: [],
  durationMs: 10,
});

describe('createDecisionEngine', () => {
  it('decides the same whatever the order of a NaN symptom score', () => {
    const base = makeIncident();
    const good = base.symptoms[0]!;
    const broken = { ...good, series: 'checkout:broken', score: Number.NaN };
    const decideWith = (symptoms: (typeof good)[]) =>
      createDecisionEngine([
        { name: 'hot', match: ['score >= 0.9'], runbook: 'restart' },
        { name: 'fallback', runbook: 'page' },
      ]).decide({ ...base, symptoms });
    const first = decideWith([good, broken]);
    const last = decideWith([broken, good]);
    expect(last.runbook).toBe('restart');
    expect(last.confidence).toBe(first.confidence);
    expect(last.verdict).toBe(first.verdict);
    // Only NaN scores: matches no score comparison and adds no detector confidence.
    const none = decideWith([broken]);
    expect(none.runbook).toBe('page');
    expect(none.rationale.some((r) => r.includes('detector: top symptom score 0.00'))).toBe(true);
  });

  it('refuses risk factors with a bad weight, name or assess, naming each', () => {
    const ok: RiskFactor = { name: 'ok', weight: 1, assess: () => ({ score: 0, reason: '' }) };
    const nanWeight = { ...ok, name: 'blast', weight: Number(undefined) };
    const noAssess = { name: '', weight: -1 } as unknown as RiskFactor;
    let error: unknown;
    try {
      createDecisionEngine([restart], {}, { riskFactors: [ok, nanWeight, noAssess] });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      'riskFactors.1.weight',
      'riskFactors.2.name',
      'riskFactors.2.weight',
      'riskFactors.2.assess',
    ]);
    expect(() => createDecisionEngine([restart], {}, { riskFactors: [ok] })).not.toThrow();
  });

  it('executes a confident, low-risk match with params filled and a rationale', () => {
    const clock = createManualClock(5_000);
    const engine = createDecisionEngine([restart], {}, { clock, trackRecord: goodRecord() });
    const d = engine.decide(makeIncident());
    expect(d.verdict).toBe('execute');
    expect(d.runbook).toBe('restart-pod');
    expect(d.params).toEqual({ pod: 'checkout-7f9c', namespace: 'shop', graceSeconds: 30 });
    expect(d.t).toBe(5_000);
    expect(d.id).toBe('inc-1#1');
    expect(d.confidence).toBeGreaterThan(0.8);
    expect(d.risk).toBeLessThan(0.3);
    const text = d.rationale.join('\n');
    expect(text).toMatch(
      /policy "restart-latency" \(priority 10\) matched: label\.alertname = "HighLatency"/,
    );
    expect(text).toMatch(/Beta posterior mean/);
    expect(text).toMatch(/risk criticality 0\.10/);
    expect(text).toMatch(/gate: .* → execute/);
    expect(engine.stats).toMatchObject({ decisions: 1, execute: 1 });
  });

  it('asks for approval for a runbook without a record yet', () => {
    const engine = createDecisionEngine([restart], {}, { clock: createManualClock(0) });
    const d = engine.decide(makeIncident());
    expect(d.verdict).toBe('approve');
    expect(d.confidence).toBeGreaterThan(0.6);
    expect(d.confidence).toBeLessThanOrEqual(0.8);
  });

  it('escalates when no policy matches, and ignores resolved incidents', () => {
    const engine = createDecisionEngine([restart], {}, { clock: createManualClock(0) });
    const none = engine.decide(makeIncident({ labels: { alertname: 'DiskFull' } }));
    expect(none.verdict).toBe('escalate');
    expect(none.rationale[0]).toMatch(/no policy matched \(1 loaded\)/);
    const resolved = engine.decide(makeIncident({ status: 'resolved' }));
    expect(resolved.verdict).toBe('ignore');
  });

  it('escalates (never drops) an incident whose template names a missing field', () => {
    const engine = createDecisionEngine(
      [restart],
      {},
      { clock: createManualClock(0), trackRecord: goodRecord() },
    );
    const d = engine.decide(
      makeIncident({ labels: { alertname: 'HighLatency', namespace: 'shop' } }),
    );
    expect(d.verdict).toBe('escalate');
    expect(d.runbook).toBe('restart-pod');
    expect(d.params).toBeUndefined();
    expect(d.rationale.at(-1)).toMatch(
      /cannot fill runbook restart-pod: template field \$\{label\.pod\} is missing/,
    );
    expect(engine.stats.templateFailures).toBe(1);
  });

  it('checks params against the runbook schema the host gives (and uses the coerced values)', () => {
    const paramSchemas = {
      'restart-pod': z.object({
        pod: z.string().regex(/^[a-z0-9-]+$/),
        namespace: z.string(),
        graceSeconds: z.coerce.number().int().max(60),
      }),
    };
    const engine = createDecisionEngine(
      [restart],
      {},
      { clock: createManualClock(0), paramSchemas, trackRecord: goodRecord() },
    );
    expect(engine.decide(makeIncident()).verdict).toBe('execute');
    const bad = engine.decide(
      makeIncident({
        labels: { alertname: 'HighLatency', namespace: 'shop', pod: 'Bad Pod; rm -rf' },
      }),
    );
    expect(bad.verdict).toBe('escalate');
    expect(bad.rationale.at(-1)).toMatch(/params for restart-pod fail its schema \(pod: /);
    expect(engine.stats.paramFailures).toBe(1);
  });

  it('always-approve lists and policies turn execute into approve', () => {
    const e1 = createDecisionEngine(
      [restart],
      { alwaysApprove: ['restart-pod'] },
      { trackRecord: goodRecord(), clock: createManualClock(0) },
    );
    expect(e1.decide(makeIncident()).verdict).toBe('approve');
    const e2 = createDecisionEngine(
      [{ ...restart, approval: 'always' }],
      {},
      { trackRecord: goodRecord(), clock: createManualClock(0) },
    );
    const d = e2.decide(makeIncident());
    expect(d.verdict).toBe('approve');
    expect(d.rationale.join('\n')).toMatch(/always needs approval/);
  });

  it('dry run marks decisions and starts nothing', () => {
    const engine = createDecisionEngine(
      [restart],
      { dryRun: true },
      { trackRecord: goodRecord(), clock: createManualClock(0) },
    );
    const a = engine.decide(makeIncident());
    const b = engine.decide(makeIncident());
    expect(a.dryRun).toBe(true);
    expect([a.verdict, b.verdict]).toEqual(['execute', 'execute']); // no cooldown was taken
    expect(engine.safety.stats.admitted).toBe(0);
  });

  it('a cooldown turns the second execute on a target into approve, or escalate if configured', () => {
    const clock = createManualClock(0);
    const engine = createDecisionEngine(
      [restart],
      { safety: { cooldownMs: 60_000 } },
      { clock, trackRecord: goodRecord() },
    );
    const first = engine.decide(makeIncident());
    engine.recordOutcome(outcome(first, 'succeeded'));
    const second = engine.decide(makeIncident());
    expect(second.verdict).toBe('approve');
    expect(second.rationale.join('\n')).toMatch(/safety cooldown: checkout/);
    clock.advance(60_000);
    expect(engine.decide(makeIncident()).verdict).toBe('execute');
    const strict = createDecisionEngine(
      [restart],
      { onSafetyFailure: 'escalate' },
      { clock, trackRecord: goodRecord() },
    );
    strict.decide(makeIncident());
    expect(strict.decide(makeIncident()).verdict).toBe('escalate');
  });

  it('the target template keys cooldowns', () => {
    const perPod = { ...restart, target: '${label.namespace}/${label.pod}' };
    const engine = createDecisionEngine(
      [perPod],
      {},
      { clock: createManualClock(0), trackRecord: goodRecord() },
    );
    expect(engine.decide(makeIncident()).verdict).toBe('execute');
    const other = makeIncident({ labels: { ...makeIncident().labels, pod: 'checkout-other' } });
    expect(engine.decide(other).verdict).toBe('execute');
    expect(engine.decide(other).verdict).toBe('approve');
  });

  it('outcomes feed the track record, the failure history and the in-flight set', () => {
    const clock = createManualClock(0);
    const track = createTrackRecord();
    const engine = createDecisionEngine(
      [restart],
      { safety: { cooldownMs: 0 } },
      { clock, trackRecord: track },
    );
    const d = engine.decide(makeIncident());
    expect(engine.safety.inFlight('checkout', 'restart-pod').total).toBe(0); // approve: nothing started
    engine.recordOutcome(outcome(d, 'succeeded'));
    engine.recordOutcome(outcome(d, 'succeeded', false)); // unverified success counts as a failure
    engine.recordOutcome(outcome(d, 'rolled_back'));
    engine.recordOutcome(outcome(d, 'rejected')); // not the runbook's doing
    expect(track.get('HighLatency', 'restart-pod')).toEqual({ successes: 1, failures: 2 });
    const next = engine.decide(makeIncident());
    expect(next.rationale.join('\n')).toMatch(
      /risk recent-failures 0\.67 .*2 failure\(s\) of restart-pod/,
    );
    expect(engine.stats.outcomes).toBe(4);
  });

  it('an execute counts as in flight until its outcome arrives', () => {
    const engine = createDecisionEngine(
      [restart],
      { safety: { cooldownMs: 0 } },
      { clock: createManualClock(0), trackRecord: goodRecord() },
    );
    const d = engine.decide(makeIncident());
    expect(d.verdict).toBe('execute');
    expect(engine.safety.inFlight('checkout', 'restart-pod')).toEqual({
      total: 1,
      sameTarget: 1,
      sameRunbook: 1,
    });
    const again = engine.decide(makeIncident());
    expect(again.rationale.join('\n')).toMatch(/risk in-flight 1\.00/);
    expect(again.verdict).toBe('approve');
    expect(again.rationale.join('\n')).toMatch(
      /safety busy: an action \(restart-pod\) is already running on checkout/,
    );
    engine.recordOutcome(outcome(d, 'succeeded'));
    expect(engine.safety.inFlight('checkout', 'restart-pod').total).toBe(0);
    expect(engine.decide(makeIncident()).verdict).toBe('execute');
  });

  it('a change freeze escalates whatever the confidence', () => {
    const freeze = changeFreezeRisk({ windows: [{ name: 'all-day', cron: '* * * * *' }] });
    const engine = createDecisionEngine(
      [restart],
      {},
      { clock: createManualClock(0), trackRecord: goodRecord(), riskFactors: [freeze] },
    );
    const d = engine.decide(makeIncident());
    expect(d.risk).toBe(1);
    expect(d.verdict).toBe('escalate');
    expect(d.rationale.join('\n')).toMatch(/change freeze: all-day/);
  });

  it('escalates (never drops) when a host capability throws', () => {
    const engine = createDecisionEngine(
      [restart],
      {},
      {
        clock: createManualClock(0),
        signature: () => {
          throw new Error('knowledge store offline');
        },
      },
    );
    const d = engine.decide(makeIncident());
    expect(d.verdict).toBe('escalate');
    expect(d.runbook).toBe('restart-pod');
    expect(d.rationale.at(-1)).toMatch(/deciding failed \(knowledge store offline\) → escalate/);
    expect(engine.stats.hostFailures).toBe(1);
  });

  it('counts failure histories forgotten beyond maxRunbooks', () => {
    const other: PolicyInput = { ...restart, name: 'other', runbook: 'other-runbook' };
    const engine = createDecisionEngine(
      [restart, other],
      { maxRunbooks: 1 },
      { clock: createManualClock(0), trackRecord: goodRecord() },
    );
    const failed = (runbook: string): void => {
      const d = engine.decide(makeIncident());
      engine.recordOutcome(outcome({ ...d, runbook }, 'failed'));
    };
    failed('restart-pod');
    failed('restart-pod');
    expect(engine.stats.failureHistoriesEvicted).toBe(0);
    failed('other-runbook'); // restart-pod's history is forgotten
    expect(engine.stats.failureHistoriesEvicted).toBe(1);
  });

  it('accepts a compiled PolicySet and refuses bad options', () => {
    const set = compilePolicies([restart]);
    expect(createDecisionEngine(set).policies).toBe(set);
    expect(() => createDecisionEngine([restart], { gate: { execute: { maxRisk: 0.9 } } })).toThrow(
      /approve\.maxRisk/,
    );
    expect(() => createDecisionEngine([{ name: 'x', runbook: '' }])).toThrow(/runbook/);
  });
});

describe('safety property', () => {
  const thresholds = fc
    .record({
      eC: fc.double({ min: 0, max: 1, noNaN: true }),
      eR: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .chain(({ eC, eR }) =>
      fc.record({
        eC: fc.constant(eC),
        eR: fc.constant(eR),
        aC: fc.double({ min: 0, max: eC, noNaN: true }),
        aR: fc.double({ min: eR, max: 1, noNaN: true }),
      }),
    );
  const step = fc.record({
    pod: fc.constantFrom('a', 'b', 'c'),
    score: fc.double({ min: 0, max: 1, noNaN: true }),
    rc: fc.double({ min: 0, max: 1, noNaN: true }),
    extraRisk: fc.double({ min: 0, max: 1, noNaN: true }),
    advance: fc.integer({ min: 0, max: 30_000 }),
    outcome: fc.constantFrom('none', 'succeeded', 'failed'),
    budget: fc.double({ min: 0, max: 1, noNaN: true }),
  });

  it('never executes when risk ≥ the execute threshold or a safety constraint fails', () => {
    fc.assert(
      fc.property(
        thresholds,
        fc.record({
          rateLimit: fc.record({
            maxActions: fc.integer({ min: 1, max: 4 }),
            perMs: fc.integer({ min: 1, max: 60_000 }),
          }),
          cooldownMs: fc.integer({ min: 0, max: 60_000 }),
          maxConcurrent: fc.integer({ min: 1, max: 3 }),
          minErrorBudget: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (t, safety, steps) => {
          const clock = createManualClock(0);
          let extraRisk = 0;
          let budget = 1;
          const knob: RiskFactor = {
            name: 'knob',
            weight: 1,
            assess: () => ({ score: extraRisk, reason: 'test' }),
          };
          const engine = createDecisionEngine(
            [{ ...restart, target: '${label.pod}' }],
            {
              gate: {
                execute: { minConfidence: t.eC, maxRisk: t.eR },
                approve: { minConfidence: t.aC, maxRisk: t.aR },
              },
              safety,
            },
            { clock, riskFactors: [knob], trackRecord: goodRecord(), errorBudget: () => budget },
          );
          for (const s of steps) {
            clock.advance(s.advance);
            extraRisk = s.extraRisk;
            budget = s.budget;
            const inc = makeIncident({
              labels: { alertname: 'HighLatency', namespace: 'shop', pod: s.pod },
              symptoms: [{ series: 'x', t: 0, score: s.score }],
              rootCauses: [{ node: 'n', score: s.rc, evidence: [] }],
            });
            const before = engine.safety.check(s.pod); // what the constraints say right now
            const d = engine.decide(inc);
            if (d.verdict === 'execute') {
              expect(d.risk).toBeLessThan(t.eR);
              expect(d.confidence).toBeGreaterThan(t.eC);
              expect(before.ok).toBe(true);
            }
            if (d.risk >= t.eR || !before.ok) expect(d.verdict).not.toBe('execute');
            if (s.outcome !== 'none') engine.recordOutcome(outcome(d, s.outcome));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
