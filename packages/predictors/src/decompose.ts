import { acf, centredMovingAverage } from './internal/math.js';

/** Result of {@link decompose}. */
export interface Decomposition {
  /** Centred moving average; `NaN` where the window does not fit (the first and last m/2 points). */
  readonly trend: Float64Array;
  /** One seasonal index per phase `t % m` (multiplicative: mean 1; additive: mean 0). */
  readonly indices: Float64Array;
  /** The seasonal component at every position of the input. */
  readonly seasonal: Float64Array;
}

/**
 * 90 % autocorrelation test for seasonality at lag `m`, as the M4 competition applies it:
 * seasonal when `|r_m| > 1.645 / √n · √(1 + 2 Σ_{k<m} r_k²)`. Series shorter than `3m` are
 * reported as not seasonal.
 *
 * @example
 * ```ts
 * seasonalityTest(hourlyValues, 24); // true for a clear daily cycle
 * ```
 */
export function seasonalityTest(x: ArrayLike<number>, m: number): boolean {
  const n = x.length;
  if (m < 2 || n < 3 * m) return false;
  const r = acf(x, m);
  let sum = 0;
  for (let k = 0; k < m - 1; k++) sum += r[k]! ** 2;
  const limit = (1.645 / Math.sqrt(n)) * Math.sqrt(1 + 2 * sum);
  const rm = r[m - 1]!;
  return Number.isFinite(rm) && Math.abs(rm) > limit;
}

/**
 * Classical decomposition (centred moving-average trend, seasonal indices averaged per phase
 * and normalised), as R's `decompose` computes it. Phase 0 is the first point of `x`.
 *
 * @param type - `multiplicative` (indices average 1; needs positive data) or `additive`.
 * @throws {RangeError} when `m < 2` or `x` holds fewer than `2m` points.
 * @example
 * ```ts
 * const { indices } = decompose(values, 24, 'multiplicative');
 * const deseasonalised = values.map((v, t) => v / indices[t % 24]!);
 * ```
 */
export function decompose(
  x: ArrayLike<number>,
  m: number,
  type: 'multiplicative' | 'additive' = 'multiplicative',
): Decomposition {
  const n = x.length;
  if (!Number.isInteger(m) || m < 2)
    throw new RangeError(`decompose: m must be an integer ≥ 2, got ${m}`);
  if (n < 2 * m) throw new RangeError(`decompose: needs at least 2·m = ${2 * m} points, got ${n}`);
  const trend = centredMovingAverage(x, m);
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  for (let t = 0; t < n; t++) {
    const tr = trend[t]!;
    if (Number.isNaN(tr)) continue;
    const ratio = type === 'multiplicative' ? x[t]! / tr : x[t]! - tr;
    if (!Number.isFinite(ratio)) continue;
    sums[t % m]! += ratio;
    counts[t % m]! += 1;
  }
  const indices = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < m; i++) {
    indices[i] = counts[i]! > 0 ? sums[i]! / counts[i]! : type === 'multiplicative' ? 1 : 0;
    total += indices[i]!;
  }
  const centre = total / m;
  for (let i = 0; i < m; i++) {
    indices[i] = type === 'multiplicative' ? indices[i]! / centre : indices[i]! - centre;
  }
  const seasonal = new Float64Array(n);
  for (let t = 0; t < n; t++) seasonal[t] = indices[t % m]!;
  return { trend, indices, seasonal };
}
