/**
 * The bucket of a log-spaced sketch for a value, found without a logarithm.
 *
 * Bucket `i` of a sketch with ratio `gamma` holds the values in
 * `(gamma^(i + offset - 1), gamma^(i + offset)]`; the direct way to find it is
 * `ceil(log(v) / log(gamma)) - offset`, and `Math.log` is most of what recording a value costs.
 * Here a value's binary exponent and the top bits of its mantissa (read from its IEEE 754
 * representation) select a slice of the number line whose lowest bucket is precomputed; the
 * slices are narrower than a bucket, so the value is in that bucket or, past its upper bound,
 * in the next (a loop, so any ratio works).
 */

// The high 32 bits of a double (sign, exponent, top of the mantissa), read through a shared
// scratch buffer in the platform's byte order.
const scratch = new Float64Array(1);
const words = new Uint32Array(scratch.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** Smallest positive normal double: below it the exponent field no longer scales the value. */
const MIN_NORMAL = 2.2250738585072014e-308;
/** Most mantissa bits used to pick a slice (1,024 slices per power of two). */
const MAX_BITS = 10;
/** Largest slice table built; options needing more use the logarithm. */
const MAX_SLICES = 1 << 16;

/**
 * Indexes by options: every sketch of a sidecar (one per route and method) has the same
 * options, and an index never changes once built, so they share one. Bounded: forgotten at
 * once when full (a process rarely uses more than a few option sets).
 */
const shared = new Map<string, BucketIndex>();
const MAX_SHARED = 64;

function exponentOf(v: number): number {
  scratch[0] = v;
  return (words[HIGH]! >>> 20) - 1023;
}

/** The buckets of a sketch: ratio, the exponent of bucket 0, count, and the values tracked. */
export interface SketchLayout {
  /** Ratio between consecutive bucket bounds (> 1). */
  readonly gamma: number;
  /** Bucket `i` ends at `gamma^(i + offset)`. */
  readonly offset: number;
  /** Number of buckets; the last also holds values above its lower bound. */
  readonly size: number;
  /** Smallest value indexed. */
  readonly minValue: number;
  /** Largest value indexed. */
  readonly maxValue: number;
}

/** Finds buckets by slice lookup; see the module comment. */
export class BucketIndex {
  /** Upper bound of each bucket; `Infinity` for the last, which also holds larger values. */
  private readonly upper: Float64Array;
  /** Lowest bucket of each slice. */
  private readonly first: Int32Array;
  /** 1023 plus the exponent of the smallest value indexed (the bias of slice 0). */
  private readonly expBase: number;
  private readonly bits: number;
  private readonly shift: number;
  private readonly mask: number;

  private constructor(layout: SketchLayout, bits: number) {
    const { gamma, offset, size, minValue, maxValue } = layout;
    this.upper = new Float64Array(size);
    for (let i = 0; i < size - 1; i++) this.upper[i] = Math.pow(gamma, i + offset);
    this.upper[size - 1] = Infinity;
    const eMin = exponentOf(minValue);
    const eMax = exponentOf(maxValue);
    this.bits = bits;
    this.shift = 20 - bits;
    this.mask = (1 << bits) - 1;
    this.expBase = 1023 + eMin;
    const perExponent = 1 << bits;
    this.first = new Int32Array((eMax - eMin + 1) * perExponent);
    const logGamma = Math.log(gamma);
    for (let e = eMin; e <= eMax; e++) {
      for (let m = 0; m < perExponent; m++) {
        const low = Math.pow(2, e) * (1 + m / perExponent);
        // The bucket of the slice's lowest value, by the bounds `index` compares with.
        let i = Math.min(size - 1, Math.max(0, Math.ceil(Math.log(low) / logGamma) - offset));
        while (i > 0 && low <= this.upper[i - 1]!) i--;
        while (low > this.upper[i]!) i++;
        this.first[((e - eMin) << bits) | m] = i;
      }
    }
  }

  /**
   * An index for a sketch's buckets, for values in `[minValue, maxValue]`; `undefined` when
   * those need a slice table too large to be worth it, or when `minValue` is below the normal
   * doubles.
   */
  static create(layout: SketchLayout): BucketIndex | undefined {
    const { gamma, offset, size, minValue, maxValue } = layout;
    if (!(minValue >= MIN_NORMAL) || !(maxValue >= minValue) || !Number.isFinite(maxValue)) {
      return undefined;
    }
    const key = `${gamma} ${offset} ${size} ${minValue} ${maxValue}`;
    const known = shared.get(key);
    if (known !== undefined) return known;
    // Slices at most as wide, relatively, as a bucket: one step at most for most ratios.
    const bits = Math.max(0, Math.min(MAX_BITS, Math.ceil(-Math.log2(gamma - 1))));
    const slices = (exponentOf(maxValue) - exponentOf(minValue) + 1) << bits;
    if (slices > MAX_SLICES) return undefined;
    const index = new BucketIndex(layout, bits);
    if (shared.size >= MAX_SHARED) shared.clear();
    shared.set(key, index);
    return index;
  }

  /** The bucket of `v`, which must be in `[minValue, maxValue]`. */
  of(v: number): number {
    scratch[0] = v;
    const hi = words[HIGH]!;
    let i =
      this.first[(((hi >>> 20) - this.expBase) << this.bits) | ((hi >>> this.shift) & this.mask)]!;
    const upper = this.upper;
    while (v > upper[i]!) i++;
    return i;
  }
}
