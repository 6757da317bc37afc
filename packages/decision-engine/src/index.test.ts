import { describe, expect, it } from 'vitest';
import {
  MATCH_OPS,
  decisionEngineOptionsSchema,
  hpaOptionsSchema,
  policySchema,
  policyFileSchema,
  matcherSchema,
  recommendScalingOptionsSchema,
  safetyOptionsSchema,
  scalerOptionsSchema,
  freezeWindowSchema,
  freezeCalendarOptionsSchema,
} from './index.js';

describe('public schemas and their documented defaults', () => {
  it('HPA defaults are the Kubernetes defaults', () => {
    expect(hpaOptionsSchema.parse({ maxReplicas: 10 })).toEqual({
      minReplicas: 1,
      maxReplicas: 10,
      tolerance: 0.1,
      maxHistory: 4096,
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Percent', value: 100, periodSeconds: 15 },
            { type: 'Pods', value: 4, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 300,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
        },
      },
    });
  });

  it('engine defaults match the issue: execute > 0.8 / < 0.3, approve > 0.6 / < 0.5', () => {
    const o = decisionEngineOptionsSchema.parse({});
    expect(o.gate).toEqual({
      execute: { minConfidence: 0.8, maxRisk: 0.3 },
      approve: { minConfidence: 0.6, maxRisk: 0.5 },
    });
    expect(o.dryRun).toBe(false);
    expect(o.onSafetyFailure).toBe('approve');
    expect(o.confidence.weights).toEqual({
      detector: 0.25,
      rootCause: 0.25,
      specificity: 0.2,
      trackRecord: 0.3,
    });
    expect(safetyOptionsSchema.parse({})).toMatchObject({
      cooldownMs: 300_000,
      maxConcurrent: 5,
      rateLimit: { maxActions: 20, perMs: 60_000 },
    });
  });

  it('policy defaults and matcher forms', () => {
    expect(policySchema.parse({ name: 'a', runbook: 'r' })).toEqual({
      name: 'a',
      runbook: 'r',
      priority: 0,
      match: [],
      params: {},
      target: '${incident.resource}',
      approval: 'auto',
      enabled: true,
    });
    expect(policyFileSchema.safeParse({ policies: [], extra: 1 }).success).toBe(false);
    expect(matcherSchema.safeParse('label.a=b').success).toBe(true);
    expect(matcherSchema.safeParse({ field: 'label.a', op: '~=', value: 'b' }).success).toBe(false);
    expect(MATCH_OPS).toEqual(['=', '!=', '=~', '!~', 'in', 'not in', '>', '>=', '<', '<=']);
  });

  it('scaler, operator and freeze schemas', () => {
    expect(scalerOptionsSchema.parse({ hpa: { maxReplicas: 3 }, target: 1 }).predictive).toEqual({
      enabled: true,
      lookaheadMs: 600_000,
      bufferWeight: 0.3,
      costPreference: 0.5,
      maxForecasts: 32,
    });
    expect(
      recommendScalingOptionsSchema.parse({ hpa: { maxReplicas: 3 }, target: 1 }).maxSeries,
    ).toBe(1000);
    expect(freezeWindowSchema.parse({ from: '2026-01-01T00:00:00Z', to: 1767229200000 })).toEqual({
      from: 1767225600000,
      to: 1767229200000,
    });
    expect(freezeCalendarOptionsSchema.parse({})).toEqual({ windows: [], utcOffsetMinutes: 0 });
  });
});
