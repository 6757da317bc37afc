/** Sliding-window counter: at most `count` events per `windowMs`. Memory is bounded by `count`. */
export class SlidingWindow {
  readonly #times: number[] = [];
  constructor(
    readonly count: number,
    readonly windowMs: number,
  ) {}

  #prune(now: number): void {
    while (this.#times.length > 0 && this.#times[0]! <= now - this.windowMs) this.#times.shift();
  }

  /** True when one more event fits now. */
  allows(now: number): boolean {
    this.#prune(now);
    return this.#times.length < this.count;
  }

  /** Records an event (call only after `allows`). */
  record(now: number): void {
    this.#prune(now);
    this.#times.push(now);
    if (this.#times.length > this.count) this.#times.shift();
  }

  /** Milliseconds until one more event fits. */
  retryInMs(now: number): number {
    this.#prune(now);
    return this.#times.length < this.count ? 0 : this.#times[0]! + this.windowMs - now;
  }
}

/** Last-run times per key with a bound; expired entries are evicted first, then the oldest. */
export class CooldownStore {
  readonly #until = new Map<string, number>();
  evicted = 0;
  constructor(readonly maxEntries: number) {}

  /** Milliseconds left on `key`'s cooldown (0 when none). */
  remaining(key: string, now: number): number {
    const until = this.#until.get(key);
    if (until === undefined) return 0;
    if (until <= now) {
      this.#until.delete(key);
      return 0;
    }
    return until - now;
  }

  /** Starts a cooldown of `ms` on `key`. */
  start(key: string, now: number, ms: number): void {
    if (ms <= 0) return;
    this.#until.delete(key);
    this.#until.set(key, now + ms);
    if (this.#until.size <= this.maxEntries) return;
    for (const [k, until] of this.#until) {
      if (until <= now) {
        this.#until.delete(k);
        return;
      }
    }
    const oldest = this.#until.keys().next().value;
    if (oldest !== undefined) {
      this.#until.delete(oldest);
      this.evicted++;
    }
  }

  get size(): number {
    return this.#until.size;
  }
}

/** FIFO mutex per key: callers for one key run one at a time, in arrival order. */
export class KeyedMutex {
  readonly #waiters = new Map<string, (() => void)[]>();

  /** Resolves when `key` is ours. */
  acquire(key: string): Promise<void> {
    const queue = this.#waiters.get(key);
    if (!queue) {
      this.#waiters.set(key, []);
      return Promise.resolve();
    }
    return new Promise((resolve) => queue.push(resolve));
  }

  /** Hands `key` to the next waiter, or frees it. */
  release(key: string): void {
    const queue = this.#waiters.get(key);
    if (!queue) return;
    const next = queue.shift();
    if (next) next();
    else this.#waiters.delete(key);
  }

  /** Keys held or waited on. */
  get size(): number {
    return this.#waiters.size;
  }
}

/** Counting semaphore with a FIFO of waiters. */
export class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];
  constructor(size: number) {
    this.#free = size;
  }

  acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}
