import { InputError, toIssues, type Issue, type RootCause } from '@homeostat/core';
import { z } from 'zod';
import { checkRankOptions } from './internal/rank-options.js';
import { buildCompactGraph } from './internal/compact-graph.js';
import {
  anomalousSet,
  candidates,
  computeAnomalies,
  checkedDepartureAt,
  departureAt,
  normalise,
  rankMetric,
  rankPageRank,
  rankUpstream,
  seriesOf,
  upstreamOf,
  windowIndex,
  type NodeScore,
  type PreparedCase,
  type WindowIndex,
} from './internal/rca-engine.js';

const id = z.string().min(1, 'must be a non-empty string');
const window = z
  .tuple([z.number(), z.number()])
  .refine(([a, b]) => b >= a, 'window end must not be before its start');

// Series arrays can hold millions of numbers: zod checks the shape, and `prepareCase` checks
// the elements in one tight loop (with the same path-naming issues).
const numbers = z.custom<number[]>((x) => Array.isArray(x), {
  message: 'must be an array of numbers',
});
const nullableNumbers = z.custom<(number | null)[]>((x) => Array.isArray(x), {
  message: 'must be an array of numbers or nulls',
});

/**
 * zod schema of an RCA case file (see {@link RcaCase}). Values may be `null` (missing); times
 * and values must be arrays of the same length. Element types are checked by
 * {@link analyzeCase} (and `prepareCase`), not by this schema alone.
 */
export const rcaCaseSchema = z.object({
  /** The dependency graph of the case. */
  graph: z.object({
    /**
     * Edges `[from, to]`, from a node to what it depends on (default none). Self-loops are
     * dropped with a warning, repeated pairs silently; cycles are fine.
     */
    edges: z.array(z.tuple([id, id])).default([]),
    /** More node ids, for nodes that no edge names (optional). */
    nodes: z.array(id).optional(),
  }),
  /**
   * Metric series by node id, then by metric name. Nodes that the graph does not name are added
   * without edges, with a warning.
   */
  metrics: z.record(
    id,
    z.record(
      id,
      z
        .object({
          /**
           * Sample times, in any unit shared with `normal` and `incident` (epoch ms, seconds…).
           * Points with a non-finite time are skipped; times out of order are sorted.
           */
          t: numbers,
          /** The value at each time; `null` or non-finite values are skipped (with a warning). */
          v: nullableNumbers,
        })
        .refine((s) => s.t.length === s.v.length, {
          message: 't and v must have the same length',
          path: ['v'],
        }),
    ),
  ),
  /**
   * `[start, end]` of the window of normal behaviour, both ends included, in the unit of `t`. A
   * series needs at least 3 points in it to be scored.
   */
  normal: window,
  /**
   * `[start, end]` of the incident window, both ends included, in the unit of `t`. A series with
   * no point in it is left out (with a warning).
   */
  incident: window,
  /**
   * The symptom to explain (optional): candidates that are neither the target node nor one of its
   * dependencies, transitively, get half their score.
   */
  target: z
    .object({
      /** Node id of the symptom; ignored, with a warning, when the case has no such node. */
      node: id,
      /**
       * Metric of the symptom (optional). Only checked: a warning when the node has no series of
       * that name; the ranking does not use it.
       */
      metric: id.optional(),
    })
    .optional(),
});

/**
 * An RCA case: a dependency graph (edges point from a node to what it depends on), metric
 * series per node, a normal and an incident time window, and optionally the target symptom.
 */
export type RcaCase = z.input<typeof rcaCaseSchema>;

function checkEdges(edges: readonly unknown[], issues: Issue[]): void {
  for (let i = 0; i < edges.length && issues.length < 20; i++) {
    const e = edges[i];
    if (
      !Array.isArray(e) ||
      e.length !== 2 ||
      typeof e[0] !== 'string' ||
      typeof e[1] !== 'string' ||
      e[0].length === 0 ||
      e[1].length === 0
    ) {
      issues.push({
        path: `graph.edges.${i}`,
        message: 'must be a pair [caller, callee] of non-empty strings',
      });
    }
  }
}

