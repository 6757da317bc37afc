import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { of, throwError } from 'rxjs';
import { createCircuitBreaker } from './circuit-breaker.js';
import { protect } from './protect.js';
import { BreakerOpenError } from './errors.js';

describe('protect', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  it('passes values through and records completion as a success', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const breaker = createCircuitBreaker({}, { clock: scheduler });
      const source = cold('a 9ms b|');
      expectObservable(source.pipe(protect(breaker))).toBe('a 9ms b|');
      expectSubscriptions(source.subscriptions).toBe('^ 10ms !');
      scheduler.flush();
      expect(breaker.stats).toMatchObject({ calls: 1, successes: 1 });
    });
  });

  it('records an error as a failure and passes it through unchanged', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const breaker = createCircuitBreaker(
        { window: { type: 'consecutive', failureThreshold: 1 } },
        { clock: scheduler },
      );
      const error = new Error('down');
      expectObservable(cold('a 5ms #', undefined, error).pipe(protect(breaker))).toBe(
        'a 5ms #',
        undefined,
        error,
      );
      scheduler.flush();
      expect(breaker.state).toBe('open');
    });
  });

  it('refuses without subscribing to the source when open', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const breaker = createCircuitBreaker({ openDurationMs: 20 }, { clock: scheduler });
      breaker.open();
      const source = cold('a|');
      const errors: unknown[] = [];
      source.pipe(protect(breaker)).subscribe({ error: (e: unknown) => errors.push(e) });
      expect(errors[0]).toBeInstanceOf(BreakerOpenError);
      expect(errors[0]).toMatchObject({ retryAfterMs: 20 });
      expectSubscriptions(source.subscriptions).toBe([]);
      // after the open duration a trial subscription goes through and closes the breaker
      const later = cold('(x|)');
      expectObservable(later.pipe(protect(breaker)), '20ms ^').toBe('20ms (x|)');
      scheduler.flush();
      expect(breaker.state).toBe('closed');
    });
  });

  it('each subscription is one call: resubscribing calls again', () => {
    scheduler.run(({ cold }) => {
      const breaker = createCircuitBreaker({}, { clock: scheduler });
      const guarded = cold('1ms (a|)').pipe(protect(breaker));
      guarded.subscribe();
      guarded.subscribe();
      scheduler.flush();
      expect(breaker.stats.calls).toBe(2);
    });
  });

  it('unsubscribing before completion gives the permit back without recording', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const breaker = createCircuitBreaker({}, { clock: scheduler });
      const source = cold('a 10ms b|');
      expectObservable(source.pipe(protect(breaker)), '^ 4ms !').toBe('a');
      expectSubscriptions(source.subscriptions).toBe('^ 4ms !');
      scheduler.flush();
      expect(breaker.stats).toMatchObject({ calls: 1, successes: 0, failures: 0, cancelled: 1 });
      expect(breaker.snapshot().inFlight).toBe(0);
    });
  });

  it('measures duration on the breaker clock (slow calls)', () => {
    scheduler.run(({ cold }) => {
      const breaker = createCircuitBreaker(
        {
          window: { type: 'count', size: 2 },
          minimumCalls: 1,
          slowCallDurationMs: 10,
          slowCallRateThreshold: 1,
        },
        { clock: scheduler },
      );
      cold('15ms |').pipe(protect(breaker)).subscribe();
      scheduler.flush();
      expect(breaker.stats.slow).toBe(1);
      expect(breaker.state).toBe('open');
    });
  });

  it('works with synchronous sources', () => {
    const breaker = createCircuitBreaker();
    const seen: number[] = [];
    of(1, 2)
      .pipe(protect(breaker))
      .subscribe((v) => seen.push(v));
    throwError(() => new Error('x'))
      .pipe(protect(breaker))
      .subscribe({ error: () => undefined });
    expect(seen).toEqual([1, 2]);
    expect(breaker.stats).toMatchObject({ successes: 1, failures: 1 });
  });
});
