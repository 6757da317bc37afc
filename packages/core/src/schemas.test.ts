import { describe, expect, it } from 'vitest';
import * as schemas from './schemas.js';

const sample = { series: 'cpu', t: 1, value: 0.5 };
const incident = {
  id: 'i1',
  resource: 'checkout',
  symptoms: [{ series: 'checkout:latency', t: 1, score: 0.9 }],
  severity: 'error',
  openedAt: 1,
  labels: { team: 'pay' },
};
const decision = {
  id: 'd1',
  incident,
  verdict: 'execute',
  confidence: 0.9,
  risk: 0.1,
  rationale: ['x'],
};

const valid: Record<string, unknown> = {
  labelsSchema: { a: 'b' },
  sampleSchema: sample,
  scoredSchema: { sample, score: 0.3, detector: 'z' },
  anomalySchema: { sample, score: 0.9, detector: 'z', threshold: 0.8 },
  forecastSchema: {
    series: 'cpu',
    t: 1,
    horizonMs: 60_000,
    mean: 1,
    lower: 0,
    upper: 2,
    model: 'hw',
  },
  exhaustionForecastSchema: {
    series: 'disk',
    limit: 100,
    etaMs: Number.POSITIVE_INFINITY,
    probability: 0,
  },
  severitySchema: 'critical',
  symptomSchema: incident.symptoms[0],
  rootCauseSchema: { node: 'db', score: 0.7, evidence: ['latency up first'] },
  incidentSchema: incident,
  decisionSchema: decision,
  stepOutcomeSchema: { step: 's1', action: 'http', status: 'succeeded', durationMs: 3 },
  outcomeSchema: { decision, status: 'succeeded', verified: true, steps: [], durationMs: 10 },
  breakerEventSchema: {
    breaker: 'payments',
    type: 'state-change',
    t: 1,
    state: 'open',
    from: 'closed',
  },
  requestObservationSchema: {
    t: 1,
    method: 'GET',
    route: '/pay',
    status: 200,
    latencyMs: 3,
    inFlight: 1,
  },
  dependencyObservationSchema: { t: 1, target: 'payments:80', latencyMs: 5, error: false },
};

const invalid: Record<string, unknown> = {
  labelsSchema: { a: 1 },
  sampleSchema: { ...sample, value: Number.NaN },
  scoredSchema: { sample, score: 1.5, detector: 'z' },
  anomalySchema: { sample, score: 0.9, detector: 'z' },
  forecastSchema: { series: 'cpu', t: 1, horizonMs: -1, mean: 1, lower: 0, upper: 2, model: 'hw' },
  exhaustionForecastSchema: { series: 'disk', limit: 100, etaMs: Number.NaN, probability: 0 },
  severitySchema: 'fatal',
  symptomSchema: { series: 'x', t: 1, score: -1 },
  rootCauseSchema: { node: '', score: 1, evidence: [] },
  incidentSchema: { ...incident, severity: 'meh' },
  decisionSchema: { ...decision, verdict: 'yolo' },
  stepOutcomeSchema: { step: 's', action: 'a', status: 'ok', durationMs: 1 },
  outcomeSchema: { decision, status: 'succeeded', verified: 'yes', steps: [], durationMs: 1 },
  breakerEventSchema: { breaker: 'p', type: 'state-change', t: 1, state: 'ajar' },
  requestObservationSchema: {
    t: 1,
    method: 'GET',
    route: '/',
    status: 999,
    latencyMs: 1,
    inFlight: 0,
  },
  dependencyObservationSchema: { t: 1, target: 'x', latencyMs: 1 },
};

describe('event schemas', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name} accepts a valid event and rejects an invalid one`, () => {
      expect(name in valid && name in invalid).toBe(true);
      expect(schema.safeParse(valid[name]).success).toBe(true);
      expect(schema.safeParse(invalid[name]).success).toBe(false);
    });
  }
});
