import { probit } from 'simple-statistics';

/** Arithmetic mean of `x[from..to)`. */
export function meanOf(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]!;
  return to > from ? s / (to - from) : Number.NaN;
}

/** The two-sided standard normal quantile for a central coverage `level` (0.95 → 1.96). */
export function zFor(level: number): number {
  return probit(0.5 + level / 2);
}

/** Sample autocorrelations r_1 … r_maxLag, computed as R's `acf` does (biased, mean removed). */
export function acf(x: ArrayLike<number>, maxLag: number): number[] {
  const n = x.length;
  const mu = meanOf(x);
  let denom = 0;
  for (let i = 0; i < n; i++) denom += (x[i]! - mu) ** 2;
  const out: number[] = [];
  for (let k = 1; k <= maxLag; k++) {
    let num = 0;
    for (let i = 0; i + k < n; i++) num += (x[i]! - mu) * (x[i + k]! - mu);
    out.push(denom > 0 ? num / denom : 0);
  }
  return out;
}

/**
 * Minimises `f` with the Nelder–Mead simplex method from `start`, within `maxEvals`
 * evaluations. Returns the best point found.
 */
export function nelderMead(
  f: (p: number[]) => number,
  start: readonly number[],
  options: { maxEvals?: number; step?: number; tol?: number } = {},
): { x: number[]; fx: number } {
  const maxEvals = options.maxEvals ?? 200;
  const step = options.step ?? 0.5;
  const tol = options.tol ?? 1e-7;
  const d = start.length;
  let evals = 0;
  const ev = (p: number[]): number => {
    evals++;
    const v = f(p);
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  const simplex: { x: number[]; fx: number }[] = [{ x: [...start], fx: ev([...start]) }];
  for (let i = 0; i < d; i++) {
    const p = [...start];
    p[i] = p[i]! + step;
    simplex.push({ x: p, fx: ev(p) });
  }
  while (evals < maxEvals) {
    simplex.sort((a, b) => a.fx - b.fx);
    const best = simplex[0]!;
    const worst = simplex[d]!;
    if (Math.abs(worst.fx - best.fx) <= tol * (Math.abs(best.fx) + tol)) break;
    const centroid = new Array<number>(d).fill(0);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) centroid[j]! += simplex[i]!.x[j]! / d;
    const along = (t: number): number[] => centroid.map((c, j) => c + t * (worst.x[j]! - c));
    const xr = along(-1);
    const fr = ev(xr);
    if (fr < best.fx) {
      const xe = along(-2);
      const fe = ev(xe);
      simplex[d] = fe < fr ? { x: xe, fx: fe } : { x: xr, fx: fr };
    } else if (fr < simplex[d - 1]!.fx) {
      simplex[d] = { x: xr, fx: fr };
    } else {
      const xc = fr < worst.fx ? along(-0.5) : along(0.5);
      const fc = ev(xc);
      if (fc < Math.min(fr, worst.fx)) simplex[d] = { x: xc, fx: fc };
      else {
        for (let i = 1; i <= d; i++) {
          const x = simplex[i]!.x.map((v, j) => best.x[j]! + 0.5 * (v - best.x[j]!));
          simplex[i] = { x, fx: ev(x) };
        }
      }
    }
  }
  simplex.sort((a, b) => a.fx - b.fx);
  return simplex[0]!;
}

/** Logistic map from ℝ to (lo, hi). */
export function squash(v: number, lo: number, hi: number): number {
  return lo + (hi - lo) / (1 + Math.exp(-v));
}

/** Inverse of {@link squash}. */
export function unsquash(p: number, lo: number, hi: number): number {
  const u = Math.min(1 - 1e-9, Math.max(1e-9, (p - lo) / (hi - lo)));
  return Math.log(u / (1 - u));
}

/**
 * Centred moving average of order `m` (for even `m`, the 2×m average with half weights at the
 * ends), as classical decomposition uses. Positions without a full window are `NaN`.
 */
export function centredMovingAverage(x: ArrayLike<number>, m: number): Float64Array {
  const n = x.length;
  const out = new Float64Array(n).fill(Number.NaN);
  if (m % 2 === 1) {
    const k = (m - 1) / 2;
    for (let t = k; t < n - k; t++) {
      let s = 0;
      for (let j = -k; j <= k; j++) s += x[t + j]!;
      out[t] = s / m;
    }
    return out;
  }
  const k = m / 2;
  for (let t = k; t < n - k; t++) {
    let s = 0.5 * x[t - k]! + 0.5 * x[t + k]!;
    for (let j = -k + 1; j <= k - 1; j++) s += x[t + j]!;
    out[t] = s / m;
  }
  return out;
}
