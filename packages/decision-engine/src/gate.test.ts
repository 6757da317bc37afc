import { describe, expect, it } from 'vitest';
import { parseOptions } from '@homeostat/core';
import { gateDecision, gateOptionsSchema } from './gate.js';

const defaults = gateOptionsSchema.parse({});

describe('gateDecision with the defaults', () => {
  it.each([
    // confidence, risk, verdict
    [0.95, 0.0, 'execute'],
    [0.81, 0.29, 'execute'],
    [0.8, 0.1, 'approve'], // confidence must be strictly above 0.8
    [0.9, 0.3, 'approve'], // risk must be strictly below 0.3
    [0.61, 0.49, 'approve'],
    [0.7, 0.1, 'approve'],
    [0.6, 0.1, 'escalate'], // strictly above 0.6
    [0.9, 0.5, 'escalate'], // strictly below 0.5
    [0.99, 0.99, 'escalate'],
    [0.1, 0.0, 'escalate'],
    [Number.NaN, 0, 'escalate'],
    [0.9, Number.NaN, 'escalate'],
  ] as const)('confidence %f, risk %f → %s', (confidence, risk, verdict) => {
    const r = gateDecision({ confidence, risk }, defaults);
    expect(r.verdict).toBe(verdict);
    expect(r.reason).toContain(verdict);
  });
});

describe('gateDecision with custom thresholds', () => {
  const strict = gateOptionsSchema.parse({
    execute: { minConfidence: 0.9, maxRisk: 0.1 },
    approve: { minConfidence: 0.5, maxRisk: 0.7 },
  });
  it.each([
    [0.95, 0.05, 'execute'],
    [0.85, 0.05, 'approve'],
    [0.95, 0.2, 'approve'],
    [0.55, 0.65, 'approve'],
    [0.45, 0.2, 'escalate'],
  ] as const)('confidence %f, risk %f → %s', (confidence, risk, verdict) => {
    expect(gateDecision({ confidence, risk }, strict).verdict).toBe(verdict);
  });

  it('refuses approve thresholds stricter than execute ones', () => {
    expect(() =>
      parseOptions(gateOptionsSchema, {
        execute: { minConfidence: 0.7 },
        approve: { minConfidence: 0.8 },
      }),
    ).toThrow(/approve\.minConfidence/);
    expect(() => parseOptions(gateOptionsSchema, { execute: { maxRisk: 0.6 } })).toThrow(
      /approve\.maxRisk/,
    );
    expect(() => parseOptions(gateOptionsSchema, { execute: { maxRisk: 2 } })).toThrow(
      /execute\.maxRisk/,
    );
  });
});
