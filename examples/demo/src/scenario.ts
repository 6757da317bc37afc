import type { Sample } from '@homeostat/core';

/** A fault injected into the generated fleet. */
export interface InjectedFault {
  readonly kind: 'latency spike' | 'error burst' | 'level shift' | 'memory leak';
  readonly series: string;
  readonly start: number;
  readonly end: number;
}

/** A generated day of metrics. */
export interface Scenario {
  readonly start: number;
  readonly seriesCount: number;
  /** In delivery order; malformed events are mixed in. */
  readonly events: readonly unknown[];
  readonly faults: readonly InjectedFault[];
  readonly malformed: number;
  readonly malformedByIssue: Readonly<Record<string, number>>;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * Generates one day of per-minute metrics for a few services (latency, error ratio, heap),
 * with a daily cycle, noise, four injected faults and a sprinkling of malformed samples.
 * Deterministic for a given seed.
 */
export function generateFleet({ seed }: { seed: number }): Scenario {
  let state = seed >>> 0;
  const rnd = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const gauss = (): number => {
    const u = Math.max(rnd(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const start = Date.UTC(2026, 10, 2);
  const services = ['checkout', 'payments', 'catalog', 'search', 'auth', 'cart'];
  const metrics = ['latency_ms', 'error_ratio', 'heap_mb'] as const;
  const faults: InjectedFault[] = [
    {
      kind: 'latency spike',
      series: 'payments:latency_ms',
      start: start + 6 * HOUR,
      end: start + 6 * HOUR + 20 * MINUTE,
    },
    {
      kind: 'error burst',
      series: 'checkout:error_ratio',
      start: start + 10 * HOUR,
      end: start + 10 * HOUR + 15 * MINUTE,
    },
    {
      kind: 'level shift',
      series: 'search:latency_ms',
      start: start + 14 * HOUR,
      end: start + 24 * HOUR,
    },
    {
      kind: 'memory leak',
      series: 'cart:heap_mb',
      start: start + 18 * HOUR,
      end: start + 24 * HOUR,
    },
  ];
  const events: unknown[] = [];
  const malformedByIssue: Record<string, number> = {};
  const addMalformed = (issue: string, event: unknown): void => {
    events.push(event);
    malformedByIssue[issue] = (malformedByIssue[issue] ?? 0) + 1;
  };
  for (let minute = 0; minute < 24 * 60; minute++) {
    const t = start + minute * MINUTE;
    const daily = Math.sin((2 * Math.PI * minute) / (24 * 60));
    for (const svc of services) {
      for (const metric of metrics) {
        const series = `${svc}:${metric}`;
        let value: number;
        if (metric === 'latency_ms') value = 80 + 20 * daily + 4 * gauss();
        else if (metric === 'error_ratio') value = Math.max(0, 0.01 + 0.002 * gauss());
        else value = 300 + 10 * daily + 3 * gauss();
        for (const f of faults) {
          if (f.series !== series || t < f.start || t > f.end) continue;
          const into = (t - f.start) / MINUTE;
          if (f.kind === 'latency spike') value += 250;
          else if (f.kind === 'error burst') value += 0.2;
          else if (f.kind === 'level shift') value += 60;
          else value += 2.5 * into; // heap grows 2.5 MB a minute
        }
        events.push({ series, t, value, labels: { service: svc, metric } } satisfies Sample);
      }
    }
    // Malformed input, as real collectors produce it now and then.
    if (minute % 97 === 13)
      addMalformed('non-finite-value', { series: 'auth:latency_ms', t, value: Number.NaN });
    if (minute % 211 === 50)
      addMalformed('non-finite-value', {
        series: 'cart:heap_mb',
        t,
        value: Number.POSITIVE_INFINITY,
      });
    if (minute % 173 === 20) addMalformed('empty-series', { series: '', t, value: 1 });
    if (minute % 301 === 100)
      addMalformed('backwards-time', {
        series: 'catalog:latency_ms',
        t: t - 30 * MINUTE,
        value: 80,
      });
    if (minute % 419 === 7)
      addMalformed('non-finite-time', { series: 'search:heap_mb', t: Number.NaN, value: 300 });
    if (minute === 600) addMalformed('not-an-object', 'checkout latency 81ms');
  }
  const malformed = Object.values(malformedByIssue).reduce((a, b) => a + b, 0);
  return {
    start,
    seriesCount: services.length * metrics.length,
    events,
    faults,
    malformed,
    malformedByIssue,
  };
}
