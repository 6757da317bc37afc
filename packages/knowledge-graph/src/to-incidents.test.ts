import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject, VirtualTimeScheduler } from 'rxjs';
import type { Anomaly, Incident } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { DependencyGraph } from './dependency-graph.js';
import { parseSeriesName, toIncidents, type ToIncidentsStats } from './to-incidents.js';

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

  it('re-emits with the same id gatherMs after a new resource joins, when asked', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const stats = { opened: 0, absorbed: 0, droppedSymptoms: 0, evicted: 0 };
      // db opens; api joins after the first emission (new resource), then web (new) and api
      // again (not new) within the second window, db again after it (not new).
      const source = hot('a 19ms b 4ms c 4ms d 19ms e', {
        a: anomaly('db:latency', 0, 0.9),
        b: anomaly('api:error_ratio', 20, 0.95),
        c: anomaly('web:GET /:error_ratio', 25, 0.8),
        d: anomaly('api:latency', 30, 0.7),
        e: anomaly('db:latency', 50, 0.9),
      });
      const out = source.pipe(
        toIncidents(
          { gatherMs: 10, reemitOnNewResource: true },
          { scheduler, graph: graph(), stats },
        ),
      );
      expectObservable(out, '^ 80ms !').toBe('10ms x 19ms y', {
        x: expect.objectContaining({
          id: 'inc-0-1',
          resource: 'db',
          symptoms: [expect.objectContaining({ resource: 'db' })],
        }) as Incident,
        y: expect.objectContaining({
          id: 'inc-0-1',
          resource: 'api',
          symptoms: ['db', 'api', 'web', 'api'].map((resource): unknown =>
            expect.objectContaining({ resource }),
          ),
        }) as Incident,
      });
      scheduler.flush();
      expect(stats).toEqual({
        opened: 1,
        reemitted: 1,
        absorbed: 4,
        droppedSymptoms: 0,
        evicted: 0,
      });
    });
  });

  it('emits each incident once by default, and makes a pending re-emission on completion', () => {
    const run = (reemitOnNewResource: boolean): Incident[] => {
      const out: Incident[] = [];
      const virtual = new VirtualTimeScheduler();
      const src = new Subject<Anomaly>();
      src
        .pipe(
          toIncidents({ gatherMs: 5, reemitOnNewResource }, { graph: graph(), scheduler: virtual }),
        )
        .subscribe((i) => out.push(i));
      src.next(anomaly('db:latency', 0));
      virtual.flush(); // the first emission
      src.next(anomaly('api:latency', 1)); // joins, a new resource
      src.complete(); // before the second window ends
      virtual.flush();
      return out;
    };
    expect(run(false).map((i) => i.symptoms.length)).toEqual([1]);
    expect(run(true).map((i) => [i.id, i.symptoms.length])).toEqual([
      ['inc-0-1', 1],
      ['inc-0-1', 2],
    ]);
  });

  it('does not re-emit for a new resource whose symptom was over maxSymptoms', () => {
    const stats: ToIncidentsStats = { opened: 0, absorbed: 0, droppedSymptoms: 0, evicted: 0 };
    const out: Incident[] = [];
    const virtual = new VirtualTimeScheduler();
    const src = new Subject<Anomaly>();
    src
      .pipe(
        toIncidents(
          { gatherMs: 5, maxSymptoms: 1, reemitOnNewResource: true },
          { graph: graph(), scheduler: virtual, stats },
        ),
      )
      .subscribe((i) => out.push(i));
    src.next(anomaly('db:latency', 0));
    virtual.flush();
    src.next(anomaly('api:latency', 1)); // joins, but is not kept
    src.complete();
    virtual.flush();
    expect(out).toHaveLength(1);
    expect(stats).toMatchObject({ droppedSymptoms: 1, absorbed: 1 });
    expect(stats.reemitted).toBeUndefined();
  });

  it('rejects bad options', () => {
    expect(() => toIncidents({ gatherMs: -1 })).toThrow(/gatherMs/);
  });
});
