import { describe, expect, it } from 'vitest';
import { Subject, of, throwError, concat } from 'rxjs';
import type { Incident, Symptom } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { DependencyGraph } from './dependency-graph.js';
import { rankIncident, rankRootCauses } from './rank-incident.js';

function graph(): DependencyGraph {
  // web → api → db; web → auth → db; batch → db; api → queue
  const g = new DependencyGraph();
  for (const n of ['web', 'api', 'auth', 'batch', 'queue']) g.addNode(n);
  g.addNode('db', { kind: 'database' });
  g.addEdge('web', 'api').addEdge('web', 'auth').addEdge('api', 'db').addEdge('auth', 'db');
  g.addEdge('batch', 'db').addEdge('api', 'queue');
  return g;
}

function symptom(resource: string, score: number): Symptom {
  return { series: `${resource}:latency`, resource, metric: 'latency', t: 0, score };
}

function incident(symptoms: Symptom[], resource = 'web'): Incident {
  return { id: 'i1', resource, symptoms, severity: 'error', openedAt: 0, labels: {} };
}

describe('rankIncident', () => {
  it('names the common upstream of the anomalous resources first, with evidence', () => {
    const causes = rankIncident(
      incident([
        symptom('web', 0.9),
        symptom('api', 0.9),
        symptom('auth', 0.8),
        symptom('batch', 0.85),
        symptom('db', 0.95),
      ]),
      graph(),
    );
    expect(causes[0]?.node).toBe('db');
    expect(causes[0]?.evidence.join(' ')).toMatch(/anomaly weight/);
    expect(causes.length).toBeLessThanOrEqual(5);
  });

  it('can name an unmonitored shared dependency', () => {
    const g = graph();
    g.addNode('db', { attributes: { monitored: false } });
    const causes = rankIncident(
      incident([
        symptom('web', 0.9),
        symptom('api', 0.9),
        symptom('auth', 0.9),
        symptom('batch', 0.9),
      ]),
      g,
      { top: 3 },
    );
    expect(causes.map((c) => c.node)).toContain('db');
  });

  it('ranks resources missing from the graph by their own score and handles no symptoms', () => {
    const causes = rankIncident(incident([symptom('mystery', 0.9)], 'mystery'), graph());
    expect(causes).toHaveLength(1);
    expect(causes[0]?.node).toBe('mystery');
    expect(causes[0]?.evidence[0]).toMatch(/not in the dependency graph/);
    expect(rankIncident(incident([]), graph())).toEqual([]);
  });

  it('ranks resources in the graph when every symptom is below 0.5, as those outside it', () => {
    const causes = rankIncident(
      incident([
        symptom('api', 0.45),
        symptom('auth', 0.48),
        symptom('db', 0.49),
        symptom('cdn', 0.41),
      ]),
      graph(),
    );
    expect(causes[0]?.node).toBe('db');
    expect(causes.map((c) => c.node)).toContain('cdn');
    for (const c of causes) expect(Number.isFinite(c.score)).toBe(true);
  });

  it('refuses bad options, naming them', () => {
    const bad = (options: object): string => {
      try {
        rankIncident(incident([symptom('db', 0.9)]), graph(), options);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(bad({ upstreamWeight: Number.NaN })).toMatch(
      /upstreamWeight: must be a number in \[0, 1\], got NaN/,
    );
    expect(bad({ upstreamWeight: 1.5 })).toMatch(/upstreamWeight/);
    expect(bad({ top: -1 })).toMatch(/top: must be an integer ≥ 0, got -1/);
    expect(bad({ top: 2.5 })).toMatch(/top/);
    expect(() => rankRootCauses(graph(), { top: Number.NaN })).toThrow(/rankRootCauses[\s\S]*top/);
    expect(bad({ top: 0, upstreamWeight: 0 })).toBe('no error');
  });
});

describe('rankRootCauses operator', () => {
  it('adds rootCauses to each incident and passes completion through', () => {
    const out: Incident[] = [];
    let completed = false;
    of(incident([symptom('api', 0.9), symptom('db', 0.9)]))
      .pipe(rankRootCauses(graph(), { top: 2 }))
      .subscribe({ next: (i) => out.push(i), complete: () => (completed = true) });
    expect(out[0]?.rootCauses?.[0]?.node).toBe('db');
    expect(completed).toBe(true);
  });

  it('reports a bad incident and keeps going; upstream errors pass through', () => {
    const { onError, errors } = createRecordingOnError();
    const input = new Subject<Incident>();
    const out: Incident[] = [];
    let error: unknown;
    input
      .pipe(rankRootCauses(graph(), {}, { onError }))
      .subscribe({ next: (i) => out.push(i), error: (e: unknown) => (error = e) });
    const bad = incident([]);
    Object.defineProperty(bad, 'symptoms', {
      get() {
        throw new Error('unreadable symptoms');
      },
    });
    input.next(bad);
    input.next(incident([symptom('db', 0.9)]));
    expect(out).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('OPERATOR_FAILED');
    expect(error).toBeUndefined();
    const boom = new Error('upstream');
    concat(
      of(incident([])),
      throwError(() => boom),
    )
      .pipe(rankRootCauses(graph()))
      .subscribe({ error: (e: unknown) => (error = e) });
    expect(error).toBe(boom);
  });
});
