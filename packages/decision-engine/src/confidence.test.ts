import { describe, expect, it } from 'vitest';
import {
  assessConfidence,
  confidenceOptionsSchema,
  createTrackRecord,
  incidentSignature,
} from './confidence.js';
import { makeIncident } from './internal/fixtures.js';
import { parseOptions } from '@homeostat/core';

const opts = confidenceOptionsSchema.parse({});

describe('assessConfidence', () => {
  it('is the weighted mean of detector, root cause, specificity and the Beta posterior mean', () => {
    const r = assessConfidence(
      { incident: makeIncident(), specificity: 0.5, track: { successes: 8, failures: 0 } },
      opts,
    );
    // detector 0.95, root cause 0.9, specificity 0.5, Beta(1+8, 1+0) mean 0.9
    expect(r.parts).toEqual({ detector: 0.95, rootCause: 0.9, specificity: 0.5, trackRecord: 0.9 });
    expect(r.confidence).toBeCloseTo(0.25 * 0.95 + 0.25 * 0.9 + 0.2 * 0.5 + 0.3 * 0.9, 12);
    expect(r.reasons.join('\n')).toMatch(/Beta posterior mean 0\.90/);
  });

  it('a new runbook starts at the prior mean and learns from failures', () => {
    const fresh = assessConfidence(
      { incident: makeIncident(), specificity: 0.5, track: { successes: 0, failures: 0 } },
      opts,
    );
    expect(fresh.parts.trackRecord).toBe(0.5);
    const bad = assessConfidence(
      { incident: makeIncident(), specificity: 0.5, track: { successes: 1, failures: 8 } },
      opts,
    );
    expect(bad.parts.trackRecord).toBeCloseTo(2 / 11, 12);
    expect(bad.confidence).toBeLessThan(fresh.confidence);
  });

  it('uses the neutral value when there are no symptoms or root causes', () => {
    const { rootCauses: _, ...noRc } = makeIncident({ symptoms: [] });
    const r = assessConfidence(
      { incident: noRc, specificity: 0, track: { successes: 0, failures: 0 } },
      opts,
    );
    expect(r.parts.detector).toBe(0.5);
    expect(r.parts.rootCause).toBe(0.5);
  });

  it('clamps out-of-range scores and honours weights and priors', () => {
    const o = confidenceOptionsSchema.parse({
      weights: { detector: 1, rootCause: 0, specificity: 0, trackRecord: 0 },
    });
    const inc = makeIncident({ rootCauses: [{ node: 'x', score: 7, evidence: [] }] });
    expect(
      assessConfidence({ incident: inc, specificity: 0, track: { successes: 0, failures: 0 } }, o)
        .confidence,
    ).toBe(0.95);
    const p = confidenceOptionsSchema.parse({ prior: { alpha: 1, beta: 3 } });
    expect(
      assessConfidence({ incident: inc, specificity: 0, track: { successes: 0, failures: 0 } }, p)
        .parts.trackRecord,
    ).toBe(0.25);
    expect(
      assessConfidence(
        { incident: inc, specificity: 0, track: { successes: 0, failures: 0 } },
        opts,
      ).parts.rootCause,
    ).toBe(1);
  });

  it('refuses all-zero weights', () => {
    expect(() =>
      parseOptions(confidenceOptionsSchema, {
        weights: { detector: 0, rootCause: 0, specificity: 0, trackRecord: 0 },
      }),
    ).toThrow(/weights/);
  });
});

describe('createTrackRecord', () => {
  it('counts per signature and runbook', () => {
    const t = createTrackRecord();
    t.record('HighLatency', 'restart', true);
    t.record('HighLatency', 'restart', false);
    t.record('HighLatency', 'restart', true);
    t.record('DiskFull', 'restart', false);
    expect(t.get('HighLatency', 'restart')).toEqual({ successes: 2, failures: 1 });
    expect(t.get('DiskFull', 'restart')).toEqual({ successes: 0, failures: 1 });
    expect(t.get('Other', 'restart')).toEqual({ successes: 0, failures: 0 });
  });

  it('is bounded and counts what it forgets', () => {
    const t = createTrackRecord({ maxEntries: 2 });
    t.record('a', 'r', true);
    t.record('b', 'r', true);
    t.record('c', 'r', true);
    expect(t.size).toBe(2);
    expect(t.evicted).toBe(1);
    expect(t.get('a', 'r')).toEqual({ successes: 0, failures: 0 });
    expect(() => createTrackRecord({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});

describe('incidentSignature', () => {
  it('prefers alertname, then symptom metrics, then the resource', () => {
    expect(incidentSignature(makeIncident())).toBe('HighLatency');
    const noAlert = makeIncident({
      labels: {},
      symptoms: [
        { series: 's1', metric: 'latency', t: 0, score: 1 },
        { series: 's2', metric: 'errors', t: 0, score: 1 },
        { series: 's3', t: 0, score: 1 },
      ],
    });
    expect(incidentSignature(noAlert)).toBe('errors+latency+s3');
    expect(incidentSignature(makeIncident({ labels: {}, symptoms: [] }))).toBe('checkout');
  });
});
