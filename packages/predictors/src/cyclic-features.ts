/**
 * Sine and cosine of the phase of `position` in each period: smooth time-of-day and
 * time-of-week inputs for a model (hour 23 sits next to hour 0). `position` and the periods are
 * in the same unit: steps (hourly data: periods 24 and 168) or milliseconds of event time
 * (periods 86 400 000 and 604 800 000).
 *
 * @returns `[sin₁, cos₁, sin₂, cos₂, …]`, two values per period.
 * @throws {RangeError} when a period is not positive or `position` is not finite.
 * @example
 * ```ts
 * cyclicFeatures(6, [24]); // [1, 0] (a quarter of the day)
 * ```
 */
export function cyclicFeatures(position: number, periods: readonly number[]): number[] {
  if (!Number.isFinite(position))
    throw new RangeError(`cyclicFeatures: position must be finite, got ${position}`);
  const out: number[] = [];
  for (const p of periods) {
    if (!(p > 0) || !Number.isFinite(p))
      throw new RangeError(`cyclicFeatures: periods must be positive, got ${p}`);
    const a = (2 * Math.PI * (((position % p) + p) % p)) / p;
    out.push(Math.sin(a), Math.cos(a));
  }
  return out;
}
