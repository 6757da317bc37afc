import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { Forecast, Sample } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { recommendScaling } from './recommend-scaling.js';
import type { ScalingRecommendation } from './predictive-scaler.js';

const options = { hpa: { maxReplicas: 50 }, target: 100, metric: 'total' as const, maxSeries: 2 };

function run(deps: Partial<Parameters<typeof recommendScaling>[1]> = {}) {
  const input = new Subject<Sample | Forecast>();
  const out: ScalingRecommendation[] = [];
  const state = { error: undefined as unknown, completed: false };
  const recording = createRecordingOnError();
  const stats = { seriesEvicted: 0 };
  const sub = input
    .pipe(
      recommendScaling(options, {
        currentReplicas: () => 4,
        onError: recording.onError,
        stats,
        ...deps,
      }),
    )
    .subscribe({
      next: (r) => out.push(r),
      error: (e: unknown) => (state.error = e),
      complete: () => (state.completed = true),
    });
  return { input, out, state, errors: recording.errors, stats, sub };
}

describe('recommendScaling', () => {
  it('emits one recommendation per sample, per series; forecasts raise later ones', () => {
    const { input, out } = run();
    input.next({ series: 'rps', t: 0, value: 400 });
    input.next({
      series: 'rps',
      t: 0,
      horizonMs: 60_000,
      mean: 900,
      lower: 900,
      upper: 900,
      model: 'm',
    });
    input.next({ series: 'rps', t: 1_000, value: 400 });
    input.next({ series: 'other', t: 1_000, value: 400 });
    expect(out.map((r) => [r.series, r.mode, r.desiredReplicas])).toEqual([
      ['rps', 'reactive', 4],
      ['rps', 'predictive', 8],
      ['other', 'reactive', 4],
    ]);
  });

  it('reports a failing event and keeps going', () => {
    let fail = true;
    const { input, out, errors } = run({
      currentReplicas: () => {
        if (fail) throw new Error('orchestrator unreachable');
        return 4;
      },
    });
    input.next({ series: 'rps', t: 0, value: 400 });
    fail = false;
    input.next({ series: 'rps', t: 1, value: 400 });
    expect(out).toHaveLength(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('OPERATOR_FAILED');
    expect(errors[0]!.message).toMatch(/orchestrator unreachable/);
  });

  it('bounds the series it scales and counts evictions', () => {
    const { input, stats } = run();
    for (const s of ['a', 'b', 'c']) input.next({ series: s, t: 0, value: 400 });
    expect(stats.seriesEvicted).toBe(1);
  });

  it('passes upstream errors and completion through', () => {
    const a = run();
    a.input.error(new Error('upstream'));
    expect((a.state.error as Error).message).toBe('upstream');
    const b = run();
    b.input.complete();
    expect(b.state.completed).toBe(true);
  });

  it('refuses bad options at composition time', () => {
    expect(() =>
      recommendScaling({ ...options, maxSeries: 0 }, { currentReplicas: () => 1 }),
    ).toThrow(/maxSeries/);
  });
});
