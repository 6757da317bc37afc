/**
 * The root-cause scorers behind `analyzeCase` and `rankIncident`, on a compact graph with
 * per-node anomaly levels. Everything here is bounded: candidate sets are capped, walks keep
 * visited sets, iterations are limited.
 */
import type { CompactGraph } from './compact-graph.js';
import { powerIteration } from './power-iteration.js';
import {
  lowerBound,
  median,
  robustScale,
  robustStats,
  solveSpd,
  std,
  upperBound,
  trimmedUpperMean,
} from './stats.js';

/**
 * One metric series of one node, sorted by time, finite values only. Clean input series are
 * used as given (no copy: the caller's arrays are only read); series that needed filtering or
 * sorting are cleaned copies.
 */
export interface SeriesData {
  readonly metric: string;
  readonly t: ArrayLike<number>;
  readonly v: ArrayLike<number>;
}

/** A case ready for scoring. */
export interface PreparedCase {
  readonly g: CompactGraph;
  /**
   * Every series in three parallel lists (no object per series), grouped by node: node i's
   * are at `seriesStart[i] .. seriesStart[i] + seriesCount[i]`.
   */
  readonly seriesMetric: readonly string[];
  readonly seriesT: readonly ArrayLike<number>[];
  readonly seriesV: readonly ArrayLike<number>[];
  readonly seriesStart: Int32Array;
  readonly seriesCount: Int32Array;
  /**
   * Departure of each series (same order as the series lists, see {@link departureAt}); NaN where the
   * normal window has fewer than 3 points or the incident window none.
   */
  readonly departure: Float64Array;
  readonly normal: readonly [number, number];
  readonly incident: readonly [number, number];
  readonly target?: { readonly node: number; readonly metric?: string };
  readonly warnings: string[];
}

/** A prepared case with a graph and no series (for rankers that get anomaly levels directly). */
export function withoutSeries(g: CompactGraph): PreparedCase {
  const n = g.ids.length;
  return {
    g,
    seriesMetric: [],
    seriesT: [],
    seriesV: [],
    seriesStart: new Int32Array(n),
    seriesCount: new Int32Array(n),
    departure: new Float64Array(0),
    normal: [0, 0],
    incident: [0, 0],
    warnings: [],
  };
}

/** The series of node `i`. */
export function seriesOf(pc: PreparedCase, i: number): SeriesData[] {
  const from = pc.seriesStart[i] ?? 0;
  const out: SeriesData[] = [];
  for (let k = from; k < from + (pc.seriesCount[i] ?? 0); k++) {
    out.push({ metric: pc.seriesMetric[k]!, t: pc.seriesT[k]!, v: pc.seriesV[k]! });
  }
  return out;
}

/** Anomaly level of every node. */
export interface Anomalies {
  /** Robust z-like departure of the node's most anomalous metric (0 when unobserved). */
  readonly z: Float64Array;
  /** `z² / (z² + τ²)`: a [0, 1) weight; 0.5 at the anomaly threshold τ. */
  readonly p: Float64Array;
  /** The metric behind `z`. */
  readonly metric: readonly (string | undefined)[];
  /** True for nodes with at least one series. */
  readonly observed: Uint8Array;
  /**
   * Departure of every series (same order as `PreparedCase.seriesMetric`); 0 where a window was too
   * short.
   */
  readonly perSeries: Float64Array;
}

/** A scored node with its evidence. */
export interface NodeScore {
  readonly node: number;
  score: number;
  readonly evidence: string[];
}

/** Default anomaly threshold, in robust z units. */
export const ANOMALY_THRESHOLD = 3;

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

function windowRange(s: SeriesData, w: readonly [number, number]): [number, number] {
  return [lowerBound(s.t, w[0]), upperBound(s.t, w[1])];
}

/**
 * Index ranges of the normal window (`n0..n1`) and the incident window (`i0..i1`) in a sorted
 * time array.
 */
export interface WindowIndex {
  n0: number;
  n1: number;
  i0: number;
  i1: number;
}

