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
  /** Read when the shared timer fires (never per call). Default: `monotonicClock`. */
  readonly clock?: Clock;
  /** Drives the shared tick while calls are pending. Default: {@link systemTimers}. */
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

  /** The tick number at which the call expires. */
  expiresAt = 0;
  /** The tick number current when the call started. */
  startEpoch = 0;
  /** True for the call that started the ticker: its start time is known exactly. */
  exact = false;

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
 * No clock read and no timer per call: calls sit in a list in start order, and one timer per
 * policy ticks every `timeoutMs / 16` while any call is pending (it stops when none is). A call
 * expires 16 ticks after the tick it started in plus one more when it did not start the ticker,
 * so it is abandoned between `timeoutMs` and `timeoutMs × 17/16` after it started (later if the
 * host's timers run late) — never early. A call creates an `AbortController` only if the
 * function reads `signal`. A call that never settles is rejected when it expires; its eventual
 * result is dropped. A synchronous throw or a plain
 * return value settles the call at once. A caller's `signal` abandons the call with its reason.
 */
export class Timeout implements Policy {
  /** The configured timeout in milliseconds. */
  readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private head: PendingCall | undefined = undefined;
  private tail: PendingCall | undefined = undefined;
  /** Ticks per timeout, and the tick length. */
  private readonly ticks: number;
  private readonly tickMs: number;
  private epoch = 0;
  private ticking = false;
  private tickingSince = 0;
  private epochAtStart = 0;
  private pendingCount = 0;
  private timedOutCount = 0;
  private readonly onTimer = (): void => this.tick();

  /** Use {@link createTimeout}, which validates the options. */
  constructor(timeoutMs: number, deps: TimeoutDeps = {}) {
    this.timeoutMs = timeoutMs;
    this.clock = deps.clock ?? monotonicClock;
    this.timers = deps.timers ?? systemTimers;
    // Ticks of at least 1 ms (the host timer resolution), at most 16 per timeout.
    this.ticks = Math.max(1, Math.min(16, Math.floor(timeoutMs)));
    this.tickMs = timeoutMs / this.ticks;
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
    const call = new PendingCall();
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
    call.startEpoch = this.epoch;
    if (this.ticking) {
      // Started somewhere after the last tick: provisional, made exact-or-later at the next tick.
      call.expiresAt = this.epoch + this.ticks + 1;
    } else {
      this.startTicking();
      call.exact = true;
      call.expiresAt = this.epoch + this.ticks;
    }
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

  private startTicking(): void {
    this.ticking = true;
    this.tickingSince = this.clock.now();
    this.epochAtStart = this.epoch;
    this.timers.setTimeout(this.onTimer, this.tickMs);
  }

  private tick(): void {
    const now = this.clock.now();
    // Catch up when the timer ran late; never move backwards.
    const elapsedTicks = (now - this.tickingSince) / this.tickMs;
    const due = this.epochAtStart + Math.floor(elapsedTicks + 1e-9);
    // Calls started since the last tick started at the latest `now`: they must not expire before
    // the first tick boundary at least `ticks` ticks after now. Each call is visited once, here.
    const safe = this.epochAtStart + Math.ceil(elapsedTicks - 1e-9) + this.ticks;
    const previous = this.epoch;
    for (let c = this.tail; c !== undefined && c.startEpoch === previous; c = c.prev) {
      if (!c.exact && c.expiresAt < safe) c.expiresAt = safe;
    }
    if (due > this.epoch) this.epoch = due;
    let call = this.head;
    while (call !== undefined && call.expiresAt <= this.epoch) {
      const expired = call;
      call = call.next;
      this.finish(expired);
      this.timedOutCount++;
      const error = new TimeoutError(this.timeoutMs);
      expired.abort(error);
      expired.reject?.(error);
    }
    if (this.head === undefined) {
      this.ticking = false;
      return;
    }
    const nextAt = this.tickingSince + (this.epoch - this.epochAtStart + 1) * this.tickMs;
    this.timers.setTimeout(this.onTimer, Math.max(0, nextAt - now));
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
