import { describe, expect, it } from 'vitest';
import type { Decision, Incident, Outcome, OutcomeStatus } from '@homeostat/core';
import { createManualClock } from '@homeostat/core/testing';
import { isHomeostatError } from '@homeostat/core';
import {
  cosineSimilarity,
  IncidentMemory,
  incidentFeatures,
  incidentSignature,
} from './incident-memory.js';

function incident(id: string, resource: string, metrics: string[], cause?: string): Incident {
  return {
    id,
    resource,
    symptoms: metrics.map((m) => ({
      series: `${resource}:${m}`,
      resource,
      metric: m,
      t: 0,
      score: 0.9,
    })),
    severity: 'error',
    openedAt: 0,
    labels: { team: 'shop' },
    ...(cause ? { rootCauses: [{ node: cause, score: 1, evidence: [] }] } : {}),
  };
}

function outcome(
  inc: Incident,
  runbook: string | undefined,
  status: OutcomeStatus,
  verified = true,
  extra: Partial<Decision> = {},
): Outcome {
  return {
    decision: {
      id: `d-${inc.id}`,
      incident: inc,
      verdict: 'execute',
      ...(runbook ? { runbook } : {}),
      confidence: 0.9,
      risk: 0.1,
      rationale: [],
      ...extra,
    },
    status,
    verified,
    steps: [{ step: 'restart', action: 'k8s.rollout-restart', status: 'succeeded', durationMs: 5 }],
    durationMs: 5,
    t: 1000,
  };
}

describe('signatures, features and cosine', () => {
  it('signs by alertname, else sorted distinct metrics joined by +, else resource', () => {
    expect(incidentSignature(incident('a', 'checkout', ['latency', 'errors', 'latency']))).toBe(
      'errors+latency',
    );
    expect(
      incidentSignature({
        ...incident('a', 'x', []),
        symptoms: [{ series: 'x:cpu', t: 0, score: 1 }],
      }),
    ).toBe('x:cpu');
    expect(
      incidentSignature({ ...incident('a', 'x', ['cpu']), labels: { alertname: 'HighCpu' } }),
    ).toBe('HighCpu');
    expect(incidentSignature(incident('a', 'x', []))).toBe('x');
  });

  it('works as the decision engine track record: record/get, and a read-only view', () => {
    const m = new IncidentMemory({ maxTrackRecords: 1 });
    m.record('HighCpu', 'scale-up', true);
    m.record('HighCpu', 'scale-up', false);
    m.record('Other', 'scale-up', true);
    expect(m.get('HighCpu', 'scale-up')).toEqual({ successes: 1, failures: 1 });
    expect(m.stats().droppedTrackRecords).toBe(1);
    const view = m.trackRecordView();
    expect(view.get('HighCpu', 'scale-up')).toEqual({ successes: 1, failures: 1 });
    expect(Object.keys(view)).toEqual(['get']);
  });

  it('gives cosine 1 for equal vectors, 0 for disjoint or empty ones', () => {
    const f = incidentFeatures(incident('a', 'checkout', ['latency'], 'db'));
    expect(f['cause:db']).toBe(1);
    expect(cosineSimilarity(f, f)).toBeCloseTo(1);
    expect(cosineSimilarity({ a: 1 }, { b: 1 })).toBe(0);
    expect(cosineSimilarity({}, { b: 1 })).toBe(0);
  });
});