/** Finds the window index ranges of sorted times `t` (binary search), into `out`. */
export function windowIndex(
  t: ArrayLike<number>,
  pc: Pick<PreparedCase, 'normal' | 'incident'>,
  out: WindowIndex,
): WindowIndex {
  out.n0 = lowerBound(t, pc.normal[0]);
  out.n1 = upperBound(t, pc.normal[1]);
  out.i0 = lowerBound(t, pc.incident[0]);
  out.i1 = upperBound(t, pc.incident[1]);
  return out;
}

/** Departure of one series in the incident window from its normal window. */
export function seriesDeparture(
  s: SeriesData,
  pc: Pick<PreparedCase, 'normal' | 'incident'>,
  scratch?: Float64Array,
): number | undefined {
  const d = departureAt(s.v, windowIndex(s.t, pc, { n0: 0, n1: 0, i0: 0, i1: 0 }), scratch);
  return Number.isNaN(d) ? undefined : d;
}

/**
 * Departure of values `v` in the incident window from the normal window, given the windows'
 * index ranges (see {@link windowIndex}); NaN when the normal window has fewer than 3 points or
 * the incident window none. `scratch` is work space (allocated when missing or too short).
 */
export function departureAt(
  v: ArrayLike<number>,
  w: Readonly<WindowIndex>,
  scratch?: Float64Array,
): number {
  let sum = 0;
  let sq = 0;
  for (let i = w.n0; i < w.n1; i++) {
    const x = v[i]!;
    sum += x;
    sq += x * x;
  }
  return departureFromSums(v, { w, sum, sq }, scratch);
}

/**
 * {@link departureAt} on values that have not been checked yet, in the same pass: -1 as soon
 * as an element is not a finite number (nothing is computed then), else the departure.
 */
export function checkedDepartureAt(
  v: readonly unknown[],
  w: Readonly<WindowIndex>,
  scratch?: Float64Array,
): number {
  const { n0, n1 } = w;
  for (let i = 0; i < n0; i++) {
    const x = v[i];
    if (typeof x !== 'number' || x - x !== 0) return -1;
  }
  let sum = 0;
  let sq = 0;
  for (let i = n0; i < n1; i++) {
    const x = v[i];
    if (typeof x !== 'number' || x - x !== 0) return -1;
    sum += x;
    sq += x * x;
  }
  for (let i = n1; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || x - x !== 0) return -1;
  }
  return departureFromSums(v as readonly number[], { w, sum, sq }, scratch);
}

/** The rest of {@link departureAt}, given the sum and the sum of squares of the normal window. */
function departureFromSums(
  v: ArrayLike<number>,
  sums: { readonly w: Readonly<WindowIndex>; readonly sum: number; readonly sq: number },
  scratch?: Float64Array,
): number {
  const { n0, n1, i0, i1 } = sums.w;
  if (n1 - n0 < 3 || i1 - i0 < 1) return Number.NaN;
  // A one-pass screen with mean and standard deviation: series whose incident values all stay
  // within SCREEN_Z of the normal mean skip the robust statistics (the slow part at 10k nodes)
  // and report their mean classical departure, which is below the anomaly threshold anyway.
  const mean = sums.sum / (n1 - n0);
  const sd = Math.sqrt(Math.max(0, sums.sq / (n1 - n0) - mean * mean));
  if (sd > 1e-9 + 1e-3 * Math.abs(mean)) {
    let peak = 0;
    let total = 0;
    for (let i = i0; i < i1; i++) {
      const z = Math.abs(v[i]! - mean) / sd;
      total += z;
      if (z > peak) peak = z;
    }
    if (peak < SCREEN_Z) return total / (i1 - i0);
  }
  const work =
    scratch && scratch.length >= Math.max(n1 - n0, i1 - i0)
      ? scratch
      : new Float64Array(Math.max(n1 - n0, i1 - i0));
  const { center, scale } = robustStats(v, { from: n0, to: n1 }, work);
  for (let i = i0; i < i1; i++) work[i - i0] = Math.abs(v[i]! - center) / scale;
  return trimmedUpperMean(work, i1 - i0);
}

/** Classical z below which a series is not examined with robust statistics. */
const SCREEN_Z = 2.5;