const caseSkeletonSchema = rcaCaseSchema.extend({
  graph: z.object({
    edges: z
      .custom<[string, string][]>((x) => Array.isArray(x), { message: 'must be an array of pairs' })
      .default([]),
    nodes: z.array(id).optional(),
  }),
  metrics: z.custom<Record<string, Record<string, { t: number[]; v: (number | null)[] }>>>(
    (x) => typeof x === 'object' && x !== null && !Array.isArray(x),
    { message: 'must be an object: node → metric → { t, v }' },
  ),
});

function checkMetricTree(metrics: Record<string, unknown>, issues: Issue[]): void {
  const isObject = (x: unknown): x is Record<string, unknown> =>
    typeof x === 'object' && x !== null && !Array.isArray(x);
  for (const [node, byMetric] of Object.entries(metrics)) {
    if (issues.length >= 20) return;
    if (node.length === 0)
      issues.push({ path: 'metrics', message: 'node names must be non-empty' });
    if (!isObject(byMetric)) {
      issues.push({ path: `metrics.${node}`, message: 'must be an object: metric → { t, v }' });
      continue;
    }
    for (const [metric, s] of Object.entries(byMetric)) {
      const path = `metrics.${node}.${metric}`;
      if (!isObject(s)) issues.push({ path, message: 'must be an object { t, v }' });
      else if (!Array.isArray(s.t))
        issues.push({ path: `${path}.t`, message: 'must be an array of numbers' });
      else if (!Array.isArray(s.v)) {
        issues.push({ path: `${path}.v`, message: 'must be an array of numbers or nulls' });
      } else if (s.t.length !== s.v.length) {
        issues.push({ path: `${path}.v`, message: 't and v must have the same length' });
      }
    }
  }
}

/** The root-cause methods. */
export type RcaMethod = 'ensemble' | 'upstream' | 'pagerank' | 'metric';

/** Every {@link RcaMethod}. */
export const RCA_METHODS: readonly RcaMethod[] = ['ensemble', 'upstream', 'pagerank', 'metric'];

/** Options of {@link analyzeCase}. */
export interface AnalyzeCaseOptions {
  /** Which ranking to return (default `ensemble`). */
  readonly method?: RcaMethod;
  /** Most nodes in the ranking (default 10). */
  readonly top?: number;
  /** Where the case came from (a file name); it appears in errors. */
  readonly source?: string;
  /** Ensemble weights, each finite and ≥ 0 (defaults: metric 0.6, upstream 0.25, pagerank 0.15). */
  readonly weights?: Partial<Record<Exclude<RcaMethod, 'ensemble'>, number>>;
  /** Most anomalous nodes considered as candidates (default 300). */
  readonly maxCandidates?: number;
}

/** Result of {@link analyzeCase}. */
export interface RcaResult {
  /** Most likely root causes first, each with its evidence. */
  readonly ranking: readonly RootCause[];
  /** Everything odd about the input that was handled rather than rejected. */
  readonly warnings: readonly string[];
}

const DEFAULT_WEIGHTS = { metric: 0.6, upstream: 0.25, pagerank: 0.15 };

/** Per series: every element finite and times in order. */
const CLEAN = 0;
/** Per series: some missing or non-finite elements, or times out of order. */
const NEEDS_CLEANING = 1;
/** Per series: some element has the wrong type. */
const INVALID = 2;

/**
 * Checks a time array in one tight loop (it runs on millions of values): CLEAN (finite and
 * non-decreasing), NEEDS_CLEANING (non-finite or out of order) or INVALID (some element is not a
 * number).
 */
function scanTimes(st: readonly unknown[]): number {
  let prev = -Infinity;
  for (let k = 0; k < st.length; k++) {
    const t = st[k];
    if (typeof t !== 'number') return INVALID;
    if (t - t !== 0 || t < prev) return scanRest(st, k, 'number');
    prev = t;
  }
  return CLEAN;
}

