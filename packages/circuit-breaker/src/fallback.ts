import { invoke } from './internal/invoke.js';
import { plainContext, type Protected } from './policy.js';

/** Capabilities of a fallback. */
export interface FallbackDeps {
  /** Which errors the fallback handles; others are rethrown. Default: every error. */
  readonly shouldHandle?: (error: unknown) => boolean;
}

/** Runs a call and answers with a substitute when it fails. */
export interface Fallback<R> {
  /**
   * Runs `fn`; on a handled failure, resolves with the fallback's value instead.
   *
   * @throws The original error when `shouldHandle` rejects it, or the fallback's own error.
   */
  execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T | R>;
  /** Times the fallback answered since creation. */
  readonly used: number;
}

/**
 * Creates a {@link Fallback}: the substitute for a failed call (cached data, a default, a degraded
 * answer).
 *
 * @remarks A fallback changes the result type, so it goes outside a {@link wrap}ped pipeline:
 * `fallback.execute((ctx) => pipeline.execute(fn, ctx.signal))`.
 * @example
 * ```ts
 * const cached = createFallback((error) => lastKnownPrices);
 * const prices = await cached.execute(() => pipeline.execute(fetchPrices));
 * ```
 */
export function createFallback<R>(
  fallback: (error: unknown) => R | PromiseLike<R>,
  deps: FallbackDeps = {},
): Fallback<R> {
  const shouldHandle = deps.shouldHandle ?? (() => true);
  let used = 0;
  return {
    get used() {
      return used;
    },
    async execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T | R> {
      try {
        return await invoke(fn, signal === undefined ? plainContext() : { signal });
      } catch (error) {
        if (!shouldHandle(error)) throw error;
        used++;
        return await fallback(error);
      }
    },
  };
}
