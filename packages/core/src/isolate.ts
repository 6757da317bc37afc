import { Observable, type OperatorFunction } from 'rxjs';
import { OperatorError } from './errors.js';
import { resolveOnError, type OperatorDeps } from './deps.js';

/**
 * The per-subscription handler of an {@link isolate}d operator. `next` returns the output for
 * an event, or `undefined` to emit nothing.
 */
export interface IsolatedHandler<T, R> {
  /**
   * Handles one event: returns the output, or `undefined` to emit nothing. A throw skips the event
   * and is reported.
   */
  next(value: T): R | undefined;
  /** Called on completion; whatever it returns is emitted before `complete`. */
  flush?(): Iterable<R> | undefined;
  /** Called on unsubscribe, error and completion. */
  teardown?(): void;
}

/**
 * Builds an operator in which a throw while handling one event is reported through
 * `deps.onError` (as an {@link OperatorError}) and that event is skipped, while upstream errors
 * and completion pass through untouched.
 *
 * @param name - Operator name used in error reports.
 * @param setup - Called once per subscription; returns the handler (a function or an
 * {@link IsolatedHandler}). State lives in its closure, never at module level.
 * @remarks Outputs are emitted outside the `try`, so a throw downstream is not mistaken for ours.
 * @example
 * ```ts
 * const doubled = isolate('double', () => (s: Sample) => ({ ...s, value: s.value * 2 }));
 * samples$.pipe(doubled).subscribe(console.log);
 * ```
 */
export function isolate<T, R>(
  name: string,
  setup: () => IsolatedHandler<T, R> | ((value: T) => R | undefined),
  deps: OperatorDeps = {},
): OperatorFunction<T, R> {
  const onError = resolveOnError(deps);
  return (source) =>
    new Observable<R>((subscriber) => {
      const made = setup();
      const handler: IsolatedHandler<T, R> = typeof made === 'function' ? { next: made } : made;
      const subscription = source.subscribe({
        next(value) {
          let out: R | undefined;
          try {
            out = handler.next(value);
          } catch (cause) {
            onError(new OperatorError(name, value, { cause }));
            return;
          }
          if (out !== undefined) subscriber.next(out);
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          let rest: Iterable<R> | undefined;
          try {
            rest = handler.flush?.();
          } catch (cause) {
            onError(new OperatorError(name, undefined, { cause }));
          }
          if (rest) for (const r of rest) subscriber.next(r);
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        try {
          handler.teardown?.();
        } catch (cause) {
          onError(new OperatorError(name, undefined, { cause }));
        }
      };
    });
}