/**
 * Checks a value array: CLEAN (all finite numbers), NEEDS_CLEANING (some null or non-finite) or
 * INVALID (some element is neither a number nor null).
 */
function scanValues(sv: readonly unknown[]): number {
  for (let k = 0; k < sv.length; k++) {
    const v = sv[k];
    if (typeof v !== 'number' || v - v !== 0) return scanRest(sv, k, 'number or null');
  }
  return CLEAN;
}

/** The rest of a scan once an array is known not to be clean: looks for wrong types. */
function scanRest(
  a: readonly unknown[],
  from: number,
  allowed: 'number' | 'number or null',
): number {
  for (let k = from; k < a.length; k++) {
    const x = a[k];
    if (typeof x !== 'number' && (allowed === 'number' || x !== null)) return INVALID;
  }
  return NEEDS_CLEANING;
}

/** Adds an issue (with its path) for every element of wrong type, up to 20 issues in all. */
function reportInvalidValues(
  s: { readonly t: readonly unknown[]; readonly v: readonly unknown[] },
  path: string,
  issues: Issue[],
): void {
  for (let k = 0; k < s.t.length && issues.length < 20; k++) {
    const v = s.v[k];
    if (typeof s.t[k] !== 'number') {
      issues.push({ path: `${path}.t.${k}`, message: 'must be a number' });
    } else if (v !== null && typeof v !== 'number') {
      issues.push({ path: `${path}.v.${k}`, message: 'must be a number or null' });
    }
  }
}

/** Copies the usable points of a series (finite time and value), sorted by time (stable). */
function cleanSeries(
  st: readonly number[],
  sv: readonly (number | null)[],
): { t: Float64Array; v: Float64Array } {
  const keep: number[] = [];
  for (let k = 0; k < st.length; k++) {
    if (Number.isFinite(st[k]) && Number.isFinite(sv[k])) keep.push(k);
  }
  keep.sort((a, b) => st[a]! - st[b]! || a - b);
  const t = new Float64Array(keep.length);
  const v = new Float64Array(keep.length);
  for (let j = 0; j < keep.length; j++) {
    t[j] = st[keep[j]!]!;
    v[j] = sv[keep[j]!]!;
  }
  return { t, v };
}

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Node ids in order of first appearance, with their index. */
class IdTable {
  readonly ids: string[] = [];
  readonly index = new Map<string, number>();

  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.ids.length;
      this.ids.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/**
 * The graph part of a case: ids in the order edges, `graph.nodes`, then metric nodes first name
 * them; duplicate edges (the first is kept) and self-loops dropped.
 */
function edgesOf(
  edges: readonly (readonly [string, string])[],
  table: IdTable,
  warnings: string[],
): { from: Int32Array; to: Int32Array; length: number } {
  const from: number[] = [];
  const to: number[] = [];
  let selfLoops = 0;
  // Edge lists are usually grouped by caller: remember the last one's index.
  let lastA: string | undefined;
  let lastIa = -1;
  for (let e = 0; e < edges.length; e++) {
    const a = edges[e]![0];
    const b = edges[e]![1];
    if (a === b) {
      selfLoops++;
      continue;
    }
    if (a !== lastA) {
      lastA = a;
      lastIa = table.id(a);
    }
    from.push(lastIa);
    to.push(table.id(b));
  }
  if (selfLoops > 0) warnings.push(`${selfLoops} self-loop edge(s) ignored`);
  return dropDuplicateEdges(from, to, table.ids.length);
}

/**
 * Removes repeated `from → to` pairs (they would double-count in walks and coverage), keeping
 * the first of each and the order of the rest: edges are bucketed by caller (in order), and a
 * per-callee stamp spots repeats within a bucket.
 */
function dropDuplicateEdges(
  from: readonly number[],
  to: readonly number[],
  n: number,
): { from: Int32Array; to: Int32Array; length: number } {
  const m = from.length;
  const bucket = new Int32Array(n + 1);
  for (let e = 0; e < m; e++) bucket[from[e]! + 1]!++;
  for (let i = 0; i < n; i++) bucket[i + 1]! += bucket[i]!;
  const fill = bucket.slice(0, n);
  const byCaller = new Int32Array(m);
  for (let e = 0; e < m; e++) byCaller[fill[from[e]!]!++] = e;
  const stamp = new Int32Array(n);
  const keep = new Uint8Array(m);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    for (let k = bucket[i]!; k < bucket[i + 1]!; k++) {
      const e = byCaller[k]!;
      if (stamp[to[e]!] === i + 1) continue;
      stamp[to[e]!] = i + 1;
      keep[e] = 1;
      kept++;
    }
  }
  const outFrom = new Int32Array(kept);
  const outTo = new Int32Array(kept);
  let at = 0;
  for (let e = 0; e < m; e++) {
    if (!keep[e]) continue;
    outFrom[at] = from[e]!;
    outTo[at++] = to[e]!;
  }
  return { from: outFrom, to: outTo, length: kept };
}

