/** What every protected function receives: the call's `AbortSignal` and, under retry, the attempt. */
export interface CallContext {
  /**
   * Aborted when the call is abandoned (timeout, a caller's signal). Pass it to `fetch`, database
   * drivers and timers so abandoned work stops.
   */
  readonly signal: AbortSignal;
  /**
   * 1-based attempt number when running under a retry policy (directly, or as any layer of
   * `wrap`).
   */
  readonly attempt?: number;
}

/** A protected function: may return a value, a promise, or throw synchronously. */
export type Protected<T> = (context: CallContext) => T | PromiseLike<T>;

/**
 * Anything that can run a function under a resilience rule: a breaker, timeout, bulkhead, retry
 * or a {@link wrap}ped pipeline of them.
 */
export interface Policy {
  /**
   * Runs `fn` under this policy.
   *
   * @param signal - A caller's signal: when it aborts, the call is abandoned with its reason.
   * @returns A promise of `fn`'s result. A synchronous throw becomes a rejection; a non-promise
   * return value is wrapped.
   */
  execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T>;
}

let neverAborted: AbortSignal | undefined;

/**
 * A signal that never aborts, shared by every call that has no timeout and no caller signal, so
 * that no `AbortController` is created for them.
 */
export function neverAbortedSignal(): AbortSignal {
  neverAborted ??= new AbortController().signal;
  return neverAborted;
}

let sharedContext: CallContext | undefined;

/** The shared context of calls without a signal (internal; one object for every such call). */
export function plainContext(): CallContext {
  sharedContext ??= Object.freeze({ signal: neverAbortedSignal() });
  return sharedContext;
}
