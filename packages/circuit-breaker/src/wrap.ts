import { ConfigError } from '@homeostat/core';
import { neverAbortedSignal, type CallContext, type Policy, type Protected } from './policy.js';

/**
 * Composes policies into one: the first is outermost. `wrap(retry, breaker, timeout)` retries
 * calls that go through the breaker, each attempt with its own timeout.
 *
 * @remarks
 * Put the timeout inside the breaker so the breaker counts time-outs (as `timeout` events) and a
 * call that never settles cannot hold a half-open permit. Each layer passes its signal inward;
 * the innermost function receives the innermost context, with the attempt number of the
 * innermost retry around it (`attempt` is set whenever a retry is among the layers).
 * @throws {ConfigError} when no policy is given.
 * @example
 * ```ts
 * const pipeline = wrap(createRetry({ maxAttempts: 3 }), breaker, createTimeout({ timeoutMs: 500 }));
 * await pipeline.execute(({ signal }) => fetch(url, { signal }));
 * ```
 */
export function wrap(...policies: readonly Policy[]): Policy {
  if (policies.length === 0)
    throw new ConfigError([{ path: 'policies', message: 'wrap needs at least one policy' }], {
      source: 'wrap',
    });
  const last = policies.length - 1;
  const never = neverAbortedSignal();
  /** Runs layer `i` inside the context `outer` of the layer around it (its signal and attempt). */
  const run = <T>(i: number, fn: Protected<T>, outer: Partial<CallContext>): Promise<T> => {
    const policy = policies[i]!;
    const signal = outer.signal === never ? undefined : outer.signal;
    const attempt = outer.attempt;
    if (i === last) {
      if (attempt === undefined) return policy.execute(fn, signal);
      // A retry further out numbers the attempts: the function sees its number, unless a retry
      // closer to it numbers them itself.
      return policy.execute(
        (ctx) => fn(ctx.attempt === undefined ? { signal: ctx.signal, attempt } : ctx),
        signal,
      );
    }
    return policy.execute(
      (ctx) =>
        run(
          i + 1,
          fn,
          ctx.attempt === undefined && attempt !== undefined
            ? { signal: ctx.signal, attempt }
            : ctx,
        ),
      signal,
    );
  };
  const NONE: Partial<CallContext> = {};
  return {
    execute: <T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> =>
      run(0, fn, signal === undefined ? NONE : { signal }),
  };
}