/** What the pass over the metric tree collects. */
interface SeriesTable {
  readonly metric: string[];
  readonly t: ArrayLike<number>[];
  readonly v: ArrayLike<number>[];
  readonly departure: number[];
  /** Per metric node (in key order): its node index, first series and series count. */
  readonly nodes: number[];
  readonly starts: number[];
  readonly counts: number[];
  /** Nodes in `metrics` that the graph does not name. */
  readonly unknown: string[];
  /** Values dropped as missing or non-finite. */
  dropped: number;
}

/**
 * One pass over the metric tree: checks the shape of every series (`issues`) and the type of
 * every element (`valueIssues`), and computes each series' departure while its values are hot
 * in cache. Clean series (the common case) are used as given, without a copy; the others are
 * filtered and sorted into copies first. A time array shared by several series is checked and
 * searched for the windows once.
 */
function scanMetrics(
  c: {
    readonly metrics: Record<string, Record<string, { t: number[]; v: (number | null)[] }>>;
    readonly normal: readonly [number, number];
    readonly incident: readonly [number, number];
  },
  table: IdTable,
  issues: { readonly shape: Issue[]; readonly values: Issue[] },
): SeriesTable {
  const out: SeriesTable = {
    metric: [],
    t: [],
    v: [],
    departure: [],
    nodes: [],
    starts: [],
    counts: [],
    unknown: [],
    dropped: 0,
  };
  const known = table.ids.length;
  let scratch = new Float64Array(64);
  let lastT: unknown = undefined;
  let tStatus = CLEAN;
  const w: WindowIndex = { n0: 0, n1: 0, i0: 0, i1: 0 };
  for (const node of Object.keys(c.metrics)) {
    if (issues.shape.length >= 20) break;
    if (node.length === 0)
      issues.shape.push({ path: 'metrics', message: 'node names must be non-empty' });
    const byMetric: unknown = c.metrics[node];
    if (!isObject(byMetric)) {
      issues.shape.push({
        path: `metrics.${node}`,
        message: 'must be an object: metric → { t, v }',
      });
      continue;
    }
    const i = table.id(node);
    if (i >= known) out.unknown.push(node);
    const start = out.metric.length;
    for (const metric in byMetric) {
      if (!Object.hasOwn(byMetric, metric)) continue;
      const s = byMetric[metric];
      if (!isObject(s)) {
        issues.shape.push({
          path: `metrics.${node}.${metric}`,
          message: 'must be an object { t, v }',
        });
        continue;
      }
      const st = s.t;
      const sv = s.v;
      if (!Array.isArray(st)) {
        issues.shape.push({
          path: `metrics.${node}.${metric}.t`,
          message: 'must be an array of numbers',
        });
        continue;
      }
      if (!Array.isArray(sv)) {
        issues.shape.push({
          path: `metrics.${node}.${metric}.v`,
          message: 'must be an array of numbers or nulls',
        });
        continue;
      }
      if (st.length !== sv.length) {
        issues.shape.push({
          path: `metrics.${node}.${metric}.v`,
          message: 't and v must have the same length',
        });
        continue;
      }
      if (issues.shape.length > 0) continue; // the case is rejected for its shape anyway
      if (st !== lastT) {
        lastT = st;
        tStatus = scanTimes(st);
        if (tStatus === CLEAN) windowIndex(st as number[], c, w);
      }
      if (scratch.length < st.length) scratch = new Float64Array(st.length);
      if (tStatus === CLEAN) {
        // The common case: times known clean, values checked and summarised in one pass.
        const d = checkedDepartureAt(sv, w, scratch);
        if (d !== -1 && issues.values.length === 0) {
          out.metric.push(metric);
          out.t.push(st as number[]);
          out.v.push(sv as number[]);
          out.departure.push(d);
          continue;
        }
      }
      const status = tStatus === INVALID ? INVALID : Math.max(tStatus, scanValues(sv));
      if (status === INVALID) {
        reportInvalidValues({ t: st, v: sv }, `metrics.${node}.${metric}`, issues.values);
        continue;
      }
      // A clean series only gets here when the case is already rejected for its values.
      if (issues.values.length > 0 || status === CLEAN) continue;
      const cleaned = cleanSeries(st as number[], sv as (number | null)[]);
      out.dropped += st.length - cleaned.t.length;
      out.metric.push(metric);
      out.t.push(cleaned.t);
      out.v.push(cleaned.v);
      const cw = windowIndex(cleaned.t, c, { n0: 0, n1: 0, i0: 0, i1: 0 });
      out.departure.push(departureAt(cleaned.v, cw, scratch));
    }
    out.nodes.push(i);
    out.starts.push(start);
    out.counts.push(out.metric.length - start);
  }
  return out;
}

