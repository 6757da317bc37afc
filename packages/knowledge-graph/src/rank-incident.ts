import { isolate, type Incident, type OperatorDeps, type RootCause } from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import type { DependencyGraph } from './dependency-graph.js';
import {
  ANOMALY_THRESHOLD,
  anomalousSet,
  candidatesOf,
  normalise,
  rankPageRank,
  rankUpstream,
  upstreamOf,
  type Anomalies,
  withoutSeries,
} from './internal/rca-engine.js';
import { checkRankOptions } from './internal/rank-options.js';

/** Options of {@link rankIncident} and {@link rankRootCauses}. */
export interface RankIncidentOptions {
  /** Most root causes returned (an integer ≥ 0; default 5). */
  readonly top?: number;
  /**
   * Weight of the common-upstream score in the ensemble, in [0, 1] (default 0.55; PageRank gets
   * the rest).
   */
  readonly upstreamWeight?: number;
}

/**
 * Ranks the likely root causes of an incident from its symptoms and the dependency graph: the
 * anomalous resources are the symptoms' `resource` (or the incident's own resource), weighted by
 * their scores; the ranking is an ensemble of common upstream causes and personalized PageRank.
 *
 * @remarks Symptoms on resources that are not in the graph are ranked by their own score only,
 * with that said in the evidence. Nodes whose attribute `monitored` is `false` are treated as
 * unobserved: they can be named as a cause when anomalous nodes share them as a dependency.
 * Never throws on odd input; an incident without symptoms gets an empty ranking. Symptoms all
 * below 0.5 (anomalies kept from a lower threshold) still rank the resources they are on.
 * @throws {ConfigError} on bad options (`top`, `upstreamWeight`).
 * @example
 * ```ts
 * const causes = rankIncident(incident, graph, { top: 3 });
 * ```
 */
export function rankIncident(
  incident: Incident,
  graph: DependencyGraph,
  options: RankIncidentOptions = {},
): RootCause[] {
  checkRankOptions('rankIncident', options);
  const top = options.top ?? 5;
  const wUp = options.upstreamWeight ?? 0.55;
  const g = graph.compact();
  const n = g.ids.length;
  const p = new Float64Array(n);
  const z = new Float64Array(n);
  const observed = new Uint8Array(n).fill(1);
  const metric: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  for (let i = 0; i < n; i++) {
    if (graph.graph.getNodeAttribute(g.ids[i]!, 'attributes').monitored === false) observed[i] = 0;
  }
  const outside = new Map<string, number>();
  for (const s of incident.symptoms ?? []) {
    const resource = s.resource ?? incident.resource;
    const score = Number.isFinite(s.score) ? Math.min(0.999, Math.max(0, s.score)) : 0;
    const i = g.index.get(resource);
    if (i === undefined) {
      outside.set(resource, Math.max(outside.get(resource) ?? 0, score));
      continue;
    }
    if (score > p[i]!) {
      p[i] = score;
      metric[i] = s.metric ?? s.series;
    }
    observed[i] = 1;
  }
  // Invert p = z² / (z² + τ²) so the evidence can speak in the same units as analyzeCase.
  for (let i = 0; i < n; i++) z[i] = ANOMALY_THRESHOLD * Math.sqrt(p[i]! / (1 - p[i]!));
  const an: Anomalies = { z, p, metric, observed, perSeries: new Float64Array(0) };
  const pc = withoutSeries(g);
  let anomalous = anomalousSet(an, 300);
  // Symptoms below 0.5 (a host that keeps anomalies from a lower threshold) still make the
  // resources they are on anomalous here, as they make resources outside the graph candidates.
  if (anomalous.length === 0) {
    for (let i = 0; i < n; i++) if (p[i]! > 0) anomalous.push(i);
    anomalous = anomalous.sort((a, b) => z[b]! - z[a]!).slice(0, 300);
  }
  const out: RootCause[] = [];
  if (anomalous.length > 0) {
    const cands = candidatesOf(pc, an, { anomalous, cap: 300 });
    const up = normalise(rankUpstream(pc, an, { cands, anomalous }));
    const pr = normalise(rankPageRank(pc, an, cands));
    const inc = g.index.get(incident.resource);
    const reach = inc === undefined ? undefined : upstreamOf(g, inc);
    for (const c of cands) {
      const u = up.get(c)!;
      const r = pr.get(c)!;
      let score = wUp * u.score + (1 - wUp) * r.score;
      const evidence = [...u.evidence, ...r.evidence];
      if (reach && !reach.has(c)) {
        score *= 0.5;
        evidence.push(`not a dependency of ${incident.resource}: score halved`);
      }
      out.push({ node: g.ids[c]!, score, evidence });
    }
  }
  for (const [node, score] of outside) {
    out.push({
      node,
      score: 0.5 * score,
      evidence: [
        `symptom score ${score.toFixed(2)}; not in the dependency graph, so ranked by it alone`,
      ],
    });
  }
  out.sort((a, b) => b.score - a.score || a.node.localeCompare(b.node));
  return out.slice(0, Math.max(0, top));
}

/**
 * Operator: fills each incident's `rootCauses` with {@link rankIncident} on the current graph.
 *
 * @remarks A throw on one incident is reported through `deps.onError` and that incident is
 * skipped; upstream errors and completion pass through. The graph is read at each incident, so
 * learning that happens meanwhile is used.
 * @example
 * ```ts
 * incidents$.pipe(rankRootCauses(graph, { top: 3 })).subscribe(console.log);
 * ```
 */
export function rankRootCauses(
  graph: DependencyGraph,
  options: RankIncidentOptions = {},
  deps: OperatorDeps = {},
): OperatorFunction<Incident, Incident> {
  checkRankOptions('rankRootCauses', options);
  return isolate(
    'rankRootCauses',
    () => (incident: Incident) => ({
      ...incident,
      rootCauses: rankIncident(incident, graph, options),
    }),
    deps,
  );
}
