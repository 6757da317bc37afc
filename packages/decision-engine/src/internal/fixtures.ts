import type { Incident, Symptom } from '@homeostat/core';

/** Test helper: an incident with sensible defaults. Not exported from the package. */
export function makeIncident(over: Partial<Incident> = {}): Incident {
  const symptoms: Symptom[] = [
    {
      series: 'checkout:latency_p99',
      resource: 'checkout',
      metric: 'latency_p99',
      t: 1_000,
      value: 950,
      score: 0.95,
    },
  ];
  return {
    id: 'inc-1',
    resource: 'checkout',
    symptoms,
    severity: 'error',
    openedAt: 1_000,
    labels: {
      alertname: 'HighLatency',
      pod: 'checkout-7f9c',
      namespace: 'shop',
      criticality: 'low',
    },
    annotations: { summary: 'p99 latency above 900 ms' },
    rootCauses: [{ node: 'checkout', score: 0.9, evidence: ['latency rose first here'] }],
    ...over,
  };
}
