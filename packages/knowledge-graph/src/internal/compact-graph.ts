/**
 * A compact, immutable adjacency structure (CSR) over integer node indices: the hot paths
 * (impact, PageRank, root-cause ranking) run on typed arrays instead of generic iteration.
 * Edge direction: from a node to what it depends on.
 */
export interface CompactGraph {
  readonly ids: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** Dependencies of node i: `depAdj[depStart[i] .. depStart[i+1])`. */
  readonly depStart: Int32Array;
  readonly depAdj: Int32Array;
  readonly depWeight: Float64Array;
  readonly depType: Uint8Array;
  /** Dependents (callers) of node i: `revAdj[revStart[i] .. revStart[i+1])`. */
  readonly revStart: Int32Array;
  readonly revAdj: Int32Array;
  readonly revWeight: Float64Array;
  readonly revType: Uint8Array;
}

/** Edge list in index form, as accepted by {@link buildCompactGraph}. */
export interface EdgeList {
  readonly from: ArrayLike<number>;
  readonly to: ArrayLike<number>;
  readonly weight?: ArrayLike<number>;
  readonly type?: ArrayLike<number>;
  readonly length: number;
}

/**
 * Builds a {@link CompactGraph}; self-loops in the edge list are skipped. `index` (id → position
 * in `ids`) is built when not given.
 */
export function buildCompactGraph(
  ids: readonly string[],
  edges: EdgeList,
  index: Map<string, number> = new Map(ids.map((id, i) => [id, i])),
): CompactGraph {
  const n = ids.length;
  const depCount = new Int32Array(n + 1);
  const revCount = new Int32Array(n + 1);
  let m = 0;
  for (let e = 0; e < edges.length; e++) {
    const a = edges.from[e]!;
    const b = edges.to[e]!;
    if (a === b) continue;
    depCount[a + 1]!++;
    revCount[b + 1]!++;
    m++;
  }
  for (let i = 0; i < n; i++) {
    depCount[i + 1]! += depCount[i]!;
    revCount[i + 1]! += revCount[i]!;
  }
  const depStart = depCount.slice();
  const revStart = revCount.slice();
  const depAdj = new Int32Array(m);
  const revAdj = new Int32Array(m);
  const depWeight = new Float64Array(m);
  const revWeight = new Float64Array(m);
  const depType = new Uint8Array(m);
  const revType = new Uint8Array(m);
  const depFill = depStart.slice(0, n);
  const revFill = revStart.slice(0, n);
  for (let e = 0; e < edges.length; e++) {
    const a = edges.from[e]!;
    const b = edges.to[e]!;
    if (a === b) continue;
    const w = edges.weight ? edges.weight[e]! : 1;
    const t = edges.type ? edges.type[e]! : 0;
    const dp = depFill[a]!++;
    depAdj[dp] = b;
    depWeight[dp] = w;
    depType[dp] = t;
    const rp = revFill[b]!++;
    revAdj[rp] = a;
    revWeight[rp] = w;
    revType[rp] = t;
  }
  return {
    ids,
    index,
    depStart,
    depAdj,
    depWeight,
    depType,
    revStart,
    revAdj,
    revWeight,
    revType,
  };
}

/** Builds a {@link CompactGraph} from `[from, to]` id pairs; unknown ids are added in order. */
export function compactFromPairs(
  pairs: readonly (readonly [string, string])[],
  extraIds: Iterable<string> = [],
): CompactGraph {
  const ids: string[] = [];
  const index = new Map<string, number>();
  const id = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = ids.length;
      ids.push(s);
      index.set(s, i);
    }
    return i;
  };
  const from: number[] = [];
  const to: number[] = [];
  // Duplicates would double-count in walks and coverage. Numeric keys are exact while both
  // indices stay below 2^26 (67M nodes); beyond that, string keys.
  const seen = new Set<number | string>();
  for (const [a, b] of pairs) {
    const ia = id(a);
    const ib = id(b);
    const key = ia < 67_108_864 && ib < 67_108_864 ? ia * 67_108_864 + ib : `${ia}:${ib}`;
    if (seen.has(key)) continue;
    seen.add(key);
    from.push(ia);
    to.push(ib);
  }
  for (const s of extraIds) id(s);
  return buildCompactGraph(ids, { from, to, length: from.length }, index);
}
