/** Largest magnitude a detector keeps; beyond it values are clamped so sums of squares stay finite. */
export const MAX_ABS = 1e150;

/** Clamps a finite value to ±MAX_ABS. */
export function clampValue(v: number): number {
  return v > MAX_ABS ? MAX_ABS : v < -MAX_ABS ? -MAX_ABS : v;
}

/** Clamps to [0, 1]; NaN becomes 0. */
export function clamp01(x: number): number {
  return x >= 1 ? 1 : x > 0 ? x : 0;
}

/** Error function (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  if (a === 0) return 0;
  const t = 1 / (1 + 0.3275911 * a);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-a * a);
  return sign * y;
}

/** Upper tail of the standard normal: P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * (1 - erf(z / Math.SQRT2));
}

/**
 * Maps a deviation measured in standard units to a score in [0, 1]: the two-sided probability
 * mass within |z| (0 at z = 0, 0.95 at |z| ≈ 1.96, 0.997 at |z| = 3). NaN maps to 0.
 */
export function zToScore(z: number): number {
  if (!(z === z) || z === 0) return 0;
  return clamp01(erf(Math.abs(z) / Math.SQRT2));
}

/** Formats a number for explanations: 4 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return x.toExponential(3);
  return String(Number(x.toPrecision(4)));
}

/** Event-time tracker: keeps time monotone (backwards or non-finite times stand still). */
export function nextTime(last: number, t: number): number {
  if (!Number.isFinite(t)) return last;
  return t > last ? t : last;
}
