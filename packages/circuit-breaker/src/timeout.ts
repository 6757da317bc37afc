import { z } from 'zod';
import { monotonicClock, parseOptions, type Clock } from '@homeostat/core';
import { TimeoutError } from './errors.js';
import { isThenable } from './internal/invoke.js';
import type { CallContext, Policy, Protected } from './policy.js';
import { systemTimers, type Timers } from './timers.js';

/** zod schema of {@link TimeoutOptions}. */
export const timeoutOptionsSchema = z
  .object({
    /** Milliseconds a call may take before it is abandoned (at most 2^31 - 1, the timer limit). */
    timeoutMs: z.number().finite().positive().max(2_147_483_647),
  })
  .strict();

/** Options of {@link createTimeout}. */
export type TimeoutOptions = z.input<typeof timeoutOptionsSchema>;

/** Capabilities of a timeout: time and timers. */
export interface TimeoutDeps {
  /** Used to compute deadlines. Default: `monotonicClock`. */
  readonly clock?: Clock;
  /** Used to wake up at the earliest deadline. Default: {@link systemTimers}. */
  readonly timers?: Timers;
}

/**
 * One running call: its own context (with a lazily created signal) and a node of the deadline list.
 */
class PendingCall implements CallContext {
  prev: PendingCall | undefined = undefined;
  next: PendingCall | undefined = undefined;
  done = false;
  reject: ((error: unknown) => void) | undefined = undefined;
  private controller: AbortController | undefined = undefined;
  private abortReason: unknown = undefined;
  private aborted = false;
  parent: AbortSignal | undefined = undefined;
  onParentAbort: (() => void) | undefined = undefined;

  constructor(readonly deadline: number) {}

  /** Created on first read, so calls that never look at it cost no `AbortController`. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }
}

/**
 * A timeout policy: abandons a call that runs longer than `timeoutMs`, rejecting with
 * {@link TimeoutError} and aborting the call's `signal`.
 *
 * @remarks
 * Calls sit in a list ordered by deadline, and one timer (per policy, not per call) is armed for
 * the earliest deadline, so the success path sets and clears no timer at all and a call creates
 * an `AbortController` only if the function reads `signal`. A call that never settles is
 * rejected at its deadline; its eventual result is dropped. A synchronous throw or a plain
 * return value settles the call at once. A caller's `signal` abandons the call with its reason.
 */
export class Timeout implements Policy {
  /** The configured timeout in milliseconds. */
  readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private head: PendingCall | undefined = undefined;
  private tail: PendingCall | undefined = undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private pendingCount = 0;
  private timedOutCount = 0;
  private readonly onTimer = (): void => this.expire();

  /** Use {@link createTimeout}, which validates the options. */
  constructor(timeoutMs: number, deps: TimeoutDeps = {}) {
    this.timeoutMs = timeoutMs;
    this.clock = deps.clock ?? monotonicClock;
    this.timers = deps.timers ?? systemTimers;
  }

  /** Calls running now. */
  get pending(): number {
    return this.pendingCount;
  }

  /** Calls abandoned at their deadline since creation. */
  get timedOut(): number {
    return this.timedOutCount;
  }

  /**
   * Runs `fn` with a deadline.
   *
   * @returns `fn`'s result, or a rejection with {@link TimeoutError} at the deadline, or with the
   * caller's `signal.reason` when it aborts first.
   * @example
   * ```ts
   * const timeout = createTimeout({ timeoutMs: 500 });
   * const body = await timeout.execute(({ signal }) => fetch(url, { signal }).then((r) => r.text()));
   * ```
   */
  execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    const call = new PendingCall(this.clock.now() + this.timeoutMs);
    let result: T | PromiseLike<T>;
    this.link(call);
    try {
      result = fn(call);
    } catch (error) {
      if (!call.done) this.finish(call);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own error passes through unchanged
      return Promise.reject(error);
    }
    if (!isThenable(result)) {
      if (!call.done) this.finish(call);
      return Promise.resolve(result);
    }
    if (call.done) {
      // The function itself drove time past the deadline (a synchronous manual clock).
      return Promise.reject(new TimeoutError(this.timeoutMs));
    }
    if (signal !== undefined) this.watchParent(call, signal);
    return new Promise<T>((resolve, reject) => {
      call.reject = reject;
      result.then(
        (value) => {
          if (call.done) return;
          this.finish(call);
          resolve(value);
        },
        (error: unknown) => {
          if (call.done) return;
          this.finish(call);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own error passes through unchanged
          reject(error);
        },
      );
    });
  }

  private watchParent(call: PendingCall, parent: AbortSignal): void {
    call.parent = parent;
    call.onParentAbort = () => {
      if (call.done) return;
      const reason: unknown = parent.reason;
      this.finish(call);
      call.abort(reason);
      call.reject?.(reason);
    };
    parent.addEventListener('abort', call.onParentAbort, { once: true });
  }

  private link(call: PendingCall): void {
    this.pendingCount++;
    if (this.tail === undefined) {
      this.head = this.tail = call;
    } else {
      call.prev = this.tail;
      this.tail.next = call;
      this.tail = call;
    }
    if (this.armedFor === Number.POSITIVE_INFINITY) this.arm(call.deadline);
  }

  /** Marks a call settled and unlinks it; O(1). The shared timer is left alone. */
  private finish(call: PendingCall): void {
    call.done = true;
    this.pendingCount--;
    const { prev, next } = call;
    if (prev === undefined) this.head = next;
    else prev.next = next;
    if (next === undefined) this.tail = prev;
    else next.prev = prev;
    call.prev = call.next = undefined;
    if (call.onParentAbort !== undefined) {
      call.parent?.removeEventListener('abort', call.onParentAbort);
      call.onParentAbort = undefined;
      call.parent = undefined;
    }
  }

  private arm(deadline: number): void {
    this.armedFor = deadline;
    const delay = Math.max(0, deadline - this.clock.now());
    this.timers.setTimeout(this.onTimer, delay);
  }

  private expire(): void {
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let call = this.head;
    while (call !== undefined && call.deadline <= now) {
      const expired = call;
      call = call.next;
      this.finish(expired);
      this.timedOutCount++;
      const error = new TimeoutError(this.timeoutMs);
      expired.abort(error);
      expired.reject?.(error);
    }
    if (this.head !== undefined) this.arm(this.head.deadline);
  }
}

/**
 * Creates a {@link Timeout} policy.
 *
 * @throws {ConfigError} when `timeoutMs` is missing, not positive or above 2^31 - 1.
 * @example
 * ```ts
 * const guarded = wrap(createCircuitBreaker({ name: 'db' }), createTimeout({ timeoutMs: 250 }));
 * await guarded.execute(({ signal }) => db.query(sql, { signal }));
 * ```
 */
export function createTimeout(options: TimeoutOptions, deps: TimeoutDeps = {}): Timeout {
  const { timeoutMs } = parseOptions(timeoutOptionsSchema, options, { source: 'createTimeout' });
  return new Timeout(timeoutMs, deps);
}
