import {
  asyncScheduler,
  defer,
  retry,
  throwError,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import { backoffSchema, createBackoff } from './internal/backoff.js';

/** zod schema of {@link RetryWithBackoffOptions} (the same fields as `createRetry`). */
export const retryWithBackoffOptionsSchema = backoffSchema.strict();

/** Options of {@link retryWithBackoff}. */
export type RetryWithBackoffOptions = z.input<typeof retryWithBackoffOptionsSchema>;

/** Capabilities of {@link retryWithBackoff}. */
export interface RetryWithBackoffDeps {
  /** Where the waits are scheduled. Default: `asyncScheduler`; tests pass a `TestScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Which errors are worth another subscription. Default: every error. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Source of jitter, values in [0, 1). Default: `Math.random`. */
  readonly random?: () => number;
}

/**
 * Resubscribes to the source after an error, waiting an exponentially growing, jittered delay on
 * the scheduler; after `maxAttempts` subscriptions (or a `shouldRetry` refusal) the last error
 * passes through.
 *
 * @remarks Each subscription to the result has its own delay sequence (decorrelated jitter keeps
 * per-subscription state). Values already emitted are not replayed or suppressed.
 * @throws {ConfigError} when an option is invalid (the issue names the field).
 * @example
 * ```ts
 * defer(() => fetchQuote()).pipe(protect(breaker), retryWithBackoff({ maxAttempts: 4, jitter: 'full' }));
 * ```
 */
export function retryWithBackoff<T>(
  options: RetryWithBackoffOptions = {},
  deps: RetryWithBackoffDeps = {},
): MonoTypeOperatorFunction<T> {
  const o = parseOptions(retryWithBackoffOptionsSchema, options, { source: 'retryWithBackoff' });
  const scheduler = deps.scheduler ?? asyncScheduler;
  const shouldRetry = deps.shouldRetry ?? (() => true);
  const random = deps.random ?? Math.random;
  return (source) =>
    defer(() => {
      const backoff = createBackoff(o, random);
      return source.pipe(
        retry({
          count: o.maxAttempts - 1,
          delay: (error: unknown, retryCount: number) => {
            let again: boolean;
            try {
              again = shouldRetry(error, retryCount);
            } catch {
              again = false;
            }
            return again ? timer(backoff.next(retryCount), scheduler) : throwError(() => error);
          },
        }),
      );
    });
}