/**
 * Validates a case and prepares it for scoring.
 *
 * @throws {InputError} naming the source and the path of every problem.
 */
export function prepareCase(input: unknown, source?: string): PreparedCase {
  const ctx = source === undefined ? {} : { source };
  // zod checks the skeleton; the metric tree can have tens of thousands of series, so it is
  // checked by hand below (same issue format), which is an order of magnitude faster.
  const parsed = caseSkeletonSchema.safeParse(input);
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    const raw = input as { metrics?: unknown; graph?: { edges?: unknown } } | null;
    if (Array.isArray(raw?.graph?.edges)) checkEdges(raw.graph.edges, issues);
    const metrics = raw?.metrics;
    if (typeof metrics === 'object' && metrics !== null && !Array.isArray(metrics)) {
      checkMetricTree(metrics as Record<string, unknown>, issues);
    }
    throw new InputError(issues, { cause: parsed.error, ...ctx });
  }
  const c = parsed.data;
  const warnings: string[] = [];
  const issues: Issue[] = [];
  checkEdges(c.graph.edges, issues);
  const table = new IdTable();
  const edges =
    issues.length === 0
      ? edgesOf(c.graph.edges, table, warnings)
      : { from: new Int32Array(0), to: new Int32Array(0), length: 0 };
  for (const node of c.graph.nodes ?? []) table.id(node);
  const valueIssues: Issue[] = [];
  const scanned = scanMetrics(c, table, { shape: issues, values: valueIssues });
  if (issues.length > 0) throw new InputError(issues, ctx);
  if (valueIssues.length > 0) throw new InputError(valueIssues, ctx);
  const { unknown, dropped } = scanned;
  if (unknown.length > 0) {
    warnings.push(
      `${unknown.length} node(s) in metrics are not in the graph and were added without edges: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`,
    );
  }
  const g = buildCompactGraph(table.ids, edges, table.index);
  const n = g.ids.length;
  const seriesStart = new Int32Array(n);
  const seriesCount = new Int32Array(n);
  for (let k = 0; k < scanned.nodes.length; k++) {
    seriesStart[scanned.nodes[k]!] = scanned.starts[k]!;
    seriesCount[scanned.nodes[k]!] = scanned.counts[k]!;
  }
  const pc: PreparedCase = {
    g,
    seriesMetric: scanned.metric,
    seriesT: scanned.t,
    seriesV: scanned.v,
    seriesStart,
    seriesCount,
    departure: Float64Array.from(scanned.departure),
    normal: c.normal,
    incident: c.incident,
    warnings,
  };
  if (dropped > 0) warnings.push(`${dropped} missing or non-finite value(s) skipped`);
  let target: PreparedCase['target'];
  if (c.target) {
    const ti = g.index.get(c.target.node);
    if (ti === undefined)
      warnings.push(`target node '${c.target.node}' is not in the case; ignored`);
    else {
      if (c.target.metric && !seriesOf(pc, ti).some((s) => s.metric === c.target!.metric)) {
        warnings.push(`target metric '${c.target.metric}' has no series on '${c.target.node}'`);
      }
      target = { node: ti, ...(c.target.metric ? { metric: c.target.metric } : {}) };
    }
  }
  return { ...pc, ...(target ? { target } : {}) };
}

