/**
 * Synthetic but realistic policy sets and incident streams for the decision-engine benchmark.
 * Deterministic (seeded), so every run decides the same incidents.
 */
import type { Incident, Severity } from '@homeostat/core';
import type { PolicyInput } from '@homeostat/decision-engine';

const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error', 'critical'];
const NAMESPACES = ['shop', 'payments', 'search', 'infra', 'auth'];
const METRICS = ['latency_p99', 'error_rate', 'cpu', 'memory', 'saturation'];

/** A small, fast, seeded PRNG (LCG) so workloads are reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * `n` policies, one per alert name, each with 2–4 matchers of mixed kinds (equality on the
 * alert name, set membership on the namespace, a severity floor, an anchored regex on the pod,
 * a score threshold), mixed priorities, and two or three parameter templates.
 */
export function makePolicies(n: number, seed = 1): PolicyInput[] {
  const r = rng(seed);
  const out: PolicyInput[] = [];
  for (let i = 0; i < n; i++) {
    const match: NonNullable<PolicyInput['match']> = [`label.alertname="Alert${i}"`];
    if (r() < 0.6)
      match.push({ field: 'label.namespace', op: 'in', value: NAMESPACES.filter(() => r() < 0.7) });
    if (r() < 0.5) match.push(`severity>=${SEVERITIES[Math.floor(r() * 3)]!}`);
    if (r() < 0.3) match.push(`label.pod=~"svc${i % 50}-[a-z0-9]+"`);
    if (r() < 0.3) match.push('score>0.5');
    out.push({
      name: `policy-${i}`,
      priority: Math.floor(r() * 5),
      match,
      runbook: `runbook-${i % 25}`,
      params: {
        pod: '${label.pod}',
        namespace: '${label.namespace}',
        reason: '${annotation.summary}',
      },
      rollback: r() < 0.7,
    });
  }
  return out;
}

/**
 * `count` incidents for a set of `policies` policies: most name an existing alert (so the
 * matching policy sits anywhere in the list), `missRate` name an unknown one (a full scan that
 * escalates).
 */
export function makeIncidents(
  count: number,
  policies: number,
  options: { seed?: number; missRate?: number } = {},
): Incident[] {
  const r = rng(options.seed ?? 2);
  const missRate = options.missRate ?? 0.1;
  const out: Incident[] = [];
  for (let k = 0; k < count; k++) {
    const i = r() < missRate ? policies + Math.floor(r() * 1000) : Math.floor(r() * policies);
    const ns = NAMESPACES[Math.floor(r() * NAMESPACES.length)]!;
    const score = 0.5 + 0.5 * r();
    out.push({
      id: `inc-${k}`,
      resource: `svc${i % 50}`,
      symptoms: [
        {
          series: `svc${i % 50}:${METRICS[k % METRICS.length]!}`,
          resource: `svc${i % 50}`,
          metric: METRICS[k % METRICS.length]!,
          t: k,
          value: 100 * score,
          score,
        },
      ],
      severity: SEVERITIES[1 + Math.floor(r() * 3)]!,
      openedAt: k,
      labels: {
        alertname: `Alert${i}`,
        namespace: ns,
        pod: `svc${i % 50}-${Math.floor(r() * 1e6).toString(36)}`,
        criticality: r() < 0.5 ? 'low' : 'medium',
      },
      annotations: { summary: `Alert${i} firing on svc${i % 50}` },
      rootCauses: [{ node: `svc${i % 50}`, score: 0.6 + 0.4 * r(), evidence: [] }],
    });
  }
  return out;
}
