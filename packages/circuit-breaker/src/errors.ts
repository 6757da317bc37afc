import { HomeostatError, type BreakerState, type HomeostatErrorOptions } from '@homeostat/core';

/** Error codes raised by `@homeostat/circuit-breaker`. */
export type CircuitBreakerErrorCode =
  'BREAKER_OPEN' | 'TIMEOUT' | 'BULKHEAD_FULL' | 'REGISTRY_FULL';

/**
 * A call was refused because the breaker does not let calls through (open, forced-open, or
 * half-open with every trial permit taken).
 *
 * @example
 * ```ts
 * try { await breaker.execute(callPayments); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'BREAKER_OPEN') serveCached(); }
 * ```
 */
export class BreakerOpenError extends HomeostatError<'BREAKER_OPEN'> {
  /** Name of the breaker that refused the call. */
  readonly breaker: string;
  /** State of the breaker when it refused. */
  readonly state: BreakerState;
  /** Milliseconds until the breaker will next let a trial call through; `Infinity` when forced open. */
  readonly retryAfterMs: number;

  constructor(
    breaker: string,
    detail: { readonly state: BreakerState; readonly retryAfterMs: number },
    options: HomeostatErrorOptions = {},
  ) {
    super(
      'BREAKER_OPEN',
      `Breaker "${breaker}" is ${detail.state} and refused the call` +
        (Number.isFinite(detail.retryAfterMs)
          ? ` (retry after ${Math.ceil(detail.retryAfterMs)} ms)`
          : ''),
      options,
    );
    this.breaker = breaker;
    this.state = detail.state;
    this.retryAfterMs = detail.retryAfterMs;
  }
}

/** A call took longer than its timeout and was abandoned (its `AbortSignal` was aborted). */
export class TimeoutError extends HomeostatError<'TIMEOUT'> {
  /** The timeout that was exceeded, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: HomeostatErrorOptions = {}) {
    super('TIMEOUT', `Call timed out after ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** A bulkhead refused a call because every slot and every queue place was taken. */
export class BulkheadRejectedError extends HomeostatError<'BULKHEAD_FULL'> {
  /** Concurrency limit of the bulkhead. */
  readonly maxConcurrent: number;
  /** Queue bound of the bulkhead. */
  readonly maxQueue: number;

  constructor(limits: { readonly maxConcurrent: number; readonly maxQueue: number }) {
    super(
      'BULKHEAD_FULL',
      `Bulkhead full: ${limits.maxConcurrent} calls running and ${limits.maxQueue} queued`,
    );
    this.maxConcurrent = limits.maxConcurrent;
    this.maxQueue = limits.maxQueue;
  }
}

/** A registry refused a new breaker because it already holds its maximum number. */
export class RegistryFullError extends HomeostatError<'REGISTRY_FULL'> {
  /** The name that was refused. */
  readonly breaker: string;
  /** The registry's bound. */
  readonly maxBreakers: number;

  constructor(breaker: string, maxBreakers: number) {
    super(
      'REGISTRY_FULL',
      `Breaker registry is full (${maxBreakers} breakers); refused to add "${breaker}"`,
    );
    this.breaker = breaker;
    this.maxBreakers = maxBreakers;
  }
}
