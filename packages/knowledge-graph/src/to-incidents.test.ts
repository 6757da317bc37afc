import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject } from 'rxjs';
import type { Anomaly, Incident } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { DependencyGraph } from './dependency-graph.js';
import { parseSeriesName, toIncidents } from './to-incidents.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const anomaly = (series: string, t: number, score = 0.9): Anomaly => ({
  sample: { series, t, value: 1 },
  score,
  detector: 'test',
  threshold: 0.5,
});

function graph(): DependencyGraph {
  const g = new DependencyGraph();
  g.addNode('web').addNode('api').addNode('db').addNode('mail');
  g.addEdge('web', 'api').addEdge('api', 'db');
  return g;
}

describe('parseSeriesName', () => {
  it('splits resource, route and metric, with labels first', () => {
    expect(parseSeriesName('checkout:GET /pay:error_ratio')).toEqual({
      resource: 'checkout',
      route: 'GET /pay',
      metric: 'error_ratio',
    });
    expect(parseSeriesName('db:latency')).toEqual({ resource: 'db', metric: 'latency' });
    expect(parseSeriesName('cpu')).toEqual({ resource: 'cpu', metric: 'value' });
    expect(parseSeriesName('x:y', { service: 'svc', route: '/r' })).toEqual({
      resource: 'svc',
      route: '/r',
      metric: 'y',
    });
  });
});

describe('toIncidents', () => {
  it('gathers related symptoms and emits one incident after gatherMs', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('a 9ms b 9ms c', {
        a: anomaly('db:latency', 0, 0.95),
        b: anomaly('web:GET /:error_ratio', 10, 0.8),
        c: anomaly('mail:queue', 20, 0.7),
      });
      const out = source.pipe(toIncidents({ gatherMs: 15 }, { scheduler, graph: graph() }));
      expectObservable(out, '^ 40ms !').toBe('15ms x 19ms y', {
        x: expect.objectContaining({
          resource: 'db',
          severity: 'error',
          labels: { service: 'db', metric: 'latency' },
          symptoms: [
            expect.objectContaining({ series: 'db:latency', resource: 'db' }),
            expect.objectContaining({ series: 'web:GET /:error_ratio', resource: 'web' }),
          ],
        }) as Incident,
        y: expect.objectContaining({ resource: 'mail', severity: 'warning' }) as Incident,
      });
      expectSubscriptions(source.subscriptions).toBe('^ 40ms !');
    });
  });

  it('keeps two routes of one service apart, and absorbs later symptoms', () => {
    const out: Incident[] = [];
    const stats = { opened: 0, absorbed: 0, droppedSymptoms: 0, evicted: 0 };
    const src = new Subject<Anomaly>();
    src.pipe(toIncidents({ gatherMs: 0 }, { stats })).subscribe((i) => out.push(i));
    src.next(anomaly('checkout:GET /a:error_ratio', 0));
    src.next(anomaly('checkout:GET /b:error_ratio', 1));
    src.next(anomaly('checkout:GET /a:latency_p99', 2));
    src.complete();
    expect(out.map((i) => i.labels.route)).toEqual(['GET /a', 'GET /b']);
    expect(stats.opened).toBe(2);
  });

  it('closes incidents after quietMs of event time', () => {
    const out: Incident[] = [];
    const src = new Subject<Anomaly>();
    src.pipe(toIncidents({ gatherMs: 0, quietMs: 100 })).subscribe((i) => out.push(i));
    src.next(anomaly('db:latency', 0));
    src.next(anomaly('db:latency', 50));
    src.next(anomaly('db:latency', 500));
    src.complete();
    expect(out).toHaveLength(2);
  });

  it('reports a bad anomaly and goes on; upstream errors pass through', () => {
    const { onError, errors } = createRecordingOnError();
    const out: Incident[] = [];
    let failed: unknown;
    const src = new Subject<Anomaly>();
    src
      .pipe(toIncidents({ gatherMs: 0 }, { onError }))
      .subscribe({ next: (i) => out.push(i), error: (e: unknown) => (failed = e) });
    src.next({ score: 1 } as unknown as Anomaly);
    src.next(anomaly('db:latency', 0));
    src.error(new Error('up'));
    expect(errors.map((e) => e.code)).toEqual(['OPERATOR_FAILED']);
    expect(failed).toEqual(new Error('up'));
  });

  it('bounds open incidents and counts evictions', () => {
    const stats = { opened: 0, absorbed: 0, droppedSymptoms: 0, evicted: 0 };
    const out: Incident[] = [];
    const src = new Subject<Anomaly>();
    src
      .pipe(toIncidents({ gatherMs: 1_000_000, maxOpen: 2, maxSymptoms: 1 }, { stats }))
      .subscribe((i) => out.push(i));
    src.next(anomaly('a:m', 0));
    src.next(anomaly('a:m', 1)); // over maxSymptoms
    src.next(anomaly('b:m', 2));
    src.next(anomaly('c:m', 3)); // evicts a (emitted as it leaves)
    expect(stats).toEqual({ opened: 3, absorbed: 0, droppedSymptoms: 1, evicted: 1 });
    expect(out.map((i) => i.resource)).toEqual(['a']);
    src.complete();
    expect(out.map((i) => i.resource)).toEqual(['a', 'b', 'c']);
  });

  it('rejects bad options', () => {
    expect(() => toIncidents({ gatherMs: -1 })).toThrow(/gatherMs/);
  });
});
