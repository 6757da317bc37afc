import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject } from 'rxjs';
import type { Decision, Incident } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { decide } from './decide.js';
import { createDecisionEngine, type DecisionEngine } from './decision-engine.js';
import { makeIncident } from './internal/fixtures.js';
import type { PolicyInput } from './policy.js';

const policies: PolicyInput[] = [
  {
    name: 'restart',
    match: ['label.alertname=HighLatency'],
    runbook: 'restart-pod',
    params: { pod: '${label.pod}' },
  },
];

describe('decide', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  it('maps each incident to a decision, timed by the scheduler', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = makeIncident();
      const b = makeIncident({ id: 'inc-2', labels: { alertname: 'Other' } });
      const src = cold<Incident>('a 9ms b|', { a, b });
      const out = src.pipe(decide(policies, { scheduler }));
      expectObservable(out).toBe('a 9ms b|', {
        a: expect.objectContaining({
          verdict: 'approve',
          runbook: 'restart-pod',
          params: { pod: 'checkout-7f9c' },
          t: 0,
        }),
        b: expect.objectContaining({ verdict: 'escalate', t: 10 }),
      });
      expectSubscriptions(src.subscriptions).toBe('^ 10ms !');
    });
  });

  it('passes upstream errors through', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(
        cold<Incident>('#', undefined, new Error('up')).pipe(decide(policies, { scheduler })),
      ).toBe('#', undefined, new Error('up'));
    });
  });

  it('uses a given engine, so outcomes can be fed back', () => {
    const engine: DecisionEngine = createDecisionEngine(policies);
    const input = new Subject<Incident>();
    const out: Decision[] = [];
    input.pipe(decide(engine)).subscribe((d) => out.push(d));
    input.next(makeIncident());
    expect(out).toHaveLength(1);
    expect(engine.stats.decisions).toBe(1);
  });

  it('reports a malformed incident and keeps going', () => {
    const { onError, errors } = createRecordingOnError();
    const input = new Subject<Incident>();
    const out: Decision[] = [];
    input.pipe(decide(policies, { onError })).subscribe((d) => out.push(d));
    input.next({ id: 'bad' } as unknown as Incident);
    input.next(makeIncident());
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('OPERATOR_FAILED');
    expect(out).toHaveLength(1);
  });

  it('refuses bad policies at composition time', () => {
    expect(() => decide([{ name: 'x', runbook: 'r', match: ['label.a=~"("'] }])).toThrow(
      /0\.match\.0/,
    );
  });
});
