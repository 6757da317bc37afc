/**
 * A fixed-capacity ring of numbers (Float64Array): the bounded window most detectors and
 * predictors keep. Pushing beyond capacity overwrites the oldest value.
 *
 * @example
 * ```ts
 * const ring = new RingBuffer(3);
 * [1, 2, 3, 4].forEach((v) => ring.push(v));
 * ring.toArray(); // [2, 3, 4]
 * ```
 */
export class RingBuffer {
  /** Most values the ring holds (a positive integer). */
  readonly capacity: number;
  private readonly data: Float64Array;
  private start = 0;
  private count = 0;

  /** @throws {RangeError} when `capacity` is not a positive integer. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingBuffer: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.data = new Float64Array(capacity);
  }

  /** Number of values held. */
  get size(): number {
    return this.count;
  }

  /** True when `size === capacity`. */
  get full(): boolean {
    return this.count === this.capacity;
  }

  /** Appends a value; returns the value it overwrote, or `undefined` when not full. */
  push(value: number): number | undefined {
    if (this.count < this.capacity) {
      this.data[(this.start + this.count) % this.capacity] = value;
      this.count++;
      return undefined;
    }
    const old = this.data[this.start]!;
    this.data[this.start] = value;
    this.start = (this.start + 1) % this.capacity;
    return old;
  }

  /** The `i`-th value, oldest first (`at(-1)` is the newest); `undefined` out of range. */
  at(i: number): number | undefined {
    const j = i < 0 ? this.count + i : i;
    if (j < 0 || j >= this.count) return undefined;
    return this.data[(this.start + j) % this.capacity];
  }

  /** Removes every value. */
  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  /** The values, oldest first, as a new array. */
  toArray(): number[] {
    const out = new Array<number>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.data[(this.start + i) % this.capacity]!;
    return out;
  }

  /** Serialisable state: `{ capacity, values }`. */
  toJSON(): {
    /** The ring's capacity. */
    capacity: number;
    /** The values held, oldest first (at most `capacity`). */
    values: number[];
  } {
    return { capacity: this.capacity, values: this.toArray() };
  }

  /** Rebuilds a ring from {@link RingBuffer.toJSON} output. */
  static fromJSON(state: { capacity: number; values: readonly number[] }): RingBuffer {
    const ring = new RingBuffer(state.capacity);
    for (const v of state.values.slice(-state.capacity)) ring.push(v);
    return ring;
  }
}
