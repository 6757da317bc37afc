import { describe, expectTypeOf, it } from 'vitest';
import { of, type Observable } from 'rxjs';
import {
  createCircuitBreaker,
  createFallback,
  createTimeout,
  protect,
  retryWithBackoff,
  wrap,
  type CallContext,
} from './index.js';

describe('types', () => {
  it('execute infers the result type from plain values and promises', () => {
    const breaker = createCircuitBreaker();
    expectTypeOf(breaker.execute(() => 1)).toEqualTypeOf<Promise<number>>();
    expectTypeOf(breaker.execute(() => Promise.resolve('x'))).toEqualTypeOf<Promise<string>>();
    const pipeline = wrap(breaker, createTimeout({ timeoutMs: 10 }));
    expectTypeOf(pipeline.execute((ctx) => ctx)).toEqualTypeOf<Promise<CallContext>>();
  });

  it('a fallback widens the result type', () => {
    expectTypeOf(createFallback(() => null).execute(() => 1)).toEqualTypeOf<
      Promise<number | null>
    >();
  });

  it('operators keep the element type', () => {
    const breaker = createCircuitBreaker();
    expectTypeOf(of(1).pipe(protect(breaker), retryWithBackoff())).toEqualTypeOf<
      Observable<number>
    >();
  });
});
