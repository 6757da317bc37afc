import type { Decision, Incident, Outcome } from '@homeostat/core';
import type { IncidentMemory } from '@homeostat/knowledge-graph';

/**
 * The kind of incident a track record is kept for: the incident kind and the component at
 * fault — a dependency when any symptom is on one (a component other than checkout).
 */
export function signatureOf(incident: Incident): string {
  if (incident.labels.kind) return `${incident.labels.kind}|${incident.resource}`;
  const dependency = incident.symptoms.find((s) => s.resource && s.resource !== 'checkout');
  return dependency ? `dependency|${dependency.resource}` : `anomaly|${incident.resource}`;
}

/**
 * The service's history before the demo starts: each of the self-driving runbooks has worked on
 * its kind of incident several times before. This is what lets the decision engine trust them
 * enough to act alone (confidence > 0.8); without it the same incidents go to a person first.
 * The catalog runbook has no history on purpose.
 */
export function seedHistory(memory: IncidentMemory): void {
  const past: [string, Incident][] = [
    ['degrade-dependency', incident('dependency', 'error_ratio', 'payments')],
    ['recycle-worker', incident('exhaustion', 'worker_memory_mb')],
    ['scale-out', incident('scaling', 'requests_per_s')],
  ];
  let n = 0;
  for (const [runbook, inc] of past) {
    for (let i = 0; i < 8; i++) {
      const decision: Decision = {
        id: `history-${++n}`,
        incident: inc,
        verdict: 'execute',
        runbook,
        confidence: 0.9,
        risk: 0.1,
        rationale: ['from the service history'],
      };
      const outcome: Outcome = {
        decision,
        status: 'succeeded',
        verified: true,
        steps: [],
        durationMs: 5_000,
      };
      memory.recordOutcome(outcome);
    }
  }
}

function incident(kind: string, metric: string, dependency?: string): Incident {
  const resource = 'checkout';
  return {
    id: `history-${kind}`,
    resource,
    severity: 'error',
    openedAt: 0,
    labels: kind === 'dependency' ? {} : { kind },
    rootCauses: [
      { node: dependency ?? resource, score: 1, evidence: ['from the service history'] },
    ],
    symptoms: [
      { series: `${resource}:${metric}`, resource, metric, t: 0, score: 0.9 },
      ...(dependency
        ? [{ series: `${dependency}:${metric}`, resource: dependency, metric, t: 0, score: 0.9 }]
        : []),
    ],
  };
}
