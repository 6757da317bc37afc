import { parseOptions } from '@homeostat/core';
import { backoffSchema } from './internal/backoff.js';
import { createBackoff, type Backoff } from './internal/backoff.js';
import { invoke } from './internal/invoke.js';
import { neverAbortedSignal, type Policy, type Protected } from './policy.js';
import { systemTimers, type Timers } from './timers.js';
import type { z } from 'zod';

/** zod schema of {@link RetryOptions}. */
export const retryOptionsSchema = backoffSchema.strict();

/** Options of {@link createRetry}: attempts and exponential backoff with jitter. */
export type RetryOptions = z.input<typeof retryOptionsSchema>;

/** Capabilities of a retry policy. */
export interface RetryDeps {
  /** Which errors are worth another attempt. Default: every error. */
  readonly shouldRetry?: (error: unknown, attempt: number) => boolean;
  /** Source of jitter, values in [0, 1). Default: `Math.random`. */
  readonly random?: () => number;
  /** Used for the waits between attempts. Default: {@link systemTimers}. */
  readonly timers?: Timers;
}

/** Counters of a retry policy since creation. */
export interface RetryStats {
  /** Calls of `execute`. */
  readonly executions: number;
  /** Attempts after the first one. */
  readonly retries: number;
  /** Executions that failed after their last permitted attempt (or a non-retryable error). */
  readonly exhausted: number;
}

function sleep(timers: Timers, ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal === undefined) {
      timers.setTimeout(resolve, ms);
      return;
    }
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(handle);
      reject(signal.reason as Error);
    };
    const handle = timers.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A retry policy: runs a call again after failures, waiting an exponentially growing, jittered
 * delay between attempts.
 *
 * @remarks
 * The function gets `attempt` (1-based) in its context. When the caller's `signal` aborts, the
 * wait ends at once and the execution rejects with the signal's reason; no further attempt
 * starts. A signal already aborted when `execute` is called rejects at once, without running
 * any attempt. The last error is rethrown unchanged. One timer per wait.
 */
export class Retry implements Policy {
  private readonly options: z.output<typeof retryOptionsSchema>;
  private readonly shouldRetry: (error: unknown, attempt: number) => boolean;
  private readonly random: () => number;
  private readonly timers: Timers;
  private nExecutions = 0;
  private nRetries = 0;
  private nExhausted = 0;

  /** Use {@link createRetry}, which validates the options. */
  constructor(options: z.output<typeof retryOptionsSchema>, deps: RetryDeps = {}) {
    this.options = options;
    this.shouldRetry = deps.shouldRetry ?? (() => true);
    this.random = deps.random ?? Math.random;
    this.timers = deps.timers ?? systemTimers;
  }

  /** Counters since creation. */
  get stats(): RetryStats {
    return { executions: this.nExecutions, retries: this.nRetries, exhausted: this.nExhausted };
  }

  /**
   * Runs `fn`, retrying failures.
   *
   * @returns The first successful result.
   * @throws The last error (as a rejection) when attempts run out or `shouldRetry` says no; the
   * signal's reason when the caller aborts (before the first attempt included).
   * @example
   * ```ts
   * const retry = createRetry({ maxAttempts: 4, initialDelayMs: 50, jitter: 'decorrelated' });
   * await retry.execute(({ attempt }) => send(message, attempt));
   * ```
   */
  async execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> {
    this.nExecutions++;
    let backoff: Backoff | undefined; // made on the first failure: the success path allocates none
    const max = this.options.maxAttempts;
    const ctxSignal = signal ?? neverAbortedSignal();
    for (let attempt = 1; ; attempt++) {
      // Like Bulkhead and Timeout: an aborted caller gets no (further) attempt.
      if (signal?.aborted) throw signal.reason;
      try {
        return await invoke(fn, { signal: ctxSignal, attempt });
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        let again = attempt < max;
        if (again) {
          try {
            again = this.shouldRetry(error, attempt);
          } catch {
            again = false;
          }
        }
        if (!again) {
          this.nExhausted++;
          throw error;
        }
      }
      this.nRetries++;
      backoff ??= createBackoff(this.options, this.random);
      await sleep(this.timers, backoff.next(attempt), signal);
    }
  }
}

/**
 * Creates a {@link Retry} policy.
 *
 * @throws {ConfigError} when an option is invalid (the issue names the field).
 * @example
 * ```ts
 * const pipeline = wrap(createRetry({ maxAttempts: 3 }), breaker, createTimeout({ timeoutMs: 200 }));
 * ```
 */
export function createRetry(options: RetryOptions = {}, deps: RetryDeps = {}): Retry {
  return new Retry(parseOptions(retryOptionsSchema, options, { source: 'createRetry' }), deps);
}
