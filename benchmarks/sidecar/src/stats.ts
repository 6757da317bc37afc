/** Small statistics for the sidecar benchmark's summaries (no side effects on import). */

/**
 * Geometric mean of positive ratios with a 95 % interval: a Student's t interval on the mean of
 * their logarithms, mapped back. NaN for fewer than two ratios.
 */
export function geometricMeanInterval(ratios: readonly number[]): {
  mean: number;
  interval: readonly [number, number];
} {
  const logs = ratios.filter((r) => r > 0 && Number.isFinite(r)).map(Math.log);
  const n = logs.length;
  if (n < 2) return { mean: Number.NaN, interval: [Number.NaN, Number.NaN] };
  const m = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - m) ** 2, 0) / (n - 1));
  const half = tQuantile975(n - 1) * (sd / Math.sqrt(n));
  return { mean: Math.exp(m), interval: [Math.exp(m - half), Math.exp(m + half)] };
}

/**
 * One process's interleaved figure from its slice pairs (`variant[i]` and `bare[i]` are the
 * 2xx req/s of pair `i`): the geometric mean of the pair ratios with its 95 % interval, and
 * how many pairs had no 2xx answer on one side (left out). A variant that answered no 2xx at
 * all while the bare server did (it shed every request) measures 0, not "unknown".
 */
export function sliceRatio(
  variant: readonly number[],
  bare: readonly number[],
): { ratio: number; interval: readonly [number, number]; emptyPairs: number } {
  if (variant.length !== bare.length) {
    throw new RangeError(
      `sliceRatio: ${variant.length} variant slices against ${bare.length} bare slices`,
    );
  }
  const ratios: number[] = [];
  for (let i = 0; i < variant.length; i++) {
    if (variant[i]! > 0 && bare[i]! > 0) ratios.push(variant[i]! / bare[i]!);
  }
  const emptyPairs = variant.length - ratios.length;
  const { mean, interval } = geometricMeanInterval(ratios);
  const servedNone =
    ratios.length === 0 && bare.some((b) => b > 0) && variant.every((v) => v === 0);
  return {
    ratio: servedNone ? 0 : ratios.length === 1 ? ratios[0]! : mean,
    interval,
    emptyPairs,
  };
}

/**
 * The 97.5 % quantile of Student's t with `df` degrees of freedom: exact for 1 to 4, else the
 * Cornish–Fisher expansion around the normal quantile (within 0.11 % of the exact value from 5 degrees of freedom up).
 */
export function tQuantile975(df: number): number {
  if (df === 1) return 12.706204736;
  if (df === 2) return 4.30265273;
  if (df === 3) return 3.182446305;
  if (df === 4) return 2.776445105;
  const z = 1.959963985;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}
