/**
 * A microservice fault simulator for the root-cause benchmark. It generates a random service
 * dependency graph, metric series for every service (latency, error ratio, CPU) with noise and
 * propagation delays, injects one fault at a random service, and adds unrelated background
 * anomalies. The ranking methods see only the resulting case (graph, series, windows); the
 * ground truth and the propagation rule stay here.
 */

import { seededRandom } from '@homeostat/core';

/** Kinds of fault injected. */
export type FaultKind = 'latency' | 'errors' | 'saturation';

/** A generated case and its answer. */
export interface SimulatedCase {
  readonly case: {
    graph: { edges: [string, string][] };
    metrics: Record<string, Record<string, { t: number[]; v: number[] }>>;
    normal: [number, number];
    incident: [number, number];
    target?: { node: string; metric: string };
  };
  readonly rootCause: string;
  readonly fault: FaultKind;
}

/** Options of {@link simulateCase}. */
export interface SimulateOptions {
  readonly services: number;
  readonly seed: number;
  /** Steps in the normal window (default 60). */
  readonly normalSteps?: number;
  /** Steps in the incident window (default 20). */
  readonly incidentSteps?: number;
}

function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

/** Generates one case. Deterministic for a given seed and size. */
export function simulateCase(options: SimulateOptions): SimulatedCase {
  const n = options.services;
  const r = seededRandom(options.seed);
  const normalSteps = options.normalSteps ?? 60;
  const incidentSteps = options.incidentSteps ?? 20;
  const T = normalSteps + incidentSteps;
  const stepMs = 15_000;
  const t0 = 1_700_000_000_000;
  const names = Array.from({ length: n }, (_, i) => `svc-${i}`);

  // Graph: service i calls 1..3 services with a higher index (callers towards the front),
  // preferring nearby ones; a few back-edges make cycles.
  const deps: number[][] = names.map(() => []);
  const back: boolean[][] = names.map(() => []);
  for (let i = 0; i < n - 1; i++) {
    const k = 1 + Math.floor(r() * Math.min(3, n - 1 - i));
    const chosen = new Set<number>();
    for (let a = 0; a < k; a++) {
      const j = i + 1 + Math.floor(r() ** 2 * (n - 1 - i));
      if (!chosen.has(j)) {
        chosen.add(j);
        deps[i]!.push(j);
        back[i]!.push(false);
      }
    }
  }
  // Make sure every service but 0 has at least one caller, so faults can propagate.
  const called = new Uint8Array(n);
  for (const d of deps) for (const j of d) called[j] = 1;
  for (let j = 1; j < n; j++) {
    if (!called[j]) {
      const i = Math.floor(r() * j);
      deps[i]!.push(j);
      back[i]!.push(false);
    }
  }
  const backEdges = Math.floor(n * 0.02);
  for (let b = 0; b < backEdges; b++) {
    const i = 1 + Math.floor(r() * (n - 1));
    const j = Math.floor(r() * i);
    if (!deps[i]!.includes(j)) {
      deps[i]!.push(j);
      back[i]!.push(true);
    }
  }
  // Coupling of each call edge (calls per request), retries, and whether it is delayed a step.
  const coupling = deps.map((d) => d.map(() => (0.3 + 0.5 * r()) / Math.sqrt(d.length)));
  const retries = deps.map((d) => d.map(() => Math.floor(r() * 3)));
  const delayed = deps.map((d, i) => d.map((_, k) => back[i]![k]! || r() < 0.5));

  const baseLat = names.map(() => 5 + 45 * r());
  const baseErr = names.map(() => 0.001 + 0.01 * r());
  const baseCpu = names.map(() => 15 + 40 * r());
  const timeoutMs = baseLat.map((b) => b * (6 + 6 * r()));
  const lat = names.map(() => new Float64Array(T));
  const err = names.map(() => new Float64Array(T));
  const cpu = names.map(() => new Float64Array(T));
  const noiseLat = new Float64Array(n);
  const noiseCpu = new Float64Array(n);

  // The fault.
  const root = Math.floor(r() * n);
  const kinds: FaultKind[] = ['latency', 'errors', 'saturation'];
  const fault = kinds[Math.floor(r() * kinds.length)]!;
  const onset = normalSteps + Math.floor(r() * 3);
  const strength = 0.3 + 1.5 * r();
  // Background anomalies on unrelated services: short spikes anywhere (also in the normal
  // window), and sometimes a sustained shift in one metric during the incident.
  const bgCount = Math.max(1, Math.round(n * 0.03));
  const bg: { node: number; at: number; len: number; metric: number; size: number }[] = [];
  for (let b = 0; b < bgCount; b++) {
    bg.push({
      node: Math.floor(r() * n),
      at: Math.floor(r() * T),
      len: 1 + Math.floor(r() * 3),
      metric: Math.floor(r() * 3),
      size: 2 + 4 * r(),
    });
  }
  if (r() < 0.3) {
    bg.push({
      node: Math.floor(r() * n),
      at: normalSteps + Math.floor(r() * (incidentSteps / 2)),
      len: T,
      metric: Math.floor(r() * 3),
      size: 1 + 2 * r(),
    });
  }
  const bgByNode = new Map<number, typeof bg>();
  for (const s of bg) bgByNode.set(s.node, [...(bgByNode.get(s.node) ?? []), s]);
  // Not every service reports every metric.
  const reports = names.map(() => {
    const u = r();
    return u < 0.05 ? [true, false, false] : u < 0.15 ? [true, true, false] : [true, true, true];
  });

  for (let t = 0; t < T; t++) {
    // Dependencies have higher indices: compute from the back so same-step edges see fresh values.
    for (let i = n - 1; i >= 0; i--) {
      noiseLat[i] = 0.6 * noiseLat[i]! + 0.08 * baseLat[i]! * gauss(r);
      noiseCpu[i] = 0.6 * noiseCpu[i]! + 2 * gauss(r);
      let ownLat = baseLat[i]! + noiseLat[i]!;
      let ownErr = baseErr[i]! * (1 + 0.3 * gauss(r));
      let ownCpu = baseCpu[i]! + noiseCpu[i]!;
      if (i === root && t >= onset) {
        if (fault === 'latency') ownLat += baseLat[i]! * (0.5 + 2.5 * strength);
        else if (fault === 'errors') ownErr += 0.02 + 0.2 * strength;
        else ownCpu = Math.min(99.5, 80 + 12 * strength + gauss(r));
      }
      for (const s of bgByNode.get(i) ?? []) {
        if (t < s.at || t >= s.at + s.len) continue;
        if (s.metric === 0) ownLat += baseLat[i]! * s.size * 0.5;
        else if (s.metric === 1) ownErr += 0.02 * s.size;
        else ownCpu = Math.min(100, ownCpu + 8 * s.size);
      }
      // Queueing: latency grows sharply as CPU nears saturation.
      const rho = Math.min(0.97, Math.max(0, ownCpu) / 100);
      let l = ownLat * Math.min(8, (1 - 0.5) / (1 - Math.max(0.5, rho)));
      let e = ownErr;
      const d = deps[i]!;
      for (let k = 0; k < d.length; k++) {
        const j = d[k]!;
        const tt = delayed[i]![k]! ? t - 1 : t;
        if (tt < 0) continue;
        const tries = retries[i]![k]!;
        const calleeErr = err[j]![tt]!;
        // Calls wait for the callee (up to a timeout) and retry failures, which hides some
        // errors and adds latency.
        l += coupling[i]![k]! * Math.min(lat[j]![tt]!, timeoutMs[i]!) * (1 + tries * calleeErr);
        e += coupling[i]![k]! * Math.pow(calleeErr, 1 + tries);
      }
      lat[i]![t] = Math.max(0, l);
      err[i]![t] = Math.min(1, Math.max(0, e));
      cpu[i]![t] = Math.min(100, Math.max(0, ownCpu + 0.05 * (l - baseLat[i]!)));
    }
  }

  const times = Array.from({ length: T }, (_, k) => t0 + k * stepMs);
  const metrics: SimulatedCase['case']['metrics'] = {};
  names.forEach((name, i) => {
    const [hasLat, hasErr, hasCpu] = reports[i]!;
    metrics[name] = {
      ...(hasLat ? { latency: { t: times, v: Array.from(lat[i]!) } } : {}),
      ...(hasErr ? { errors: { t: times, v: Array.from(err[i]!) } } : {}),
      ...(hasCpu ? { cpu: { t: times, v: Array.from(cpu[i]!) } } : {}),
    };
  });
  const edges: [string, string][] = [];
  deps.forEach((d, i) => d.forEach((j) => edges.push([names[i]!, names[j]!])));
  return {
    case: {
      graph: { edges },
      metrics,
      normal: [t0, t0 + (normalSteps - 1) * stepMs],
      incident: [t0 + normalSteps * stepMs, t0 + (T - 1) * stepMs],
    },
    rootCause: names[root]!,
    fault,
  };
}
