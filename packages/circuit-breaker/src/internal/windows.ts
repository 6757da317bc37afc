/**
 * Failure windows of the breaker. Each records one call in O(1) time (the time window's work is
 * bounded by its bucket count) without allocating, and answers "should the breaker trip?".
 */

/** Counts of the calls currently in a window. */
export interface WindowCounts {
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

/** Trip rule shared by the sliding windows. */
export class RateRule {
  constructor(
    readonly minimumCalls: number,
    readonly failureRateThreshold: number,
    /** `Infinity` disables the slow-call rule. */
    readonly slowCallRateThreshold: number,
  ) {}

  /** True when the window holds enough calls and a rate is at or over its threshold. */
  trips(calls: number, failures: number, slow: number): boolean {
    if (calls < this.minimumCalls || calls === 0) return false;
    // Compare the rates themselves, as documented and as the snapshot reports them: the product
    // `threshold * calls` can round up (0.07 * 100 = 7.000000000000001), so a window exactly at
    // the threshold would not trip. A correctly rounded quotient equals the threshold then.
    return (
      failures / calls >= this.failureRateThreshold || slow / calls >= this.slowCallRateThreshold
    );
  }
}

/** Serialised window contents (see the breaker's `toJSON`). */
export type WindowJSON =
  | { readonly type: 'consecutive'; readonly failures: number }
  | { readonly type: 'count'; readonly size: number; readonly outcomes: readonly number[] }
  | {
      readonly type: 'time';
      readonly buckets: number;
      readonly headStart: number;
      readonly head: number;
      readonly calls: readonly number[];
      readonly failures: readonly number[];
      readonly slow: readonly number[];
    };

export interface FailureWindow {
  readonly type: 'consecutive' | 'count' | 'time';
  /** True when the time window needs `now`; the others ignore it. */
  readonly needsTime: boolean;
  /** Records one call; returns true when the breaker should trip. */
  record(failure: boolean, slow: boolean, now: number): boolean;
  counts(now: number): WindowCounts;
  reset(): void;
  toJSON(): WindowJSON;
  /** Restores contents; returns an error message when `json` does not fit this window. */
  restore(json: WindowJSON): string | undefined;
}

/** Trips after `threshold` failures in a row; a success resets the run. */
export class ConsecutiveWindow implements FailureWindow {
  readonly type = 'consecutive' as const;
  readonly needsTime = false;
  private run = 0;

  constructor(private readonly threshold: number) {}

  record(failure: boolean): boolean {
    if (!failure) {
      this.run = 0;
      return false;
    }
    this.run = this.run + 1;
    return this.run >= this.threshold;
  }

  counts(): WindowCounts {
    return { calls: this.run, failures: this.run, slow: 0 };
  }

  reset(): void {
    this.run = 0;
  }

  toJSON(): WindowJSON {
    return { type: 'consecutive', failures: this.run };
  }

  restore(json: WindowJSON): string | undefined {
    if (json.type !== 'consecutive') return `expected a consecutive window, got ${json.type}`;
    if (!Number.isInteger(json.failures) || json.failures < 0)
      return 'failures must be an integer ≥ 0';
    this.run = json.failures;
    return undefined;
  }
}

const FAILURE = 1;
const SLOW = 2;

/** The last `size` calls, in a ring of outcome flags with running totals. */
export class CountWindow implements FailureWindow {
  readonly type = 'count' as const;
  readonly needsTime = false;
  private readonly ring: Uint8Array;
  private next = 0;
  private filled = 0;
  private failures = 0;
  private slow = 0;

  constructor(
    private readonly size: number,
    private readonly rule: RateRule,
  ) {
    this.ring = new Uint8Array(size);
  }

  record(failure: boolean, slow: boolean): boolean {
    const i = this.next;
    if (this.filled === this.size) {
      const old = this.ring[i]!;
      if (old & FAILURE) this.failures -= 1;
      if (old & SLOW) this.slow -= 1;
    } else {
      this.filled += 1;
    }
    const flags = (failure ? FAILURE : 0) | (slow ? SLOW : 0);
    this.ring[i] = flags;
    if (failure) this.failures += 1;
    if (slow) this.slow += 1;
    this.next = i + 1 === this.size ? 0 : i + 1;
    return this.rule.trips(this.filled, this.failures, this.slow);
  }

  counts(): WindowCounts {
    return { calls: this.filled, failures: this.failures, slow: this.slow };
  }

  reset(): void {
    this.ring.fill(0);
    this.next = 0;
    this.filled = 0;
    this.failures = 0;
    this.slow = 0;
  }

  toJSON(): WindowJSON {
    // Oldest first, so a restore into a fresh ring keeps the order.
    const outcomes: number[] = [];
    const start = this.filled === this.size ? this.next : 0;
    for (let k = 0; k < this.filled; k++) outcomes.push(this.ring[(start + k) % this.size]!);
    return { type: 'count', size: this.size, outcomes };
  }

