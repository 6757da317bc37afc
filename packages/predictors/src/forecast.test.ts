import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createKeyedStats, type Forecast, type Sample } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import {
  createForecastCounters,
  createLinearTrend,
  createSeasonalNaive,
  forecast,
  type Model,
} from './index.js';

const MIN = 60_000;

/** The code and issue paths of the error `fn` throws. */
function issuesOf(fn: () => unknown): { code: unknown; paths: string[] } {
  try {
    fn();
  } catch (e) {
    const { code, issues } = e as { code: unknown; issues: { path: string }[] };
    return { code, paths: issues.map((i) => i.path) };
  }
  throw new Error('did not throw');
}

function run(samples: Sample[], op: ReturnType<typeof forecast>): Forecast[] {
  const out: Forecast[] = [];
  const src = new Subject<Sample>();
  src.pipe(op).subscribe((f) => out.push(f));
  for (const s of samples) src.next(s);
  src.complete();
  return out;
}

describe('forecast operator', () => {
  it('emits one Forecast per horizon per sample, in event time, per series', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 20; i++) {
      samples.push({ series: 'a', t: i * MIN, value: 10 + i });
      samples.push({ series: 'b', t: i * MIN, value: 100 });
    }
    const out = run(
      samples,
      forecast(() => createLinearTrend(), { horizons: [5 * MIN, MIN], minHistory: 10 }),
    );
    // 11 samples per series from the 10th on, two horizons each.
    expect(out).toHaveLength(2 * 11 * 2);
    const last = out.filter((f) => f.series === 'a').slice(-2);
    expect(last.map((f) => f.horizonMs)).toEqual([MIN, 5 * MIN]);
    expect(last[0]).toMatchObject({ t: 19 * MIN, model: 'linear', level: 0.95 });
    expect(last[0]!.mean).toBeCloseTo(30, 6);
    expect(last[1]!.mean).toBeCloseTo(34, 6);
    expect(out.filter((f) => f.series === 'b').every((f) => Math.abs(f.mean - 100) < 1e-9)).toBe(
      true,
    );
  });

  it('forecasts a horizon between two steps at that horizon, not at the nearest step', () => {
    const samples: Sample[] = [];
    for (let i = 0; i < 20; i++) {
      samples.push({ series: 'a', t: i * MIN, value: 10 + i });
      samples.push({ series: 'b', t: i * MIN, value: 10 + i + (i % 2 === 0 ? 0.5 : -0.5) });
    }
    const horizons = [MIN / 2, 1.5 * MIN, 2 * MIN, 90 * MIN];
    const counters = createForecastCounters();
    const all = run(
      samples,
      forecast(() => createLinearTrend(), { horizons, minHistory: 10, maxSteps: 10 }, { counters }),
    );
    const a = all.filter((f) => f.series === 'a').slice(-3);
    const b = all.filter((f) => f.series === 'b').slice(-3);
    // The last value of a is 29 at 19 min and its trend one per minute.
    expect(a.map((f) => f.horizonMs)).toEqual([MIN / 2, 1.5 * MIN, 2 * MIN]);
    expect(a[0]!.mean).toBeCloseTo(29.5, 6);
    expect(a[1]!.mean).toBeCloseTo(30.5, 6);
    expect(a[2]!.mean).toBeCloseTo(31, 6);
    // With noise: half a step ahead lies between the last value (28.5) and the one-step
    // forecast, with an interval narrower than one step ahead's.
    // (1.5 steps ahead lies halfway between one and two steps ahead.)
    const oneStep = 2 * b[1]!.mean - b[2]!.mean;
    expect(b[0]!.mean).toBeCloseTo((28.5 + oneStep) / 2, 6);
    for (const f of b) expect(f.lower).toBeLessThan(f.mean);
    for (const f of b) expect(f.upper).toBeGreaterThan(f.mean);
    expect(b[0]!.upper - b[0]!.lower).toBeLessThan(b[1]!.upper - b[1]!.lower);
    // 90 steps exceed maxSteps, for each of the 11 samples of each series that forecast.
    expect(counters.skippedHorizons).toBe(22);
  });

  it('keeps a horizon between two steps finite when the bounds around it are far apart', () => {
    // A period-2 series swinging between ±1.7e308: the forecasts on either side of a fractional
    // horizon differ by more than the largest double, which a plain interpolation overflows.
    const samples = Array.from({ length: 8 }, (_, i) => ({
      series: 'a',
      t: i * MIN,
      value: i % 2 === 0 ? 1.7e308 : -1.7e308,
    }));
    const out = run(
      samples,
      forecast(() => createSeasonalNaive({ period: 2 }), {
        horizons: [MIN / 2, 1.5 * MIN, 2.5 * MIN],
        minHistory: 3,
      }),
    );
    expect(out).toHaveLength(3 * 6);
    for (const f of out) {
      expect([f.mean, f.lower, f.upper].every(Number.isFinite), JSON.stringify(f)).toBe(true);
      expect(f.lower).toBeLessThanOrEqual(f.mean);
      expect(f.mean).toBeLessThanOrEqual(f.upper);
    }
    // Halfway between the last value (-1.7e308) and the next (1.7e308).
    expect(out.at(-3)!.mean).toBe(0);
  });

  it('fills short gaps with the last value, restarts after long ones, skips out-of-order samples', () => {
    const counters = createForecastCounters();
    const samples: Sample[] = [];
    for (let i = 0; i < 12; i++) samples.push({ series: 's', t: i * MIN, value: i });
    samples.push({ series: 's', t: 15 * MIN, value: 15 }); // 3 missing steps
    samples.push({ series: 's', t: 14 * MIN, value: 1 }); // backwards
    samples.push({ series: 's', t: 500 * MIN, value: 0 }); // long gap → restart
    const out = run(
      samples,
      forecast(
        () => createSeasonalNaive({ period: 4 }),
        { horizons: [MIN], minHistory: 3, maxGapSteps: 10 },
        { counters },
      ),
    );
    expect(counters.filled).toBe(3);
    expect(counters.outOfOrder).toBe(1);
    expect(counters.restarts).toBe(1);
    // After the restart the series needs minHistory values again: no output for t = 500 min.
    expect(out.at(-1)!.t).toBe(15 * MIN);
  });

  it('refits on the event-time schedule and updates in between', () => {
    const counters = createForecastCounters();
    const samples = Array.from({ length: 121 }, (_, i) => ({
      series: 's',
      t: i * MIN,
      value: i % 7,
    }));
    run(
      samples,
      forecast(
        () => createSeasonalNaive({ period: 7 }),
        { horizons: [MIN], minHistory: 10, refitEveryMs: 30 * MIN, staggerRefits: false },
        { counters },
      ),
    );
    // First fit at t = 9 min, then every 30 min: 39, 69, 99.
    expect(counters.fits).toBe(4);
  });

  it('spreads the refits of series that started together over the refit period', () => {
    const fitsPerMinute = (staggerRefits: boolean): number[] => {
      const counters = createForecastCounters();
      const src = new Subject<Sample>();
      src
        .pipe(
          forecast(
            () => createSeasonalNaive({ period: 7 }),
            { horizons: [MIN], minHistory: 10, refitEveryMs: 30 * MIN, staggerRefits },
            { counters },
          ),
        )
        .subscribe();
      const perMinute: number[] = [];
      for (let i = 0; i < 130; i++) {
        const before = counters.fits;
        for (let k = 0; k < 60; k++) src.next({ series: `route-${k}`, t: i * MIN, value: i % 7 });
        perMinute.push(counters.fits - before);
      }
      return perMinute;
    };
    const together = fitsPerMinute(false);
    const spread = fitsPerMinute(true);
    // All 60 series first fit at minute 9, together either way.
    expect(together[9]).toBe(60);
    expect(spread[9]).toBe(60);
    // Without staggering every refit lands on minutes 39, 69, 99, 129.
    expect(together.slice(10).filter((n) => n > 0)).toEqual([60, 60, 60, 60]);
    // Staggered, each series still refits once per 30 minutes, but a few at a time.
    const later = spread.slice(40, 130);
    expect(later.reduce((a, b) => a + b, 0)).toBe(3 * 60);
    expect(Math.max(...spread.slice(10))).toBeLessThanOrEqual(6);
  });

  it('bounds history and keys, counting what it drops', () => {
    const counters = createForecastCounters();
    const stats = createKeyedStats();
    const samples: Sample[] = [];
    for (let i = 0; i < 30; i++)
      for (const series of ['a', 'b', 'c']) samples.push({ series, t: i * MIN, value: i });
    run(
      samples,
      forecast(
        () => createLinearTrend(),
        { horizons: [MIN], minHistory: 2, maxHistory: 5, maxKeys: 2 },
        { counters, stats },
      ),
    );
    expect(stats.keys).toBeLessThanOrEqual(2);
    expect(stats.evictedLru).toBeGreaterThan(0);
  });

  it('reports a model that throws and goes on with the next sample', () => {
    const { onError, errors } = createRecordingOnError();
    let calls = 0;
    const flaky = (): Model => {
      const inner = createLinearTrend();
      return {
        name: 'flaky',
        fit: (h) => {
          if (++calls === 1) throw new Error('boom');
          inner.fit(h);
        },
        update: (v) => inner.update(v),
        forecast: (h) => inner.forecast(h),
        toJSON: () => inner.toJSON(),
      };
    };
    const samples = Array.from({ length: 5 }, (_, i) => ({ series: 's', t: i * MIN, value: i }));
    const out = run(samples, forecast(flaky, { horizons: [MIN], minHistory: 3 }, { onError }));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('OPERATOR_FAILED');
    expect(out.length).toBeGreaterThan(0);
  });

  it('passes upstream errors and completion through (marbles)', () => {
    const scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Sample>('a b c #', {
        a: { series: 's', t: 0, value: 1 },
        b: { series: 's', t: MIN, value: 2 },
        c: { series: 's', t: 2 * MIN, value: 3 },
      });
      const result = source.pipe(
        forecast(() => createLinearTrend(), { horizons: [MIN], minHistory: 2 }),
      );
      expectObservable(result).toBe('- x y #', {
        x: {
          series: 's',
          t: MIN,
          horizonMs: MIN,
          mean: 3,
          lower: 3,
          upper: 3,
          level: 0.95,
          model: 'linear',
        },
        y: expect.objectContaining({ t: 2 * MIN, horizonMs: MIN }),
      });
      expectSubscriptions(source.subscriptions).toBe('^ - - !');
    });
  });

  it('checks its options when composed', () => {
    expect(() => forecast(() => createLinearTrend(), { horizons: [] })).toThrow(/horizons/);
    expect(() => forecast(() => createLinearTrend(), { refitEveryMs: -1 })).toThrow(/refitEveryMs/);
    // @ts-expect-error not a factory
    expect(() => forecast(createLinearTrend())).toThrow(/model: must be a function/);
  });

  it('refuses minHistory above maxHistory, which would never emit', () => {
    const e = issuesOf(() =>
      forecast(() => createLinearTrend(), { minHistory: 100, maxHistory: 50 }),
    );
    expect(e).toEqual({ code: 'CONFIG_INVALID', paths: ['minHistory'] });
    // maxHistory defaults to 5,000.
    expect(() => forecast(() => createLinearTrend(), { minHistory: 5_001 })).toThrow(/minHistory/);
    expect(() =>
      forecast(() => createLinearTrend(), { minHistory: 50, maxHistory: 50 }),
    ).not.toThrow();
  });
});
