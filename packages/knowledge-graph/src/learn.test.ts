import { describe, expect, it } from 'vitest';
import { of, Subject } from 'rxjs';
import type { DependencyObservation, Outcome } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { DependencyGraph } from './dependency-graph.js';
import { IncidentMemory } from './incident-memory.js';
import { learn } from './learn.js';
import { learnDependencies } from './learn-dependencies.js';

const incident = {
  id: 'i',
  resource: 'api',
  symptoms: [],
  severity: 'error' as const,
  openedAt: 0,
  labels: {},
};
const ok: Outcome = {
  decision: {
    id: 'd',
    incident,
    verdict: 'execute',
    runbook: 'restart',
    confidence: 1,
    risk: 0,
    rationale: [],
  },
  status: 'succeeded',
  verified: true,
  steps: [],
  durationMs: 1,
};

describe('learn', () => {
  it('records outcomes in the store and passes them on', () => {
    const memory = new IncidentMemory();
    const out: Outcome[] = [];
    of(ok, { ...ok, status: 'failed' as const })
      .pipe(learn(memory))
      .subscribe((o) => out.push(o));
    expect(out).toHaveLength(2);
    expect(memory.get('api', 'restart')).toEqual({ successes: 1, failures: 1 });
  });

  it('reports a store that throws and skips that outcome only', () => {
    const { onError, errors } = createRecordingOnError();
    let calls = 0;
    const store = {
      recordOutcome: () => {
        if (calls++ === 0) throw new Error('disk full');
      },
    };
    const out: Outcome[] = [];
    const input = new Subject<Outcome>();
    input.pipe(learn(store, { onError })).subscribe((o) => out.push(o));
    input.next(ok);
    input.next(ok);
    expect(out).toHaveLength(1);
    expect(errors[0]?.code).toBe('OPERATOR_FAILED');
  });
});

describe('learnDependencies', () => {
  it('learns calls edges and passes observations on; bad ones are reported', () => {
    const graph = new DependencyGraph();
    const { onError, errors } = createRecordingOnError();
    const obs: DependencyObservation[] = [
      { t: 0, service: 'api', target: 'db:5432', latencyMs: 3, error: false },
      { t: 1, service: 'api', target: '', latencyMs: 3, error: false },
      { t: 2, service: 'api', target: 'db:5432', latencyMs: 5, error: true },
    ];
    const out: DependencyObservation[] = [];
    of(...obs)
      .pipe(learnDependencies(graph, { onError }))
      .subscribe((o) => out.push(o));
    expect(out).toHaveLength(2);
    expect(errors).toHaveLength(1);
    expect(graph.dependencies('api')).toEqual(['db:5432']);
    expect(graph.edges()[0]?.calls?.count).toBe(2);
  });
});
