// Scores in [0, 1] are written into every rationale; a lookup table avoids Number#toFixed,
// which costs a few hundred nanoseconds per call and was a visible part of each decision.
const TABLE: readonly string[] = Array.from({ length: 101 }, (_, i) => (i / 100).toFixed(2));

/** `x.toFixed(2)`, fast for values in [0, 1]. */
export function f2(x: number): string {
  if (x >= 0 && x <= 1) return TABLE[Math.round(x * 100)]!;
  return x.toFixed(2);
}
