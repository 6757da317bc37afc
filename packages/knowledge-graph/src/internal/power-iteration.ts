/**
 * Power iteration of a random walk with restart over a row-stochastic transition structure in
 * CSR form: `x ← α·p + (1-α)·(Pᵀx + dangling mass·p)`. Rows with no out-weight are dangling and
 * send their mass to the personalization vector. Always terminates (bounded iterations).
 */
export function powerIteration(
  walk: {
    readonly start: Int32Array;
    readonly adj: Int32Array;
    /** Transition probabilities; each non-empty row sums to 1. */
    readonly prob: Float64Array;
  },
  personalization: Float64Array,
  options: { readonly alpha: number; readonly maxIterations: number; readonly tolerance: number },
): { scores: Float64Array; iterations: number } {
  const n = personalization.length;
  const { start, adj, prob } = walk;
  const alpha = options.alpha;
  const maxIterations = options.maxIterations;
  const tolerance = options.tolerance;
  let x = personalization.slice();
  let next = new Float64Array(n);
  let it = 0;
  for (; it < maxIterations; it++) {
    next.fill(0);
    let dangling = 0;
    for (let u = 0; u < n; u++) {
      const xu = x[u]!;
      if (xu === 0) continue;
      const s = start[u]!;
      const e = start[u + 1]!;
      if (s === e) {
        dangling += xu;
        continue;
      }
      for (let k = s; k < e; k++) next[adj[k]!]! += xu * prob[k]!;
    }
    let diff = 0;
    for (let u = 0; u < n; u++) {
      const pu = personalization[u]!;
      const v = alpha * pu + (1 - alpha) * (next[u]! + dangling * pu);
      diff += Math.abs(v - x[u]!);
      next[u] = v;
    }
    const swap = x;
    x = next;
    next = swap;
    if (diff < tolerance) {
      it++;
      break;
    }
  }
  return { scores: x, iterations: it };
}