describe('IncidentMemory', () => {
  it('finds the most similar incidents and suggests what worked', () => {
    const m = new IncidentMemory({}, { clock: createManualClock(5) });
    m.remember({
      incident: incident('1', 'checkout', ['latency'], 'db'),
      runbook: 'failover-db',
      outcome: 'succeeded',
    });
    m.remember({
      incident: incident('2', 'checkout', ['latency'], 'db'),
      runbook: 'restart-pod',
      outcome: 'failed',
    });
    m.remember({
      incident: incident('3', 'search', ['errors'], 'index'),
      runbook: 'reindex',
      outcome: 'succeeded',
    });
    m.remember({
      incident: incident('4', 'checkout', ['latency', 'errors'], 'db'),
      actions: ['paged on-call'],
      outcome: 'succeeded',
      effectiveness: 0.5,
    });
    const now = incident('new', 'checkout', ['latency'], 'db');
    const similar = m.similar(now, 2);
    expect(similar.map((s) => s.incident.id).sort()).toEqual(['1', '2']);
    expect(similar[0]!.similarity).toBeCloseTo(1);
    expect(m.list()[0]?.resolvedAt).toBe(5);
    const suggestions = m.suggest(now, 3);
    expect(suggestions[0]).toMatchObject({
      runbook: 'failover-db',
      score: 1,
      support: 1,
      examples: ['1'],
    });
    expect(suggestions.map((s) => s.runbook)).not.toContain('restart-pod');
    expect(suggestions.find((s) => s.runbook === undefined)?.actions).toEqual(['paged on-call']);
  });

  it('keeps a per-signature runbook track record from outcomes', () => {
    const m = new IncidentMemory();
    const inc = incident('a', 'checkout', ['latency']);
    const sig = m.signature(inc);
    m.recordOutcome(outcome(inc, 'restart', 'succeeded'));
    m.recordOutcome(outcome({ ...inc, id: 'b' }, 'restart', 'succeeded'));
    m.recordOutcome(outcome({ ...inc, id: 'c' }, 'restart', 'succeeded', false));
    m.recordOutcome(outcome({ ...inc, id: 'd' }, 'restart', 'rolled_back'));
    m.recordOutcome(outcome({ ...inc, id: 'e' }, 'restart', 'timed_out'));
    expect(m.get(sig, 'restart')).toEqual({ successes: 2, failures: 3 });
    expect(m.get(sig, 'other')).toEqual({ successes: 0, failures: 0 });
    // Outcomes that say nothing about a runbook are ignored and counted.
    expect(m.recordOutcome(outcome({ ...inc, id: 'f' }, 'restart', 'blocked'))).toBeUndefined();
    expect(m.recordOutcome(outcome({ ...inc, id: 'g' }, 'restart', 'rejected'))).toBeUndefined();
    expect(m.recordOutcome(outcome({ ...inc, id: 'h' }, undefined, 'succeeded'))).toBeUndefined();
    expect(
      m.recordOutcome(outcome({ ...inc, id: 'i' }, 'restart', 'succeeded', true, { dryRun: true })),
    ).toBeUndefined();
    expect(m.stats()).toMatchObject({ incidents: 5, ignoredOutcomes: 4, trackRecords: 1 });
    const stored = m.list().find((i) => i.id === 'a');
    expect(stored).toMatchObject({
      runbook: 'restart',
      outcome: 'succeeded',
      effectiveness: 1,
      resolvedAt: 1000,
    });
    expect(stored?.actions[0]).toContain('k8s.rollout-restart');
  });

  it('is bounded: drops the oldest incidents and new track-record pairs, and counts them', () => {
    const m = new IncidentMemory({ capacity: 2, maxTrackRecords: 1 });
    for (const id of ['1', '2', '3'])
      m.remember({ incident: incident(id, 'x', ['cpu']), outcome: 'succeeded' });
    expect(m.list().map((i) => i.id)).toEqual(['2', '3']);
    m.recordOutcome(outcome(incident('4', 'x', ['cpu']), 'a', 'succeeded'));
    m.recordOutcome(outcome(incident('5', 'y', ['cpu']), 'b', 'succeeded'));
    expect(m.stats()).toMatchObject({
      incidents: 2,
      droppedIncidents: 3,
      trackRecords: 1,
      droppedTrackRecords: 1,
    });
  });

  it('round-trips through a snapshot and rejects invalid ones with SNAPSHOT_INVALID', () => {
    const m = new IncidentMemory();
    m.recordOutcome(outcome(incident('a', 'checkout', ['latency'], 'db'), 'restart', 'succeeded'));
    const copy = IncidentMemory.fromSnapshot(JSON.parse(JSON.stringify(m.toJSON())));
    expect(copy.toJSON()).toEqual(m.toJSON());
    expect(copy.get('latency', 'restart')).toEqual({ successes: 1, failures: 0 });
    try {
      IncidentMemory.fromSnapshot({ version: 2 });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code).toBe('SNAPSHOT_INVALID');
    }
  });

  it('rejects bad options with CONFIG_INVALID', () => {
    expect(() => new IncidentMemory({ capacity: 0 })).toThrow(/capacity/);
    expect(() => new IncidentMemory({ capacty: 5 } as never)).toThrow(/Unrecognized key/);
  });
});
