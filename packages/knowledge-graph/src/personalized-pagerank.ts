import type Graph from 'graphology';
import { GraphError } from './errors.js';
import { DependencyGraph } from './dependency-graph.js';
import { powerIteration } from './internal/power-iteration.js';

/** Options of {@link personalizedPageRank}. */
export interface PersonalizedPageRankOptions {
  /** Restart probability in (0, 1] (default 0.15). */
  readonly alpha?: number;
  /** Most iterations (default 100). */
  readonly maxIterations?: number;
  /** Stop when the L1 change falls below this (default 1e-9). */
  readonly tolerance?: number;
  /** Edge attribute holding the weight (default `weight`; missing or invalid counts as 1). */
  readonly weightAttribute?: string;
  /** Walk along edges (`out`, default), against them (`in`), or both ways. */
  readonly direction?: 'out' | 'in' | 'both';
}

/**
 * Personalized PageRank on a graphology graph (or a {@link DependencyGraph}): the stationary
 * distribution of a random walk that follows weighted edges and restarts, with probability
 * `alpha`, at a node drawn from `personalization`.
 *
 * @param personalization - Restart weight per node (≥ 0; normalised; nodes left out get 0; an
 * all-zero vector means uniform).
 * @returns Score per node; the scores sum to 1.
 * @remarks Dangling nodes restart. Multi-edges add up. Bounded iterations, so it always
 * returns. graphology ships plain PageRank only; this is the personalized variant.
 * @throws {GraphError} `GRAPH_UNKNOWN_NODE` for a personalization key that is not a node,
 * `GRAPH_INVALID_ARGUMENT` for a negative or non-finite weight or a bad `alpha`.
 * @example
 * ```ts
 * const scores = personalizedPageRank(graph, { checkout: 1 }, { alpha: 0.2 });
 * ```
 */
export function personalizedPageRank(
  graph: Graph | DependencyGraph,
  personalization: Readonly<Record<string, number>>,
  options: PersonalizedPageRankOptions = {},
): Map<string, number> {
  const g: Graph = graph instanceof DependencyGraph ? graph.graph : graph;
  const alpha = options.alpha ?? 0.15;
  if (!(alpha > 0 && alpha <= 1)) {
    throw new GraphError('GRAPH_INVALID_ARGUMENT', `alpha must be in (0, 1], got ${alpha}`);
  }
  const attr = options.weightAttribute ?? 'weight';
  const direction = options.direction ?? 'out';
  const ids = g.nodes();
  const index = new Map<string, number>();
  ids.forEach((id, i) => index.set(id, i));
  const n = ids.length;
  const p = new Float64Array(n);
  let total = 0;
  for (const [id, w] of Object.entries(personalization)) {
    const i = index.get(id);
    if (i === undefined) {
      throw new GraphError('GRAPH_UNKNOWN_NODE', `personalization names unknown node '${id}'`, {
        node: id,
      });
    }
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new GraphError('GRAPH_INVALID_ARGUMENT', `personalization of '${id}' must be ≥ 0`, {
        node: id,
      });
    }
    p[i] = w;
    total += w;
  }
  if (total > 0) for (let i = 0; i < n; i++) p[i]! /= total;
  else p.fill(n > 0 ? 1 / n : 0);
  // Transition rows as CSR.
  const rows: [number, number][][] = ids.map(() => []);
  // eslint-disable-next-line max-params -- graphology's callback shape
  g.forEachEdge((_key, attrs: Record<string, unknown>, source, target) => {
    const raw = attrs[attr];
    const w = typeof raw === 'number' && Number.isFinite(raw) && raw >= 0 ? raw : 1;
    const s = index.get(source)!;
    const t = index.get(target)!;
    if (direction !== 'in') rows[s]!.push([t, w]);
    if (direction !== 'out') rows[t]!.push([s, w]);
  });
  const start = new Int32Array(n + 1);
  rows.forEach((r, i) => (start[i + 1] = start[i]! + r.length));
  const adj = new Int32Array(start[n]!);
  const prob = new Float64Array(start[n]!);
  rows.forEach((r, i) => {
    const sum = r.reduce((a, [, w]) => a + w, 0);
    r.forEach(([t, w], k) => {
      adj[start[i]! + k] = t;
      prob[start[i]! + k] = sum > 0 ? w / sum : 1 / r.length;
    });
  });
  const { scores } = powerIteration({ start, adj, prob }, p, {
    alpha,
    maxIterations: options.maxIterations ?? 100,
    tolerance: options.tolerance ?? 1e-9,
  });
  const out = new Map<string, number>();
  ids.forEach((id, i) => out.set(id, scores[i]!));
  return out;
}
