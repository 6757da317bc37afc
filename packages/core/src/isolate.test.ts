import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject, config } from 'rxjs';
import { isolate } from './isolate.js';
import { createRecordingOnError } from './internal/recording-on-error.js';
import type { OperatorError } from './errors.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const double = () => (n: number) => {
  if (n === 13) throw new Error('unlucky');
  return n % 2 === 0 ? undefined : n * 2;
};

describe('isolate', () => {
  it('emits what the handler returns, skipping undefined, in order', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a 2ms b 3ms c |', { a: 1, b: 2, c: 3 });
      expectObservable(source.pipe(isolate('double', double))).toBe('a 2ms - 3ms c |', {
        a: 2,
        c: 6,
      });
      expectSubscriptions(source.subscriptions).toBe('^ 7ms !');
    });
  });

  it('reports a throw on one event through onError and skips only that event', () => {
    const { onError, errors } = createRecordingOnError();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a b c |', { a: 1, b: 13, c: 3 });
      expectObservable(source.pipe(isolate('double', double, { onError }))).toBe('a - c |', {
        a: 2,
        c: 6,
      });
    });
    expect(errors).toHaveLength(1);
    const e = errors[0] as OperatorError<number>;
    expect(e.code).toBe('OPERATOR_FAILED');
    expect(e.operator).toBe('double');
    expect(e.event).toBe(13);
  });

  it('lets upstream errors through untouched', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a #', { a: 1 }, new Error('upstream'));
      expectObservable(source.pipe(isolate('double', double))).toBe(
        'a #',
        { a: 2 },
        new Error('upstream'),
      );
    });
  });

  it('unsubscribes upstream and runs teardown when the consumer unsubscribes', () => {
    let tornDown = 0;
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('--a--b--c--', { a: 1, b: 3, c: 5 });
      const op = isolate<number, number>('t', () => ({
        next: (n) => n,
        teardown: () => void tornDown++,
      }));
      expectObservable(source.pipe(op), '^-----!').toBe('--a--b', { a: 1, b: 3 });
      expectSubscriptions(source.subscriptions).toBe('^-----!');
    });
    expect(tornDown).toBe(1);
  });

  it('emits what flush returns before completing, and isolates a throwing flush', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const sum = isolate<number, number>('sum', () => {
        let total = 0;
        return { next: (n) => void (total += n), flush: () => [total] };
      });
      expectObservable(cold('a b |', { a: 1, b: 2 }).pipe(sum)).toBe('- - (s|)', { s: 3 });
    });
    const { onError, errors } = createRecordingOnError();
    const out: number[] = [];
    let completed = false;
    const s = new Subject<number>();
    s.pipe(
      isolate<number, number>(
        'bad-flush',
        () => ({
          next: (n) => n,
          flush: () => {
            throw new Error('flush');
          },
        }),
        { onError },
      ),
    ).subscribe({ next: (n) => out.push(n), complete: () => (completed = true) });
    s.next(1);
    s.complete();
    expect(out).toEqual([1]);
    expect(completed).toBe(true);
    expect(errors).toHaveLength(1);
  });

  it('keeps state per subscription', () => {
    const counter = isolate<number, number>('count', () => {
      let n = 0;
      return () => ++n;
    });
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a b |', { a: 10, b: 20 });
      expectObservable(source.pipe(counter)).toBe('a b |', { a: 1, b: 2 });
      expectObservable(source.pipe(counter)).toBe('a b |', { a: 1, b: 2 });
    });
  });

  it('does not catch throws from downstream subscribers', async () => {
    const { onError, errors } = createRecordingOnError();
    const reported: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => reported.push(e);
    const s = new Subject<number>();
    s.pipe(isolate('id', () => (n: number) => n, { onError })).subscribe({
      next: () => {
        throw new Error('consumer bug');
      },
      error: () => undefined,
    });
    // RxJS reports consumer errors asynchronously via its own handler; ours must not see them.
    try {
      s.next(1);
    } catch {
      /* ignore */
    }
    // RxJS reports a consumer's throw on a later tick.
    await new Promise((resolve) => setTimeout(resolve, 5));
    config.onUnhandledError = previous;
    expect(errors).toHaveLength(0);
    expect(reported).toHaveLength(1);
  });
});
