import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import type { CircuitBreaker } from './circuit-breaker.js';

/**
 * Protects an Observable-returning call with a breaker: each subscription is one call.
 *
 * @remarks
 * On subscribe, the breaker is asked for a permit; when it refuses, the subscriber gets a
 * {@link BreakerOpenError} and the source is never subscribed. Completion records a success, an
 * error records a failure (the error then passes through unchanged), and unsubscribing before
 * either gives the permit back without recording anything. Values pass through untouched. Time
 * comes from the breaker's clock (pass a `TestScheduler` as its `clock` in marble tests).
 * @example
 * ```ts
 * const price$ = defer(() => http.get('/price')).pipe(timeout(500), protect(breaker), retryWithBackoff({ maxAttempts: 3 }));
 * ```
 */
export function protect<T>(breaker: CircuitBreaker): MonoTypeOperatorFunction<T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      const permit = breaker.tryAcquire();
      if (permit === undefined) {
        subscriber.error(breaker.refusal());
        return undefined;
      }
      const subscription = source.subscribe({
        next: (value) => subscriber.next(value),
        error: (error: unknown) => {
          permit.failure(error);
          subscriber.error(error);
        },
        complete: () => {
          permit.success();
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        permit.cancel();
      };
    });
}
