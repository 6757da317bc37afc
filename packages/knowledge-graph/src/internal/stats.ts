/** Small numeric helpers for the root-cause scorers. Inputs are finite numbers. */

/** k-th smallest of `a[0..n)` (reorders it): Hoare's quickselect, O(n) on average. */
export function select(a: Float64Array, k: number, n = a.length): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k]!;
}

/** Median of `a` (a copy is reordered, `a` is not touched). NaN when empty. */
export function median(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const s = a.slice();
  const m = n >> 1;
  const hi = select(s, m);
  if (n % 2) return hi;
  let lo = -Infinity;
  for (let i = 0; i < m; i++) if (s[i]! > lo) lo = s[i]!;
  return (lo + hi) / 2;
}

/** Median of `a[0..n)`, reordering `a` in place (no allocation). NaN when empty. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return Number.NaN;
  const m = n >> 1;
  const hi = select(a, m, n);
  if (n % 2) return hi;
  let lo = -Infinity;
  for (let i = 0; i < m; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/**
 * Robust location and scale of `v[from..to)`, using `scratch` (length ≥ to - from) as work
 * space: median, and 1.4826·MAD with the same fallbacks as {@link robustScale}.
 */
export function robustStats(
  v: ArrayLike<number>,
  range: { readonly from: number; readonly to: number },
  scratch: Float64Array,
): { center: number; scale: number } {
  const { from, to } = range;
  const n = to - from;
  for (let i = 0; i < n; i++) scratch[i] = v[from + i]!;
  const center = medianInPlace(scratch, n);
  for (let i = 0; i < n; i++) scratch[i] = Math.abs(v[from + i]! - center);
  let scale = 1.4826 * medianInPlace(scratch, n);
  if (scale === 0) scale = stdRange(v, from, to);
  return { center, scale: Math.max(scale, 1e-3 * Math.abs(center), 1e-9) };
}

/** Median absolute deviation around `center`. */
export function mad(a: Float64Array, center: number): number {
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) d[i] = Math.abs(a[i]! - center);
  return median(d);
}

/** Population standard deviation. */
export function std(a: ArrayLike<number>, n = a.length): number {
  return stdRange(a, 0, n);
}

/** Population standard deviation of `a[from..to)` (0 when empty). */
export function stdRange(a: ArrayLike<number>, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return 0;
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]!;
  const mean = s / n;
  let q = 0;
  for (let i = from; i < to; i++) q += (a[i]! - mean) ** 2;
  return Math.sqrt(q / n);
}

/**
 * A robust scale for `values` around `center`: 1.4826·MAD, falling back to the standard
 * deviation when more than half the values are equal, and never below a tiny floor relative to
 * the level, so constant series don't divide by zero.
 */
export function robustScale(values: Float64Array, center: number, floor = 0): number {
  let s = 1.4826 * mad(values, center);
  if (s === 0) s = std(values);
  return Math.max(s, 1e-3 * Math.abs(center), floor, 1e-9);
}

/** Mean of the larger half of `z` (at least one value; reorders `z`): robust to short spikes. */
export function upperHalfMean(z: Float64Array, n = z.length): number {
  if (n === 0) return 0;
  const from = n >> 1;
  select(z, from, n);
  let s = 0;
  for (let i = from; i < n; i++) s += z[i]!;
  return s / (n - from);
}

/**
 * Mean of `z[0..n)` between the median and the 85th percentile (reorders `z`): the typical size
 * of a departure that lasts, while the largest 15% of the points (short spikes) are left out.
 * With fewer than 4 points nothing is trimmed.
 */
export function trimmedUpperMean(z: Float64Array, n = z.length): number {
  if (n === 0) return 0;
  const s = sortPrefix(z, n);
  const from = n >> 1;
  const to = n >= 4 ? Math.max(from + 1, n - Math.floor(0.15 * n)) : n;
  let sum = 0;
  for (let i = from; i < to; i++) sum += s[i]!;
  return sum / (to - from);
}

/**
 * Sorts `z[0..n)` ascending in place and returns `z`: insertion sort for short runs (the usual
 * incident window: no allocation, no call into the runtime), the built-in sort otherwise.
 */
export function sortPrefix(z: Float64Array, n: number): Float64Array {
  if (n > 48) {
    z.subarray(0, n).sort();
    return z;
  }
  for (let i = 1; i < n; i++) {
    const x = z[i]!;
    let j = i - 1;
    while (j >= 0 && z[j]! > x) {
      z[j + 1] = z[j]!;
      j--;
    }
    z[j + 1] = x;
  }
  return z;
}

/** First index with `t[i] >= x` in a sorted array. */
export function lowerBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with `t[i] > x` in a sorted array. */
export function upperBound(t: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Solves the symmetric positive-definite system `A x = b` (A is k×k, row-major) by Cholesky.
 * Returns undefined when A is not positive definite.
 */
export function solveSpd(A: Float64Array, b: Float64Array, k: number): Float64Array | undefined {
  const L = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * k + j]!;
      for (let p = 0; p < j; p++) s -= L[i * k + p]! * L[j * k + p]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * k + i] = Math.sqrt(s);
      } else L[i * k + j] = s / L[j * k + j]!;
    }
  }
  const y = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let p = 0; p < i; p++) s -= L[i * k + p]! * y[p]!;
    y[i] = s / L[i * k + i]!;
  }
  const x = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let p = i + 1; p < k; p++) s -= L[p * k + i]! * x[p]!;
    x[i] = s / L[i * k + i]!;
  }
  return x;
}
