import { describe, expect, it } from 'vitest';
import { compilePolicies } from './policy.js';
import {
  assessRisk,
  blastRadiusRisk,
  changeFreezeRisk,
  criticalityRisk,
  defaultRiskFactors,
  inFlightRisk,
  recentFailuresRisk,
  rollbackRisk,
  type RiskContext,
  type RiskFactor,
} from './risk.js';
import { makeIncident } from './internal/fixtures.js';

const policyOf = (rollback?: boolean) =>
  compilePolicies([
    { name: 'p', runbook: 'restart', ...(rollback === undefined ? {} : { rollback }) },
  ]).policies[0]!;

const ctx = (over: Partial<RiskContext> = {}): RiskContext => ({
  incident: makeIncident(),
  policy: policyOf(),
  runbook: 'restart',
  params: {},
  target: 'checkout',
  now: Date.parse('2026-11-24T10:00:00Z'), // a Tuesday
  inFlight: { total: 0, sameTarget: 0, sameRunbook: 0 },
  failuresSince: () => 0,
  ...over,
});

describe('risk factors', () => {
  it('blast radius scales with the impact function and saturates', () => {
    const f = blastRadiusRisk((target) => (target === 'checkout' ? 4 : 50), { saturateAt: 10 });
    expect(f.assess(ctx()).score).toBe(0.4);
    expect(f.assess(ctx({ target: 'db' })).score).toBe(1);
    expect(f.assess(ctx()).reason).toMatch(/4 component/);
    expect(blastRadiusRisk(() => Number.NaN).assess(ctx()).score).toBe(1);
  });

  it('criticality reads a label with tiers', () => {
    const f = criticalityRisk();
    expect(f.assess(ctx()).score).toBe(0.1); // criticality=low in the fixture
    expect(
      f.assess(ctx({ incident: makeIncident({ labels: { criticality: 'critical' } }) })).score,
    ).toBe(1);
    expect(f.assess(ctx({ incident: makeIncident({ labels: {} }) })).score).toBe(0.5);
    expect(
      f.assess(ctx({ incident: makeIncident({ labels: { criticality: 'toString' } }) })).score,
    ).toBe(0.5);
    const tiers = criticalityRisk({ label: 'tier', levels: { gold: 0.9 }, unknown: 0.2 });
    expect(tiers.assess(ctx({ incident: makeIncident({ labels: { tier: 'gold' } }) })).score).toBe(
      0.9,
    );
  });

  it('rollback: host function first, then the policy, else unknown', () => {
    expect(rollbackRisk().assess(ctx()).score).toBe(0.5);
    expect(rollbackRisk().assess(ctx({ policy: policyOf(true) })).score).toBe(0);
    expect(rollbackRisk().assess(ctx({ policy: policyOf(false) })).score).toBe(1);
    expect(rollbackRisk(() => true).assess(ctx({ policy: policyOf(false) })).score).toBe(0);
  });

  it('change freeze is 1 inside a window and 0 outside', () => {
    const f = changeFreezeRisk({ windows: [{ name: 'weekend', cron: '* * * * sat,sun' }] });
    expect(f.hard).toBe(true);
    expect(f.assess(ctx()).score).toBe(0);
    const sat = ctx({ now: Date.parse('2026-11-28T10:00:00Z') });
    expect(f.assess(sat)).toEqual({
      score: 1,
      reason: expect.stringMatching(/change freeze: weekend/),
    });
  });

  it('recent failures count within the window', () => {
    const f = recentFailuresRisk({ windowMs: 60_000, saturateAt: 4 });
    const now = 1_000_000;
    const times = [now - 120_000, now - 30_000, now - 10_000];
    const c = ctx({ now, failuresSince: (since) => times.filter((t) => t >= since).length });
    expect(f.assess(c).score).toBe(0.5);
  });

  it('in flight: 1 on the same target, else proportional', () => {
    const f = inFlightRisk({ saturateAt: 4 });
    expect(f.assess(ctx({ inFlight: { total: 2, sameTarget: 0, sameRunbook: 0 } })).score).toBe(
      0.5,
    );
    expect(f.assess(ctx({ inFlight: { total: 1, sameTarget: 1, sameRunbook: 1 } })).score).toBe(1);
  });

  it('refuses bad factor options', () => {
    expect(() => blastRadiusRisk(() => 1, { saturateAt: 0 })).toThrow(/saturateAt/);
    expect(() => criticalityRisk({ weight: -1 })).toThrow(/weight/);
    expect(() => changeFreezeRisk({ windows: [{ cron: 'bad' }] })).toThrow(/cron/);
  });
});

describe('assessRisk', () => {
  const fixed = (name: string, weight: number, score: number, hard = false): RiskFactor => ({
    name,
    weight,
    hard,
    assess: () => ({ score, reason: `${name} says ${score}` }),
  });

  it('is the weighted mean of the factors', () => {
    const r = assessRisk([fixed('a', 3, 0.2), fixed('b', 1, 0.6)], ctx());
    expect(r.risk).toBeCloseTo((3 * 0.2 + 0.6) / 4, 12);
    expect(r.factors.map((f) => f.name)).toEqual(['a', 'b']);
  });

  it('a hard factor is a floor', () => {
    expect(assessRisk([fixed('a', 9, 0), fixed('freeze', 1, 1, true)], ctx()).risk).toBe(1);
  });

  it('a throwing or broken factor counts as 1', () => {
    const boom: RiskFactor = {
      name: 'boom',
      weight: 1,
      assess: () => {
        throw new Error('graph offline');
      },
    };
    const broken = { name: 'nan', weight: 1, assess: () => ({ score: Number.NaN, reason: '' }) };
    const r = assessRisk([boom, broken], ctx());
    expect(r.risk).toBe(1);
    expect(r.factors[0]!.reason).toMatch(/graph offline/);
  });

  it('a factor with a weight that is not finite and > 0 counts as 1 with weight 1', () => {
    for (const w of [Number.NaN, -0.9, 0, Infinity]) {
      const r = assessRisk([fixed('a', 1, 0.1), fixed('bad', w, 0)], ctx());
      expect(r.risk).toBeCloseTo((0.1 + 1) / 2, 12);
      expect(r.factors[1]).toMatchObject({ weight: 1, score: 1 });
      expect(r.factors[1]!.reason).toMatch(/not a finite number > 0/);
    }
  });

  it('clamps scores and is 0 with no factors', () => {
    expect(assessRisk([fixed('a', 1, 7)], ctx()).risk).toBe(1);
    expect(assessRisk([], ctx()).risk).toBe(0);
  });

  it('the defaults score a low-criticality incident as low risk', () => {
    const r = assessRisk(defaultRiskFactors(), ctx({ policy: policyOf(true) }));
    expect(r.factors.map((f) => f.name)).toEqual([
      'criticality',
      'rollback',
      'recent-failures',
      'in-flight',
    ]);
    expect(r.risk).toBeCloseTo((0.2 * 0.1) / 0.6, 12);
  });
});
