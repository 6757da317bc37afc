import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { defer, of, throwError } from 'rxjs';
import { retryWithBackoff } from './retry-with-backoff.js';

describe('retryWithBackoff', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
  });

  it('resubscribes after exponentially growing delays on the scheduler', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('1ms #');
      const result = source.pipe(
        retryWithBackoff({ maxAttempts: 3, initialDelayMs: 10, jitter: 'none' }, { scheduler }),
      );
      // attempt 1 fails at 1, waits 10; attempt 2 at 11 fails at 12, waits 20; attempt 3 at 32 fails at 33
      expectObservable(result).toBe('33ms #');
      expectSubscriptions(source.subscriptions).toBe(['^!', '11ms ^!', '32ms ^!']);
    });
  });

  it('passes values and completes once a subscription succeeds', () => {
    scheduler.run(({ expectObservable }) => {
      let n = 0;
      const source = defer(() => (++n < 2 ? throwError(() => new Error('flaky')) : of('ok')));
      expectObservable(
        source.pipe(retryWithBackoff({ initialDelayMs: 5, jitter: 'none' }, { scheduler })),
      ).toBe('5ms (o|)', { o: 'ok' });
    });
  });

  it('full jitter scales the delay by random()', () => {
    scheduler.run(({ cold, expectSubscriptions }) => {
      const source = cold('#');
      source
        .pipe(
          retryWithBackoff(
            { maxAttempts: 2, initialDelayMs: 100, jitter: 'full' },
            { scheduler, random: () => 0.25 },
          ),
        )
        .subscribe({ error: () => undefined });
      scheduler.flush();
      expectSubscriptions(source.subscriptions).toBe(['(^!)', '25ms (^!)']);
    });
  });

  it('does not retry errors shouldRetry refuses', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('2ms #', undefined, new TypeError('bug'));
      expectObservable(
        source.pipe(
          retryWithBackoff({}, { scheduler, shouldRetry: (e) => !(e instanceof TypeError) }),
        ),
      ).toBe('2ms #', undefined, new TypeError('bug'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('unsubscribing during a wait cancels the pending retry', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('#');
      expectObservable(
        source.pipe(retryWithBackoff({ initialDelayMs: 50, jitter: 'none' }, { scheduler })),
        '^ 20ms !',
      ).toBe('');
      expectSubscriptions(source.subscriptions).toBe('(^!)');
    });
  });

  it('throws ConfigError naming the field', () => {
    expect(() => retryWithBackoff({ multiplier: 0.5 })).toThrow(/multiplier/);
  });
});
