import { describe, expect, it } from 'vitest';
import type { Forecast } from '@homeostat/core';
import { createScaler, forecastConfidence } from './predictive-scaler.js';

const S = 1000;
const fc = (over: Partial<Forecast> = {}): Forecast => ({
  series: 'rps',
  t: 0,
  horizonMs: 300 * S,
  mean: 1000,
  lower: 1000,
  upper: 1000,
  model: 'test',
  ...over,
});

describe('forecastConfidence', () => {
  it.each([
    [fc({ mean: 100, lower: 90, upper: 110 }), 0.9],
    [fc({ mean: 100, lower: 100, upper: 100 }), 1],
    [fc({ mean: 100, lower: 0, upper: 400 }), 0],
    [fc({ mean: 0, lower: 0, upper: 0 }), 1],
    [fc({ mean: 0, lower: -1, upper: 1 }), 0],
    [fc({ mean: 100, lower: 110, upper: 90 }), 0],
  ])('%j → %f', (f, expected) => {
    expect(forecastConfidence(f)).toBeCloseTo(expected, 12);
  });
});

describe('createScaler', () => {
  const base = { hpa: { minReplicas: 1, maxReplicas: 100 }, target: 100, metric: 'total' as const };

  it('buffers a forecast by 1 + (1 − confidence) × 0.3', () => {
    const sure = createScaler(base);
    sure.observeForecast(fc({ mean: 1000, lower: 1000, upper: 1000 })); // confidence 1 → buffer 1
    expect(
      sure.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 0 }).predictiveReplicas,
    ).toBe(10);
    const unsure = createScaler(base);
    unsure.observeForecast(fc({ mean: 1000, lower: 0, upper: 2000 })); // confidence 0 → buffer 1.3
    const r = unsure.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 0 });
    expect(r.predictiveReplicas).toBe(13);
    expect(r.rationale.join('\n')).toMatch(/buffer 1\.300 \(confidence 0\.00\)/);
  });

  it('scales ahead of predicted demand, within the HPA rate policies', () => {
    const s = createScaler(base);
    s.observeForecast(fc({ mean: 900, lower: 855, upper: 945 })); // confidence 0.95 → buffer 1.015
    const r = s.recommend({ series: 'rps', currentReplicas: 4, value: 380, t: 10 * S });
    expect(r.reactiveReplicas).toBe(4); // 95 per replica: within tolerance
    expect(r.predictiveReplicas).toBe(10); // ceil(4 × 913.5 / 4 / 100)
    expect(r.mode).toBe('predictive');
    expect([r.desiredReplicas, r.limitedBy]).toEqual([8, 'ScaleUpLimit']); // default: max(100 %, 4 pods) per 15 s
  });

  it('keeps the reactive answer when it asks for more', () => {
    const s = createScaler(base);
    s.observeForecast(fc({ mean: 200 }));
    const r = s.recommend({ series: 'rps', currentReplicas: 4, value: 600, t: 0 });
    expect([r.mode, r.reactiveReplicas, r.desiredReplicas]).toEqual(['reactive', 6, 6]);
  });

  it('prefers cost when both now and the forecast are low: shorter scale-down window', () => {
    const run = (costPreference: number) => {
      const s = createScaler({ ...base, predictive: { costPreference } });
      s.observeForecast(fc({ t: 0, horizonMs: 600 * S, mean: 200 }));
      const out: number[] = [];
      for (const t of [0, 60, 120, 160, 240])
        out.push(
          s.recommend({ series: 'rps', currentReplicas: 10, value: 200, t: t * S }).desiredReplicas,
        );
      return out;
    };
    // costPreference 0.5: the 300 s window becomes 150 s, so the seed (t = 0) stops holding at 160 s.
    expect(run(0.5)).toEqual([10, 10, 10, 2, 2]);
    // costPreference 0: the plain HPA window holds 10 replicas for 300 s.
    expect(run(0)).toEqual([10, 10, 10, 10, 10]);
  });

  it('ignores forecasts beyond the lookahead and forgets those whose moment has passed', () => {
    const s = createScaler({ ...base, predictive: { lookaheadMs: 60 * S } });
    s.observeForecast(fc({ horizonMs: 120 * S, mean: 5000 }));
    expect(s.stats.forecastsIgnored).toBe(1);
    s.observeForecast(fc({ t: 0, horizonMs: 30 * S, mean: 5000 }));
    expect(
      s.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 10 * S })
        .predictiveReplicas,
    ).toBe(50);
    expect(
      s.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 31 * S })
        .predictiveReplicas,
    ).toBeUndefined();
  });

  it('replaces a forecast at the same horizon and bounds how many it holds', () => {
    const s = createScaler({ ...base, predictive: { maxForecasts: 2 } });
    s.observeForecast(fc({ horizonMs: 60 * S, mean: 5000 }));
    s.observeForecast(fc({ horizonMs: 60 * S, mean: 1000 }));
    expect(
      s.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 0 }).predictiveReplicas,
    ).toBe(10);
    s.observeForecast(fc({ horizonMs: 120 * S }));
    s.observeForecast(fc({ horizonMs: 180 * S }));
    expect(s.stats.forecastsDropped).toBe(1);
  });

  it('works on per-replica averages too, and can turn prediction off', () => {
    const avg = createScaler({ hpa: { maxReplicas: 50 }, target: 0.5, metric: 'average' });
    avg.observeForecast(fc({ mean: 0.75, lower: 0.75, upper: 0.75 }));
    expect(
      avg.recommend({ series: 'cpu', currentReplicas: 4, value: 0.5, t: 0 }).predictiveReplicas,
    ).toBe(6);
    const off = createScaler({ ...base, predictive: { enabled: false } });
    off.observeForecast(fc({ mean: 5000 }));
    expect(
      off.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 0 }).predictiveReplicas,
    ).toBeUndefined();
  });

  it('a custom confidence function is honoured', () => {
    const s = createScaler(base, { forecastConfidence: () => 0 });
    s.observeForecast(fc({ mean: 1000 }));
    expect(
      s.recommend({ series: 'rps', currentReplicas: 10, value: 1000, t: 0 }).predictiveReplicas,
    ).toBe(13);
  });

  it('refuses bad options', () => {
    expect(() => createScaler({ ...base, target: 0 })).toThrow(/target/);
    expect(() => createScaler({ ...base, predictive: { costPreference: 2 } })).toThrow(
      /costPreference/,
    );
  });
});
