import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import { BulkheadRejectedError } from './errors.js';
import { invoke } from './internal/invoke.js';
import { plainContext, type Policy, type Protected } from './policy.js';

/** zod schema of {@link BulkheadOptions}. */
export const bulkheadOptionsSchema = z
  .object({
    /** Calls allowed to run at once. */
    maxConcurrent: z.number().int().min(1),
    /** Calls allowed to wait for a slot; more are refused. Default 0. */
    maxQueue: z.number().int().min(0).default(0),
  })
  .strict();

/** Options of {@link createBulkhead}. */
export type BulkheadOptions = z.input<typeof bulkheadOptionsSchema>;

/** Counters and gauges of a bulkhead. */
export interface BulkheadStats {
  /** Calls running now (at most `maxConcurrent`). */
  readonly active: number;
  /** Calls waiting for a slot now (at most `maxQueue`). */
  readonly queued: number;
  /** Calls started since creation. */
  readonly executed: number;
  /** Calls refused because slots and queue were full. */
  readonly rejected: number;
  /** Queued calls abandoned by their caller's signal before starting. */
  readonly abandoned: number;
}

interface Waiter {
  prev: Waiter | undefined;
  next: Waiter | undefined;
  start(): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * A bulkhead: limits how many calls run at once, with a bounded FIFO queue for the rest.
 *
 * @remarks
 * A queued call whose caller's `signal` aborts leaves the queue at once (O(1)) and rejects with
 * the signal's reason. A call over the queue bound rejects with {@link BulkheadRejectedError}.
 */
export class Bulkhead implements Policy {
  /** Calls allowed to run at once. */
  readonly maxConcurrent: number;
  /** Calls allowed to wait. */
  readonly maxQueue: number;
  private active = 0;
  private queued = 0;
  private head: Waiter | undefined = undefined;
  private tail: Waiter | undefined = undefined;
  private nExecuted = 0;
  private nRejected = 0;
  private nAbandoned = 0;

  /** Use {@link createBulkhead}, which validates the options. */
  constructor(options: z.output<typeof bulkheadOptionsSchema>) {
    this.maxConcurrent = options.maxConcurrent;
    this.maxQueue = options.maxQueue;
  }

  /** Gauges and counters. */
  get stats(): BulkheadStats {
    return {
      active: this.active,
      queued: this.queued,
      executed: this.nExecuted,
      rejected: this.nRejected,
      abandoned: this.nAbandoned,
    };
  }

  /**
   * Runs `fn` when a slot is free.
   *
   * @throws {BulkheadRejectedError} (as a rejection) when slots and queue are full.
   * @example
   * ```ts
   * const bulkhead = createBulkhead({ maxConcurrent: 10, maxQueue: 100 });
   * await bulkhead.execute(() => renderPdf(order));
   * ```
   */
  execute<T>(fn: Protected<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason as Error);
    if (this.active < this.maxConcurrent) return this.run(fn, signal);
    if (this.queued >= this.maxQueue) {
      this.nRejected++;
      return Promise.reject(new BulkheadRejectedError(this));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        prev: this.tail,
        next: undefined,
        signal,
        onAbort: undefined,
        start: () => {
          this.run(fn, signal).then(resolve, reject);
        },
      };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.unlink(waiter);
          this.nAbandoned++;
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      if (this.tail === undefined) this.head = waiter;
      else this.tail.next = waiter;
      this.tail = waiter;
      this.queued++;
    });
  }

  private run<T>(fn: Protected<T>, signal: AbortSignal | undefined): Promise<T> {
    this.active++;
    this.nExecuted++;
    const promise = invoke(fn, signal === undefined ? plainContext() : { signal });
    const done = (): void => {
      this.active--;
      this.startNext();
    };
    promise.then(done, done);
    return promise;
  }

  private unlink(w: Waiter): void {
    if (w.prev === undefined) this.head = w.next;
    else w.prev.next = w.next;
    if (w.next === undefined) this.tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = undefined;
    this.queued--;
    if (w.onAbort !== undefined) w.signal?.removeEventListener('abort', w.onAbort);
  }

  private startNext(): void {
    const w = this.head;
    if (w === undefined || this.active >= this.maxConcurrent) return;
    this.unlink(w);
    w.start();
  }
}

/**
 * Creates a {@link Bulkhead}.
 *
 * @throws {ConfigError} when `maxConcurrent` is missing or below 1, or `maxQueue` is negative.
 */
export function createBulkhead(options: BulkheadOptions): Bulkhead {
  return new Bulkhead(parseOptions(bulkheadOptionsSchema, options, { source: 'createBulkhead' }));
}
