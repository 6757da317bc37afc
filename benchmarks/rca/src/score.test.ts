import { describe, expect, it } from 'vitest';
import { Accuracy, avgAt5, hitAt } from './score.js';
import { simulateCase } from './simulate.js';

describe('rca scoring', () => {
  it('computes hit@k, Avg@5 and their means', () => {
    expect(hitAt(['a', 'b', 'c'], 'b', 1)).toBe(0);
    expect(hitAt(['a', 'b', 'c'], 'b', 2)).toBe(1);
    expect(hitAt(['a'], 'z', 5)).toBe(0);
    expect(avgAt5(['x', 'a'], 'a')).toBeCloseTo(4 / 5);
    expect(avgAt5(['a'], 'a')).toBe(1);
    const acc = new Accuracy();
    acc.add(['a', 'b'], 'a', 1);
    acc.add(['b', 'c', 'a'], 'a', 3);
    expect(acc.summary()).toEqual({ cases: 2, ac1: 0.5, ac3: 1, avg5: (1 + 3 / 5) / 2 });
    expect(acc.ms).toEqual([1, 3]);
  });
});

describe('fault simulator', () => {
  it('is deterministic per seed and produces a valid case', () => {
    const a = simulateCase({ services: 20, seed: 5 });
    const b = simulateCase({ services: 20, seed: 5 });
    expect(a).toEqual(b);
    expect(simulateCase({ services: 20, seed: 6 })).not.toEqual(a);
    expect(Object.keys(a.case.metrics)).toHaveLength(20);
    expect(a.case.metrics[a.rootCause]).toBeDefined();
    for (const [from, to] of a.case.graph.edges) expect(from).not.toBe(to);
    const s = a.case.metrics['svc-0']!.latency!;
    expect(s.t).toHaveLength(80);
    expect(s.v.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('shifts the faulty service in the incident window', () => {
    let shifted = 0;
    for (let seed = 0; seed < 10; seed++) {
      const sim = simulateCase({ services: 10, seed });
      const m = sim.case.metrics[sim.rootCause]!;
      const series =
        sim.fault === 'errors' ? m.errors : sim.fault === 'latency' ? m.latency : m.cpu;
      if (!series) continue; // the service may not report that metric
      const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
      if (mean(series.v.slice(63)) > mean(series.v.slice(0, 60))) shifted++;
    }
    expect(shifted).toBeGreaterThanOrEqual(8);
  });
});
