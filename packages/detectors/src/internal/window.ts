import type { StateReader } from './state.js';

/**
 * A fixed window of numbers with running sum and sum of squares, recomputed exactly every
 * `capacity` pushes so floating-point drift stays bounded. Allocation-free after construction.
 */
export class StatsWindow {
  readonly capacity: number;
  readonly data: Float64Array;
  start = 0;
  count = 0;
  sum = 0;
  sumSq = 0;
  private sinceExact = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.count < this.capacity) {
      this.data[(this.start + this.count) % this.capacity] = v;
      this.count++;
    } else {
      const old = this.data[this.start]!;
      this.data[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
      this.sum -= old;
      this.sumSq -= old * old;
    }
    this.sum += v;
    this.sumSq += v * v;
    if (++this.sinceExact >= this.capacity) this.recompute();
  }

  /** Value i, oldest first. */
  at(i: number): number {
    return this.data[(this.start + i) % this.capacity]!;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Population standard deviation. */
  std(): number {
    if (this.count < 2) return 0;
    const m = this.sum / this.count;
    const v = this.sumSq / this.count - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  recompute(): void {
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.count; i++) {
      const v = this.at(i);
      s += v;
      q += v * v;
    }
    this.sum = s;
    this.sumSq = q;
    this.sinceExact = 0;
  }

  /** Serialisable state that restores the running sums bit for bit. */
  toJSON(): { values: number[]; sum: number; sumSq: number; sinceExact: number } {
    return { values: this.values(), sum: this.sum, sumSq: this.sumSq, sinceExact: this.sinceExact };
  }

  /**
   * Restores the {@link StatsWindow.toJSON} output saved as field `key` of `r`. A plain array of
   * values (the older form) is accepted too; the running sums are then recomputed.
   *
   * @throws {DetectorStateError} when the field is missing, has more values than the capacity, or
   * any field is not a finite number.
   */
  restore(r: StateReader, key: string): void {
    if (Array.isArray(r.o[key])) {
      this.load(r.nums(key, { max: this.capacity }));
      return;
    }
    const w = r.obj(key);
    this.load(w.nums('values', { max: this.capacity }));
    this.sum = w.num('sum');
    this.sumSq = w.num('sumSq', 'nonNegative');
    const since = w.num('sinceExact', 'count');
    if (since > this.capacity) w.fail('sinceExact', `must be at most ${this.capacity}`);
    this.sinceExact = since;
  }

  values(): number[] {
    const out = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i);
    return out;
  }

  load(values: readonly number[]): void {
    this.start = 0;
    this.count = 0;
    for (const v of values.slice(-this.capacity)) {
      this.data[this.count++] = v;
    }
    this.recompute();
  }
}
