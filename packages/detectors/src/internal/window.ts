import type { StateReader } from './state.js';

/**
 * Share of the peak sum of squares (since the last exact recompute) below which the spread held
 * in the running sums is no longer trusted: the rounding of sums that once held that peak (about
 * 1e-16 of it per push) could then be a noticeable part of it.
 */
const CANCELLATION = 1e-6;

/**
 * A fixed window of numbers with running sums, allocation-free after construction.
 *
 * @remarks
 * The sums are of deviations from a shift (the window's mean at the last exact recompute, or its
 * first value), not of raw values: `Σx²/n − mean²` on raw values loses every digit of the
 * variance when the mean is large next to the spread (1e9 ± 1 has a variance of 1 and
 * `Σx²/n ≈ 1e18`, whose rounding alone is ~100). The sums are recomputed exactly every
 * `capacity` pushes so drift stays bounded, and also as soon as the spread they hold falls far
 * below the largest sum of squares they held since (a single large value has left the window:
 * subtracting its square left rounding of its size behind, which would read as spread, or as
 * none; or the values have moved far from the shift).
 */
export class StatsWindow {
  readonly capacity: number;
  readonly data: Float64Array;
  start = 0;
  count = 0;
  /** The value the running sums are taken about. */
  shift = 0;
  /** Σ (x − shift) over the window. */
  sum = 0;
  /** Σ (x − shift)² over the window. */
  sumSq = 0;
  /** Largest `sumSq` since the last exact recompute. */
  private peakSq = 0;
  private sinceExact = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.data = new Float64Array(capacity);
  }

  push(v: number): void {
    if (this.count === 0) this.shift = v;
    const d = v - this.shift;
    if (this.count < this.capacity) {
      this.data[(this.start + this.count) % this.capacity] = v;
      this.count++;
    } else {
      const old = this.data[this.start]! - this.shift;
      this.data[this.start] = v;
      this.start = (this.start + 1) % this.capacity;
      this.sum -= old;
      this.sumSq -= old * old;
    }
    this.sum += d;
    this.sumSq += d * d;
    if (this.sumSq > this.peakSq) this.peakSq = this.sumSq;
    // n·variance = Σd² − (Σd)²/n; far below the peak, it is mostly rounding: recompute.
    const spread = this.sumSq - this.sum * (this.sum / this.count);
    if (++this.sinceExact >= this.capacity || spread < CANCELLATION * this.peakSq) {
      this.recompute();
    }
  }

  /** Value i, oldest first. */
  at(i: number): number {
    return this.data[(this.start + i) % this.capacity]!;
  }

  mean(): number {
    return this.count === 0 ? 0 : this.shift + this.sum / this.count;
  }

  /** Population standard deviation. */
  std(): number {
    if (this.count < 2) return 0;
    const m = this.sum / this.count;
    const v = this.sumSq / this.count - m * m;
    return v > 0 ? Math.sqrt(v) : 0;
  }

  /** Recomputes the sums exactly, about the window's mean. */
  recompute(): void {
    if (this.count > 0) {
      let s = 0;
      for (let i = 0; i < this.count; i++) s += this.at(i);
      this.shift = s / this.count;
    }
    let s = 0;
    let q = 0;
    for (let i = 0; i < this.count; i++) {
      const d = this.at(i) - this.shift;
      s += d;
      q += d * d;
    }
    this.sum = s;
    this.sumSq = q;
    this.peakSq = q;
    this.sinceExact = 0;
  }

  /** Serialisable state that restores the running sums bit for bit. */
  toJSON(): {
    values: number[];
    shift: number;
    sum: number;
    sumSq: number;
    peakSq: number;
    sinceExact: number;
  } {
    return {
      values: this.values(),
      shift: this.shift,
      sum: this.sum,
      sumSq: this.sumSq,
      peakSq: this.peakSq,
      sinceExact: this.sinceExact,
    };
  }

  /**
   * Restores the {@link StatsWindow.toJSON} output saved as field `key` of `r`. Older forms are
   * accepted too, with the sums recomputed from the values: a plain array of values, and an
   * object without `shift` and `peakSq` (sums of raw values).
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
    // The older object form: sums of raw values, recomputed by `load`.
    if (!('shift' in w.o) && !('peakSq' in w.o)) return;
    this.shift = w.num('shift');
    this.sum = w.num('sum');
    // Rounding can leave a running sum of squares a little below 0 once a large value has left.
    this.sumSq = w.num('sumSq');
    this.peakSq = w.num('peakSq', 'nonNegative');
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