/** Computes node anomaly levels from the departures of their series. */
export function computeAnomalies(pc: PreparedCase, tau = ANOMALY_THRESHOLD): Anomalies {
  const n = pc.g.ids.length;
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const observed = new Uint8Array(n);
  const metric: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  const perSeries = new Float64Array(pc.seriesMetric.length);
  let empty = 0;
  for (let i = 0; i < n; i++) {
    const count = pc.seriesCount[i]!;
    if (count > 0) observed[i] = 1;
    const from = pc.seriesStart[i]!;
    for (let k = from; k < from + count; k++) {
      const d = pc.departure[k]!;
      if (Number.isNaN(d)) {
        empty++;
        continue;
      }
      perSeries[k] = d;
      if (d > z[i]!) {
        z[i] = d;
        metric[i] = pc.seriesMetric[k]!;
      }
    }
    p[i] = (z[i]! * z[i]!) / (z[i]! * z[i]! + tau * tau);
  }
  if (empty > 0) {
    pc.warnings.push(
      `${empty} series had fewer than 3 points in the normal window or none in the incident window; they were left out`,
    );
  }
  return { z, p, metric, observed, perSeries };
}

/** Indices of anomalous nodes (p ≥ 0.5), most anomalous first, at most `cap`. */
export function anomalousSet(an: Anomalies, cap: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < an.p.length; i++) if (an.p[i]! >= 0.5) out.push(i);
  out.sort((a, b) => an.z[b]! - an.z[a]!);
  return out.slice(0, cap);
}

/**
 * The candidate set: anomalous nodes, unobserved nodes that at least two anomalous nodes
 * depend on directly, and — when nothing is anomalous — the most departing nodes.
 */
export function candidates(pc: PreparedCase, an: Anomalies, cap: number): number[] {
  return candidatesOf(pc, an, { anomalous: anomalousSet(an, cap), cap });
}

/** {@link candidates} around a given anomalous set (most anomalous first, at most `cap`). */
export function candidatesOf(
  pc: PreparedCase,
  an: Anomalies,
  sets: { readonly anomalous: readonly number[]; readonly cap: number },
): number[] {
  const set = sets.anomalous.slice();
  const inSet = new Set(set);
  const unobservedHits = new Map<number, number>();
  for (const u of set) {
    for (let e = pc.g.depStart[u]!; e < pc.g.depStart[u + 1]!; e++) {
      const v = pc.g.depAdj[e]!;
      if (!an.observed[v]) unobservedHits.set(v, (unobservedHits.get(v) ?? 0) + 1);
    }
  }
  for (const [v, hits] of unobservedHits) if (hits >= 2 && !inSet.has(v)) set.push(v);
  if (set.length === 0) {
    const order = Array.from(an.z.keys()).sort((a, b) => an.z[b]! - an.z[a]!);
    for (const i of order.slice(0, Math.min(sets.cap, 20))) if (an.observed[i]) set.push(i);
  }
  return set;
}

/**
 * (a) Common upstream causes: for each candidate, the anomaly-weighted share of anomalous
 * nodes that depend on it (transitively, through anomalous nodes), times its own anomaly.
 */
export function rankUpstream(
  pc: PreparedCase,
  an: Anomalies,
  sets: { readonly cands: readonly number[]; readonly anomalous: readonly number[] },
): NodeScore[] {
  const { cands, anomalous } = sets;
  const g = pc.g;
  const inA = new Set(anomalous);
  let total = 0;
  for (const a of anomalous) total += an.p[a]!;
  const out: NodeScore[] = [];
  for (const c of cands) {
    const seen = new Set<number>([c]);
    const queue = [c];
    let covered = inA.has(c) ? an.p[c]! : 0;
    for (let q = 0; q < queue.length; q++) {
      const u = queue[q]!;
      for (let e = g.revStart[u]!; e < g.revStart[u + 1]!; e++) {
        const v = g.revAdj[e]!;
        if (seen.has(v) || !inA.has(v)) continue;
        seen.add(v);
        covered += an.p[v]!;
        queue.push(v);
      }
    }
    const share = total > 0 ? covered / total : 0;
    const own = an.observed[c] ? an.p[c]! : 0.5; // unobserved: unknown, neither for nor against
    const dependents = seen.size - 1;
    out.push({
      node: c,
      score: share * (0.25 + 0.75 * own),
      evidence: [
        `explains ${fmt(100 * share)}% of the anomaly weight: ${dependents} anomalous dependent(s)${inA.has(c) ? ' and itself' : ''}`,
        an.observed[c]
          ? `own departure z=${fmt(an.z[c]!)} on ${an.metric[c] ?? 'no metric'}`
          : 'no metrics of its own: inferred from its dependents',
      ],
    });
  }
  return out;
}

