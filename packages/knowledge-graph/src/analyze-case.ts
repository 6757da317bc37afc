import { InputError, toIssues, type Issue, type RootCause } from '@homeostat/core';
import { z } from 'zod';
import { compactFromPairs } from './internal/compact-graph.js';
import {
  anomalousSet,
  candidates,
  computeAnomalies,
  normalise,
  rankMetric,
  rankPageRank,
  rankUpstream,
  upstreamOf,
  type NodeScore,
  type PreparedCase,
  type SeriesData,
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
  graph: z.object({
    edges: z.array(z.tuple([id, id])).default([]),
    nodes: z.array(id).optional(),
  }),
  metrics: z.record(
    id,
    z.record(
      id,
      z.object({ t: numbers, v: nullableNumbers }).refine((s) => s.t.length === s.v.length, {
        message: 't and v must have the same length',
        path: ['v'],
      }),
    ),
  ),
  normal: window,
  incident: window,
  target: z.object({ node: id, metric: id.optional() }).optional(),
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
  /** Ensemble weights (defaults: metric 0.6, upstream 0.25, pagerank 0.15). */
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

/** {@link scanSeries}: every value finite and times in order. */
const CLEAN = 0;
/** {@link scanSeries}: only missing or non-finite values, or times out of order. */
const NEEDS_CLEANING = 1;
/** {@link scanSeries}: some element has the wrong type. */
const INVALID = 2;

/**
 * Checks one series' elements in a tight loop (it runs on millions of values): CLEAN,
 * NEEDS_CLEANING (nulls, NaN, ±Infinity in `v` or non-finite times, or times out of order) or
 * INVALID (a time that is not a number, or a value that is neither a number nor null).
 */
function scanSeries(st: readonly unknown[], sv: readonly unknown[]): number {
  let prev = -Infinity;
  const n = st.length;
  for (let k = 0; k < n; k++) {
    const t = st[k];
    const v = sv[k];
    if (typeof t === 'number' && typeof v === 'number' && t - t === 0 && v - v === 0) {
      if (t < prev) return scanRest(st, sv, k, NEEDS_CLEANING);
      prev = t;
      continue;
    }
    return scanRest(st, sv, k, NEEDS_CLEANING);
  }
  return CLEAN;
}

/** The rest of {@link scanSeries} once a series is known not to be clean: looks for wrong types. */
function scanRest(
  st: readonly unknown[],
  sv: readonly unknown[],
  from: number,
  status: number,
): number {
  for (let k = from; k < st.length; k++) {
    const v = sv[k];
    if (typeof st[k] !== 'number' || (v !== null && typeof v !== 'number')) return INVALID;
  }
  return status;
}

/** Adds an issue (with its path) for every element of wrong type, up to 20 issues in all. */
function reportInvalidValues(
  st: readonly unknown[],
  sv: readonly unknown[],
  path: string,
  issues: Issue[],
): void {
  for (let k = 0; k < st.length && issues.length < 20; k++) {
    const v = sv[k];
    if (typeof st[k] !== 'number')
      issues.push({ path: `${path}.t.${k}`, message: 'must be a number' });
    else if (v !== null && typeof v !== 'number') {
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
  checkMetricTree(c.metrics, issues);
  if (issues.length > 0) throw new InputError(issues, ctx);
  const pairs: [string, string][] = [];
  let selfLoops = 0;
  for (const [a, b] of c.graph.edges) {
    if (a === b) selfLoops++;
    else pairs.push([a, b]);
  }
  if (selfLoops > 0) warnings.push(`${selfLoops} self-loop edge(s) ignored`);
  const graphNodes = new Set<string>(c.graph.nodes ?? []);
  for (const [a, b] of pairs) graphNodes.add(a).add(b);
  const unknown = Object.keys(c.metrics).filter((n) => !graphNodes.has(n));
  if (unknown.length > 0) {
    warnings.push(
      `${unknown.length} node(s) in metrics are not in the graph and were added without edges: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', …' : ''}`,
    );
  }
  const g = compactFromPairs(pairs, [...(c.graph.nodes ?? []), ...Object.keys(c.metrics)]);
  const series: SeriesData[][] = g.ids.map(() => []);
  // One pass over every value: clean series (all values finite, times in order — the common
  // case) are used as given, without a copy; the others are filtered and sorted into copies.
  let dropped = 0;
  for (const node of Object.keys(c.metrics)) {
    const byMetric = c.metrics[node]!;
    const list = series[g.index.get(node)!]!;
    for (const metric of Object.keys(byMetric)) {
      const s = byMetric[metric]!;
      const st = s.t as readonly unknown[];
      const sv = s.v as readonly unknown[];
      const status = scanSeries(st, sv);
      if (status === CLEAN) {
        if (issues.length === 0) list.push({ metric, t: s.t, v: s.v as number[] });
        continue;
      }
      if (status === INVALID) {
        reportInvalidValues(st, sv, `metrics.${node}.${metric}`, issues);
        continue;
      }
      if (issues.length > 0) continue;
      const cleaned = cleanSeries(s.t, s.v);
      dropped += s.t.length - cleaned.t.length;
      list.push({ metric, ...cleaned });
    }
  }
  if (issues.length > 0) throw new InputError(issues, ctx);
  if (dropped > 0) warnings.push(`${dropped} missing or non-finite value(s) skipped`);
  let target: PreparedCase['target'];
  if (c.target) {
    const ti = g.index.get(c.target.node);
    if (ti === undefined)
      warnings.push(`target node '${c.target.node}' is not in the case; ignored`);
    else {
      if (c.target.metric && !series[ti]!.some((s) => s.metric === c.target!.metric)) {
        warnings.push(`target metric '${c.target.metric}' has no series on '${c.target.node}'`);
      }
      target = { node: ti, ...(c.target.metric ? { metric: c.target.metric } : {}) };
    }
  }
  if (issues.length > 0) throw new InputError(issues, ctx);
  return {
    g,
    series,
    normal: c.normal,
    incident: c.incident,
    warnings,
    ...(target ? { target } : {}),
  };
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
      const w = { ...DEFAULT_WEIGHTS, ...options.weights };
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

/**
 * Ranks the likely root causes of an incident described by a case: the generic RCA entry point,
 * usable on data from anywhere (also behind `pnpm rca --case FILE.json`).
 *
 * @remarks Cycles and self-loops in the graph, nodes in `metrics` that are not in the graph,
 * series with empty windows, missing values and an unknown target are handled and reported in
 * `warnings`; they never throw. Every walk is bounded, so it always returns.
 * @throws {InputError} when the case does not match the format (the error names each path).
 * @example
 * ```ts
 * const { ranking } = analyzeCase(JSON.parse(text), { top: 5 });
 * ```
 */
export function analyzeCase(input: unknown, options: AnalyzeCaseOptions = {}): RcaResult {
  const top = options.top ?? 10;
  const pc = prepareCase(input, options.source);
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