/** Runs the chosen method on a prepared case; returns the full ranking (not truncated). */
export function rankPrepared(
  pc: PreparedCase,
  options: Omit<AnalyzeCaseOptions, 'source' | 'top'> = {},
): NodeScore[] {
  const method = options.method ?? 'ensemble';
  const an = computeAnomalies(pc);
  const cap = options.maxCandidates ?? 300;
  const cands = candidates(pc, an, cap);
  const anomalous = anomalousSet(an, cap);
  if (anomalous.length === 0) {
    pc.warnings.push('no node departs clearly from its normal window; the ranking is weak');
  }
  let ranked: NodeScore[];
  switch (method) {
    case 'upstream':
      ranked = rankUpstream(pc, an, { cands, anomalous });
      break;
    case 'pagerank':
      ranked = rankPageRank(pc, an, cands);
      break;
    case 'metric':
      ranked = rankMetric(pc, an, cands);
      break;
    case 'ensemble': {
      // An entry given as `undefined` keeps its default (a spread would copy the `undefined`).
      const given = options.weights ?? {};
      const w = {
        metric: given.metric ?? DEFAULT_WEIGHTS.metric,
        upstream: given.upstream ?? DEFAULT_WEIGHTS.upstream,
        pagerank: given.pagerank ?? DEFAULT_WEIGHTS.pagerank,
      };
      const parts = {
        metric: normalise(rankMetric(pc, an, cands)),
        upstream: normalise(rankUpstream(pc, an, { cands, anomalous })),
        pagerank: normalise(rankPageRank(pc, an, cands)),
      };
      ranked = cands.map((c) => {
        let score = 0;
        const evidence: string[] = [];
        for (const m of ['metric', 'upstream', 'pagerank'] as const) {
          const s = parts[m].get(c);
          if (!s) continue;
          score += w[m] * s.score;
          evidence.push(...s.evidence);
        }
        return { node: c, score, evidence };
      });
      break;
    }
  }
  if (pc.target) {
    // The symptom can only come from the target or what it depends on: others are halved.
    const up = upstreamOf(pc.g, pc.target.node);
    for (const r of ranked) {
      if (!up.has(r.node)) {
        r.score *= 0.5;
        r.evidence.push('not a dependency of the target: score halved');
      }
    }
  }
  ranked.sort((a, b) => b.score - a.score || pc.g.ids[a.node]!.localeCompare(pc.g.ids[b.node]!));
  return ranked;
}