/**
 * (b) Personalized PageRank over the anomaly-weighted graph: a walker starts at anomalous
 * nodes, moves towards anomalous dependencies (and, less often, back to anomalous callers or
 * stays), so mass collects where the anomalies start.
 */
export function rankPageRank(
  pc: PreparedCase,
  an: Anomalies,
  cands: readonly number[],
): NodeScore[] {
  const g = pc.g;
  // Relative weights of stepping back to an anomalous caller and of staying put.
  const back = 0.2;
  const selfW = 0.5;
  const eps = 0.01;
  // The walk runs on the anomalous region: every node with some anomaly weight, the candidates,
  // and their direct neighbours. On large graphs that is a small fraction of the nodes; the
  // rest carry (almost) no restart mass and would only slow convergence.
  const size = g.ids.length;
  const local: number[] = [];
  const localIndex = new Int32Array(size).fill(-1);
  const add = (u: number): void => {
    if (localIndex[u] === -1) {
      localIndex[u] = local.length;
      local.push(u);
    }
  };
  if (size <= 2000) for (let u = 0; u < size; u++) add(u);
  else {
    const seeds: number[] = [];
    const isSeed = new Uint8Array(size);
    const seed = (u: number): void => {
      if (!isSeed[u]) {
        isSeed[u] = 1;
        seeds.push(u);
      }
    };
    for (const c of cands) seed(c);
    for (let u = 0; u < size; u++) if (an.p[u]! >= 0.2) seed(u);
    for (const u of seeds) {
      add(u);
      for (let e = g.depStart[u]!; e < g.depStart[u + 1]!; e++) add(g.depAdj[e]!);
      for (let e = g.revStart[u]!; e < g.revStart[u + 1]!; e++) add(g.revAdj[e]!);
    }
  }
  const n = local.length;
  const start = new Int32Array(n + 1);
  let m = n; // one self-step per node
  for (let li = 0; li < n; li++) {
    const u = local[li]!;
    for (let e = g.depStart[u]!; e < g.depStart[u + 1]!; e++)
      if (localIndex[g.depAdj[e]!]! >= 0) m++;
    for (let e = g.revStart[u]!; e < g.revStart[u + 1]!; e++)
      if (localIndex[g.revAdj[e]!]! >= 0) m++;
  }
  const adj = new Int32Array(m);
  const prob = new Float64Array(m);
  let at = 0;
  for (let li = 0; li < n; li++) {
    const u = local[li]!;
    const from = at;
    for (let e = g.depStart[u]!; e < g.depStart[u + 1]!; e++) {
      const v = g.depAdj[e]!;
      const lv = localIndex[v]!;
      if (lv < 0) continue;
      adj[at] = lv;
      prob[at++] = (an.observed[v] ? an.p[v]! : 0.3) + eps;
    }
    for (let e = g.revStart[u]!; e < g.revStart[u + 1]!; e++) {
      const v = g.revAdj[e]!;
      const lv = localIndex[v]!;
      if (lv < 0) continue;
      adj[at] = lv;
      prob[at++] = back * an.p[v]! + eps * back;
    }
    adj[at] = li;
    prob[at++] = selfW * an.p[u]! + eps;
    let sum = 0;
    for (let j = from; j < at; j++) sum += prob[j]!;
    for (let j = from; j < at; j++) prob[j]! /= sum;
    start[li + 1] = at;
  }
  const pers = new Float64Array(n);
  let total = 0;
  for (let li = 0; li < n; li++) total += pers[li] = an.p[local[li]!]!;
  if (total > 0) for (let li = 0; li < n; li++) pers[li]! /= total;
  else pers.fill(1 / Math.max(1, n));
  const { scores } = powerIteration({ start, adj, prob }, pers, {
    alpha: 0.15,
    maxIterations: 100,
    tolerance: 1e-7,
  });
  const scoreOf = (c: number): number => scores[localIndex[c] ?? -1] ?? 0;
  let max = 0;
  for (const c of cands) max = Math.max(max, scoreOf(c));
  return cands.map((c) => ({
    node: c,
    score: max > 0 ? scoreOf(c) / max : 0,
    evidence: [`anomaly-weighted random walk ends here with probability ${fmt(100 * scoreOf(c))}%`],
  }));
}