  restore(json: WindowJSON): string | undefined {
    if (json.type !== 'count') return `expected a count window, got ${json.type}`;
    if (json.size !== this.size)
      return `window size ${json.size} does not match the configured ${this.size}`;
    if (json.outcomes.length > this.size) return 'more outcomes than the window holds';
    if (json.outcomes.some((o) => !Number.isInteger(o) || o < 0 || o > 3))
      return 'outcomes must be integers 0..3';
    this.reset();
    for (const o of json.outcomes) this.record((o & FAILURE) !== 0, (o & SLOW) !== 0);
    return undefined;
  }
}

/**
 * The calls of the last `durationMs`, in `buckets` buckets of equal width (a bucketed ring). A
 * bucket is dropped whole when it ages out, so the window covers between `durationMs - width`
 * and `durationMs` of history.
 */
export class TimeWindow implements FailureWindow {
  readonly type = 'time' as const;
  readonly needsTime = true;
  private readonly calls: Int32Array;
  private readonly failures: Int32Array;
  private readonly slowCalls: Int32Array;
  private readonly width: number;
  private head = 0;
  /**
   * Bucket boundaries are `origin + k × width` for whole k, and `headIndex` is the k of the
   * current bucket. Indexes are computed from the origin rather than by adding `width` step
   * by step, which would drift by rounding when `width` is not a whole number (100 ms in 3
   * buckets) and keep a call alive past the end of the window.
   */
  private origin = Number.NaN;
  private headIndex = 0;
  private totalCalls = 0;
  private totalFailures = 0;
  private totalSlow = 0;

  constructor(
    durationMs: number,
    private readonly buckets: number,
    private readonly rule: RateRule,
  ) {
    this.width = durationMs / buckets;
    this.calls = new Int32Array(buckets);
    this.failures = new Int32Array(buckets);
    this.slowCalls = new Int32Array(buckets);
  }

  private advance(now: number): void {
    if (Number.isNaN(this.origin)) {
      this.origin = now;
      this.headIndex = 0;
      return;
    }
    // The same division for every read, so a time is always in the same bucket (comparing
    // with a precomputed boundary can disagree with it by one rounding step).
    const index = Math.floor((now - this.origin) / this.width);
    if (index <= this.headIndex) return; // also covers a clock that went backwards
    const steps = index - this.headIndex;
    this.headIndex = index;
    if (steps >= this.buckets) {
      this.clearAll();
      return;
    }
    for (let s = 0; s < steps; s++) {
      const h = this.head + 1 === this.buckets ? 0 : this.head + 1;
      this.totalCalls -= this.calls[h]!;
      this.totalFailures -= this.failures[h]!;
      this.totalSlow -= this.slowCalls[h]!;
      this.calls[h] = 0;
      this.failures[h] = 0;
      this.slowCalls[h] = 0;
      this.head = h;
    }
  }

  private clearAll(): void {
    this.calls.fill(0);
    this.failures.fill(0);
    this.slowCalls.fill(0);
    this.totalCalls = 0;
    this.totalFailures = 0;
    this.totalSlow = 0;
  }

  record(failure: boolean, slow: boolean, now: number): boolean {
    this.advance(now);
    const h = this.head;
    this.calls[h] = this.calls[h]! + 1;
    this.totalCalls += 1;
    if (failure) {
      this.failures[h] = this.failures[h]! + 1;
      this.totalFailures += 1;
    }
    if (slow) {
      this.slowCalls[h] = this.slowCalls[h]! + 1;
      this.totalSlow += 1;
    }
    return this.rule.trips(this.totalCalls, this.totalFailures, this.totalSlow);
  }

  counts(now: number): WindowCounts {
    // Reading must not anchor the buckets: they start at the first recorded call.
    if (!Number.isNaN(this.origin)) this.advance(now);
    return { calls: this.totalCalls, failures: this.totalFailures, slow: this.totalSlow };
  }

  reset(): void {
    this.clearAll();
    this.head = 0;
    this.origin = Number.NaN;
    this.headIndex = 0;
  }

  toJSON(): WindowJSON {
    return {
      type: 'time',
      buckets: this.buckets,
      headStart: Number.isNaN(this.origin) ? -1 : this.origin + this.headIndex * this.width,
      head: this.head,
      calls: Array.from(this.calls),
      failures: Array.from(this.failures),
      slow: Array.from(this.slowCalls),
    };
  }

  restore(json: WindowJSON): string | undefined {
    if (json.type !== 'time') return `expected a time window, got ${json.type}`;
    const n = this.buckets;
    if (json.buckets !== n)
      return `bucket count ${json.buckets} does not match the configured ${n}`;
    if (json.calls.length !== n || json.failures.length !== n || json.slow.length !== n)
      return `calls, failures and slow must each have ${n} entries`;
    if (!Number.isInteger(json.head) || json.head < 0 || json.head >= n)
      return `head must be an integer in 0..${n - 1}`;
    for (let i = 0; i < n; i++) {
      const c = json.calls[i]!;
      const f = json.failures[i]!;
      const s = json.slow[i]!;
      if (![c, f, s].every((v) => Number.isInteger(v) && v >= 0) || f > c || s > c)
        return `bucket ${i} must hold integers with failures and slow ≤ calls`;
    }
    this.reset();
    this.calls.set(json.calls);
    this.failures.set(json.failures);
    this.slowCalls.set(json.slow);
    for (let i = 0; i < n; i++) {
      this.totalCalls += json.calls[i]!;
      this.totalFailures += json.failures[i]!;
      this.totalSlow += json.slow[i]!;
    }
    this.head = json.head;
    // The saved bucket start becomes the origin of the restored boundaries.
    this.origin = json.headStart < 0 ? Number.NaN : json.headStart;
    this.headIndex = 0;
    return undefined;
  }
}