/** A validated case, ready for {@link rankRcaCase}: made only by {@link prepareRcaCase}. */
export interface PreparedRcaCase {
  /** Nodes in the case (graph nodes and nodes that only have metrics). */
  readonly nodes: number;
  /** Series kept for scoring. */
  readonly series: number;
  /** What was handled rather than rejected while preparing (ranking may add more). */
  readonly warnings: readonly string[];
}

const preparedCases = new WeakMap<PreparedRcaCase, PreparedCase>();

/**
 * The first half of {@link analyzeCase}: validates a case and computes each series' departure
 * from its normal window (one pass over the values). Rank it with {@link rankRcaCase}, as often
 * and with as many methods as you like; the case's arrays are read, never changed, and must not
 * change until the last ranking.
 *
 * @throws {InputError} when the case does not match the format (the error names each path).
 * @example
 * ```ts
 * const prepared = prepareRcaCase(JSON.parse(text), { source: 'case.json' });
 * const byMethod = RCA_METHODS.map((method) => rankRcaCase(prepared, { method }));
 * ```
 */
export function prepareRcaCase(
  input: unknown,
  options: Pick<AnalyzeCaseOptions, 'source'> = {},
): PreparedRcaCase {
  const pc = prepareCase(input, options.source);
  const handle: PreparedRcaCase = Object.freeze({
    nodes: pc.g.ids.length,
    series: pc.seriesMetric.length,
    warnings: Object.freeze([...pc.warnings]),
  });
  preparedCases.set(handle, pc);
  return handle;
}

/**
 * The second half of {@link analyzeCase}: ranks a case made by {@link prepareRcaCase} with the
 * chosen method. `analyzeCase(c, o)` is `rankRcaCase(prepareRcaCase(c, o), o)`.
 *
 * @throws {InputError} when `prepared` was not made by {@link prepareRcaCase}.
 * @throws {ConfigError} on bad options (`top`, `maxCandidates`, `weights.*`).
 * @example
 * ```ts
 * const { ranking, warnings } = rankRcaCase(prepareRcaCase(c), { method: 'upstream', top: 3 });
 * ```
 */
export function rankRcaCase(
  prepared: PreparedRcaCase,
  options: Omit<AnalyzeCaseOptions, 'source'> = {},
): RcaResult {
  checkRankOptions('rankRcaCase', options);
  const pc = preparedCases.get(prepared);
  if (pc === undefined) {
    throw new InputError([{ path: '', message: 'not a case made by prepareRcaCase' }]);
  }
  // Each ranking adds its own warnings to a copy: the prepared case can be ranked again.
  return rankAndFormat({ ...pc, warnings: [...pc.warnings] }, options);
}

function rankAndFormat(pc: PreparedCase, options: Omit<AnalyzeCaseOptions, 'source'>): RcaResult {
  const top = options.top ?? 10;
  const ranked = rankPrepared(pc, options);
  return {
    ranking: ranked.slice(0, Math.max(0, top)).map((r) => ({
      node: pc.g.ids[r.node]!,
      score: Number(r.score.toPrecision(6)),
      evidence: r.evidence,
    })),
    warnings: pc.warnings,
  };
}

/**
 * Ranks the likely root causes of an incident described by a case: the generic RCA entry point,
 * usable on data from anywhere (also behind `pnpm rca --case FILE.json`).
 *
 * @remarks Cycles and self-loops in the graph, nodes in `metrics` that are not in the graph,
 * series with empty windows, missing values and an unknown target are handled and reported in
 * `warnings`; they never throw. Every walk is bounded, so it always returns.
 * @throws {InputError} when the case does not match the format (the error names each path).
 * @throws {ConfigError} on bad options (`top`, `maxCandidates`, `weights.*`).
 * @example
 * ```ts
 * const { ranking } = analyzeCase(JSON.parse(text), { top: 5 });
 * ```
 */
export function analyzeCase(input: unknown, options: AnalyzeCaseOptions = {}): RcaResult {
  checkRankOptions('analyzeCase', options);
  return rankAndFormat(prepareCase(input, options.source), options);
}