/** Most parent series a node's metric is modelled from (the most correlated ones). */
const MAX_FEATURES = 6;

/** Values of `s` at times `at` (last value at or before each time; the first value before it). */
function sampleAt(s: SeriesData, at: Float64Array): Float64Array {
  const out = new Float64Array(at.length);
  let j = 0;
  for (let i = 0; i < at.length; i++) {
    while (j + 1 < s.t.length && s.t[j + 1]! <= at[i]!) j++;
    out[i] = s.v[j]!;
  }
  return out;
}

function correlation(x: Float64Array, y: Float64Array, n: number): number {
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/**
 * How far one series departs, in the incident window, from what its dependencies' series
 * predict (ridge regression fitted in the normal window). Returns undefined when the windows
 * are too short.
 */
export function residualDeparture(
  s: SeriesData,
  parents: readonly SeriesData[],
  pc: PreparedCase,
): { score: number; explainedBy: string[] } | undefined {
  const [n0, n1] = windowRange(s, pc.normal);
  const [i0, i1] = windowRange(s, pc.incident);
  const nn = n1 - n0;
  const ni = i1 - i0;
  if (nn < 5 || ni < 1) return undefined;
  const times = new Float64Array(nn + ni);
  const y = new Float64Array(nn + ni);
  for (let i = n0; i < n1; i++) {
    times[i - n0] = s.t[i]!;
    y[i - n0] = s.v[i]!;
  }
  for (let i = i0; i < i1; i++) {
    times[nn + i - i0] = s.t[i]!;
    y[nn + i - i0] = s.v[i]!;
  }
  const yBase = y.subarray(0, nn);
  const yCenter = median(yBase);
  const yScale = robustScale(yBase, yCenter);
  // Candidate features: every parent series, ranked by |correlation| in the normal window.
  const feats: { x: Float64Array; r: number; name: string }[] = [];
  for (const ps of parents) {
    if (ps.t.length === 0) continue;
    const x = sampleAt(ps, times);
    const r = Math.abs(correlation(x, y, nn));
    if (r > 0.1) feats.push({ x, r, name: ps.metric });
  }
  feats.sort((a, b) => b.r - a.r);
  const used = feats.slice(0, MAX_FEATURES);
  const k = used.length;
  const resid = new Float64Array(nn + ni);
  if (k === 0) {
    for (let i = 0; i < nn + ni; i++) resid[i] = y[i]! - yCenter;
  } else {
    // Standardise features on the normal window, centre y, solve ridge.
    const mean = new Float64Array(k);
    const sd = new Float64Array(k);
    used.forEach((f, j) => {
      let m = 0;
      for (let i = 0; i < nn; i++) m += f.x[i]!;
      mean[j] = m / nn;
      sd[j] = std(f.x, nn) || 1;
    });
    let ym = 0;
    for (let i = 0; i < nn; i++) ym += y[i]!;
    ym /= nn;
    const A = new Float64Array(k * k);
    const b = new Float64Array(k);
    const lambda = 0.05 * nn;
    for (let i = 0; i < nn; i++) {
      for (let a = 0; a < k; a++) {
        const xa = (used[a]!.x[i]! - mean[a]!) / sd[a]!;
        b[a]! += xa * (y[i]! - ym);
        for (let c = 0; c <= a; c++) A[a * k + c]! += xa * ((used[c]!.x[i]! - mean[c]!) / sd[c]!);
      }
    }
    for (let a = 0; a < k; a++) {
      for (let c = 0; c < a; c++) A[c * k + a] = A[a * k + c]!;
      A[a * k + a]! += lambda;
    }
    const beta = solveSpd(A, b, k) ?? new Float64Array(k);
    for (let i = 0; i < nn + ni; i++) {
      let pred = ym;
      for (let a = 0; a < k; a++) pred += (beta[a]! * (used[a]!.x[i]! - mean[a]!)) / sd[a]!;
      resid[i] = y[i]! - pred;
    }
  }
  const rBase = resid.subarray(0, nn);
  const rCenter = median(rBase);
  const rScale = Math.max(robustScale(rBase, rCenter), 0.2 * yScale);
  const z = new Float64Array(ni);
  for (let i = 0; i < ni; i++) z[i] = Math.abs(resid[nn + i]! - rCenter) / rScale;
  return { score: trimmedUpperMean(z), explainedBy: used.map((f) => f.name) };
}

/**
 * (c) Metric-based scorer: for each candidate, models each of its metrics from its
 * dependencies' metrics in the normal window and scores how far the incident window departs
 * from the model. A root cause's departure is not explained by its dependencies.
 */
export function rankMetric(pc: PreparedCase, an: Anomalies, cands: readonly number[]): NodeScore[] {
  const g = pc.g;
  const out: NodeScore[] = [];
  for (const c of cands) {
    const own = seriesOf(pc, c);
    if (own.length === 0) {
      out.push({ node: c, score: 0, evidence: ['no metrics: the metric scorer cannot judge it'] });
      continue;
    }
    const parents: SeriesData[] = [];
    const parentNames: string[] = [];
    for (let e = g.depStart[c]!; e < g.depStart[c + 1]!; e++) {
      const d = g.depAdj[e]!;
      const list = seriesOf(pc, d);
      for (const s of list) parents.push({ ...s, metric: `${g.ids[d]}.${s.metric}` });
      if (list.length > 0) parentNames.push(g.ids[d]!);
    }
    let best = 0;
    let bestMetric = '';
    let bestBy: string[] = [];
    const at = pc.seriesStart[c]!;
    own.forEach((s, k) => {
      // Only series that depart at all are worth modelling.
      if (an.perSeries[at + k]! < 1) return;
      const r = residualDeparture(s, parents, pc);
      if (r && r.score > best) {
        best = r.score;
        bestMetric = s.metric;
        bestBy = r.explainedBy;
      }
    });
    out.push({
      node: c,
      score: best,
      evidence: [
        best > 0
          ? `${bestMetric} departs from what ${parentNames.length > 0 ? `its dependencies (${parentNames.slice(0, 5).join(', ')}${parentNames.length > 5 ? ', …' : ''})` : 'its own normal level'} predict: residual z=${fmt(best)}` +
            (bestBy.length > 0 ? ` (model used ${bestBy.slice(0, 3).join(', ')})` : '')
          : 'no metric departs from its normal model',
      ],
    });
  }
  return out;
}

/** Normalises scores to [0, 1] by the maximum (in place) and returns a node → score map. */
export function normalise(list: NodeScore[]): Map<number, NodeScore> {
  let max = 0;
  for (const s of list) max = Math.max(max, s.score);
  const out = new Map<number, NodeScore>();
  for (const s of list) {
    s.score = max > 0 ? s.score / max : 0;
    out.set(s.node, s);
  }
  return out;
}

/** Nodes that `from` depends on, transitively (including itself). */
export function upstreamOf(g: CompactGraph, from: number): Set<number> {
  const seen = new Set([from]);
  const queue = [from];
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (let e = g.depStart[u]!; e < g.depStart[u + 1]!; e++) {
      const v = g.depAdj[e]!;
      if (!seen.has(v)) {
        seen.add(v);
        queue.push(v);
      }
    }
  }
  return seen;
}
