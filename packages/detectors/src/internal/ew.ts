import type { StateReader } from './state.js';

/**
 * Exponentially weighted mean and variance (West's update): O(1) memory, no window. `alpha` is
 * the weight of the newest value; before `1 / alpha` values the weight is `1 / n` instead, so the
 * first values are averaged evenly rather than dominated by the first one.
 */
export class EwStats {
  mean = 0;
  variance = 0;
  n = 0;
  constructor(readonly alpha: number) {}

  push(x: number): void {
    this.n++;
    const a = Math.max(this.alpha, 1 / this.n);
    const d = x - this.mean;
    this.mean += a * d;
    this.variance = (1 - a) * (this.variance + a * d * d);
  }

  sd(): number {
    return this.variance > 0 ? Math.sqrt(this.variance) : 0;
  }

  toJSON(): { mean: number; variance: number; n: number } {
    return { mean: this.mean, variance: this.variance, n: this.n };
  }

  /**
   * Restores the {@link EwStats.toJSON} output saved as field `key` of `r`.
   *
   * @throws {DetectorStateError} when a field is missing or not a finite number (`variance`
   * and `n` must also be ≥ 0).
   */
  load(r: StateReader, key: string): void {
    const o = r.obj(key);
    this.mean = o.num('mean');
    this.variance = o.num('variance', 'nonNegative');
    this.n = o.num('n', 'count');
  }
}

/**
 * Standardised deviation with the constant-series rule. Differences within rounding of the
 * magnitude involved (`1e-13 · |mean|`, some 450 units in the last place, at least 1e-300)
 * count as no change (0). A spread at or below that tolerance is rounding, not spread: the
 * difference is measured in tolerances instead, capped at ±1e6 (a real change against no
 * spread). The tolerance is relative so that scores do not depend on units or offsets: a series
 * of magnitude 1e-12 is judged like the same series at magnitude 1, and 1e10 ± 1 like 0 ± 1.
 * (Measuring in tolerances, rather than jumping to ±1e6, keeps a spread near the tolerance from
 * turning ordinary values into alarms.)
 */
export function zOf(x: number, mean: number, sd: number): number {
  const d = x - mean;
  const tol = Math.max(1e-13 * Math.abs(mean), 1e-300);
  if (Math.abs(d) <= tol) return 0;
  if (sd > tol) return d / sd;
  const z = d / tol;
  return z > 1e6 ? 1e6 : z < -1e6 ? -1e6 : z;
}
