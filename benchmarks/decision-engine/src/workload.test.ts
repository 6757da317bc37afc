import { describe, expect, it } from 'vitest';
import { compilePolicies, createDecisionEngine } from '@homeostat/decision-engine';
import { makeIncidents, makePolicies } from './workload.js';

describe('decision-engine benchmark workload', () => {
  it('policies compile and incidents exercise every verdict path', () => {
    const set = compilePolicies(makePolicies(100));
    expect(set.policies).toHaveLength(100);
    const incidents = makeIncidents(2_000, 100);
    const matched = incidents.filter((i) => set.match(i) !== undefined).length;
    // About 90 % name a known alert; some of those fail a namespace/severity/regex matcher.
    expect(matched / incidents.length).toBeGreaterThan(0.3);
    expect(matched / incidents.length).toBeLessThan(0.9);
    const engine = createDecisionEngine(set, { safety: { cooldownMs: 0 } });
    const verdicts = new Set(incidents.map((i) => engine.decide(i).verdict));
    expect(verdicts.has('escalate')).toBe(true);
    expect(verdicts.has('approve') || verdicts.has('execute')).toBe(true);
  });

  it('is deterministic', () => {
    expect(makeIncidents(50, 10)).toEqual(makeIncidents(50, 10));
    expect(makePolicies(10)).toEqual(makePolicies(10));
  });
});
