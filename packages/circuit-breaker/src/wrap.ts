import { ConfigError } from '@homeostat/core';
import { neverAbortedSignal, type Policy, type Protected } from './policy.js';

/**
 * Composes policies into one: the first is outermost. `wrap(retry, breaker, timeout)` retries
 * calls that go through the breaker, each attempt with its own timeout.
 *
 * @remarks
 * Put the timeout inside the breaker so the breaker counts time-outs (as `timeout` events) and a
 * call that never settles cannot hold a half-open permit. Each layer passes its signal inward;
 * the innermost function receives the innermost context.
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
  const run = <T>(i: number, fn: Protected<T>, signal: AbortSignal | undefined): Promise<T> => {
    const policy = policies[i]!;
    if (i === last) return policy.execute(fn, signal);
    return policy.execute(
      (ctx) => run(i + 1, fn, ctx.signal === never ? undefined : ctx.signal),
      signal,
    );
  };
  return {
    execute: <T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> => run(0, fn, signal),
  };
}
