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

  load(s: unknown): void {
    if (typeof s !== 'object' || s === null) return;
    const o = s as Record<string, unknown>;
    const f = (k: string): number => {
      const v = o[k];
      return typeof v === 'number' && Number.isFinite(v) ? v : 0;
    };
    this.mean = f('mean');
    this.variance = Math.max(0, f('variance'));
    this.n = Math.max(0, f('n'));
  }
}

/**
 * Standardised deviation with the constant-series rule. Differences within rounding of the
 * magnitude involved (`1e-9 · max(1, |mean|)`) count as no change (0); a real change
 * against no spread is ±1e6.
 */
export function zOf(x: number, mean: number, sd: number): number {
  const d = x - mean;
  const tol = 1e-9 * Math.max(1, Math.abs(mean));
  if (Math.abs(d) <= tol) return 0;
  if (sd > tol) return d / sd;
  return Math.sign(d) * 1e6;
}
