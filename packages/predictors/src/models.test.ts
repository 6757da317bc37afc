import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import {
  createAutoModel,
  createDampedTrend,
  createEnsemble,
  createHolt,
  createHoltWinters,
  createLinearTrend,
  createMstl,
  createNaive2,
  createSeasonalNaive,
  createSes,
  createTheta,
  modelRegistry,
  DEFAULT_MODEL,
  CANDIDATE_NAMES,
  restoreModel,
  ForecastInputError,
  type Model,
} from './index.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** Hourly-like data: level, daily and weekly cycles, a little noise. */
function hourly(n: number, seed = 1): number[] {
  const r = rng(seed);
  return Array.from(
    { length: n },
    (_, t) =>
      100 +
      0.02 * t +
      20 * Math.sin((2 * Math.PI * t) / 24) +
      (Math.floor(t / 24) % 7 >= 5 ? -15 : 0) +
      2 * (r() - 0.5),
  );
}

const mae = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((s, v, i) => s + Math.abs(v - b[i]!), 0) / a.length;

describe('seasonal naive', () => {
  it('repeats the last period, with intervals widening each period', () => {
    const m = createSeasonalNaive({ period: 3 });
    m.fit([1, 2, 3, 4, 5, 6, 5, 6, 7]);
    const f = m.forecast(6);
    expect(f.mean).toEqual([5, 6, 7, 5, 6, 7]);
    expect(f.level).toBe(0.95);
    expect(f.upper[3]! - f.mean[3]!).toBeCloseTo((f.upper[0]! - f.mean[0]!) * Math.SQRT2, 9);
    m.update(10);
    expect(m.forecast(1).mean).toEqual([6]);
  });
});

describe('Naive2', () => {
  it('is the last value on a non-seasonal series', () => {
    const m = createNaive2({ period: 24 });
    m.fit([3, 4, 5, 4, 6]);
    expect(m.forecast(2).mean).toEqual([6, 6]);
  });
});

describe('exponential smoothing', () => {
  it('SES on a constant series forecasts that constant with a zero-width interval', () => {
    const m = createSes();
    m.fit(Array.from({ length: 30 }, () => 7));
    const f = m.forecast(5);
    expect(f.mean.every((v) => Math.abs(v - 7) < 1e-9)).toBe(true);
    expect(f.upper.every((v, i) => v - f.lower[i]! < 1e-9)).toBe(true);
  });

  it('Holt extrapolates a straight line; damped flattens it', () => {
    const line = Array.from({ length: 40 }, (_, t) => 5 + 2 * t);
    const holt = createHolt();
    holt.fit(line);
    expect(holt.forecast(3).mean[2]).toBeCloseTo(5 + 2 * 42, 2);
    const damped = createDampedTrend();
    damped.fit(line);
    const d = damped.forecast(20).mean;
    expect(d[19]!).toBeLessThan(5 + 2 * 59);
    expect(d[19]!).toBeGreaterThan(line[39]!);
  });

  it('Holt-Winters learns a daily cycle and beats the flat forecast', () => {
    const x = hourly(24 * 14);
    const train = x.slice(0, -24);
    const test = x.slice(-24);
    for (const season of ['additive', 'multiplicative'] as const) {
      const m = createHoltWinters({ period: 24, season });
      m.fit(train);
      const ses = createSes();
      ses.fit(train);
      expect(mae(m.forecast(24).mean, test)).toBeLessThan(mae(ses.forecast(24).mean, test) / 2);
    }
  });

  it('adjustPeriod runs SES on the seasonally adjusted series and re-seasonalises (as M4)', () => {
    const pattern = [0.5, 1, 1.5, 1];
    const x = Array.from({ length: 48 }, (_, t) => 10 * pattern[t % 4]!);
    const m = createSes({ adjustPeriod: 4 });
    m.fit(x);
    expect(m.forecast(4).mean.map((v) => Number(v.toFixed(6)))).toEqual([5, 10, 15, 10]);
    m.update(5);
    expect(m.forecast(1).mean[0]).toBeCloseTo(10, 6);
    // Not seasonal (or not positive): plain SES.
    const flat = createSes({ adjustPeriod: 4 });
    flat.fit([1, 2, 1, 2, -1]);
    expect(new Set(flat.forecast(3).mean).size).toBe(1);
  });

  it('update advances the state without refitting (a new level shows in the forecast)', () => {
    const m = createSes();
    const r = rng(7);
    let v = 10;
    m.fit(Array.from({ length: 50 }, () => (v += r() - 0.5))); // a random walk: α near 1
    for (let i = 0; i < 30; i++) m.update(20);
    expect(m.forecast(1).mean[0]).toBeCloseTo(20, 0);
  });

  it('multiplicative Holt-Winters falls back to additive on values ≤ 0', () => {
    const x = hourly(24 * 6).map((v) => v - 100);
    const m = createHoltWinters({ period: 24, season: 'multiplicative' });
    m.fit(x);
    expect(m.forecast(24).mean.every(Number.isFinite)).toBe(true);
  });
});

describe('multi-seasonal, Theta, linear', () => {
  it('MSTL captures the weekly cycle that a daily-only model misses', () => {
    const x = hourly(24 * 7 * 5, 3);
    const train = x.slice(0, -48);
    const test = x.slice(-48);
    const mstl = createMstl({ periods: [24, 168] });
    mstl.fit(train);
    const snaive = createSeasonalNaive({ period: 24 });
    snaive.fit(train);
    // The holdout starts at a weekday/weekend boundary only for some offsets; compare over it.
    expect(mae(mstl.forecast(48).mean, test)).toBeLessThanOrEqual(
      mae(snaive.forecast(48).mean, test),
    );
  });

  it('Theta forecasts a trending series upwards', () => {
    const x = Array.from({ length: 60 }, (_, t) => 10 + t + Math.sin(t));
    const m = createTheta({ period: 24 });
    m.fit(x);
    const f = m.forecast(10).mean;
    expect(f[9]!).toBeGreaterThan(f[0]!);
  });

  it('linear trend fits a line exactly, with bands from residual quantiles', () => {
    const m = createLinearTrend();
    m.fit([1, 3, 5, 7, 9]);
    const f = m.forecast(2);
    expect(f.mean[0]).toBeCloseTo(11, 9);
    expect(f.mean[1]).toBeCloseTo(13, 9);
    expect(f.upper[0]! - f.lower[0]!).toBeCloseTo(0, 9);
  });
});

describe('automatic selection and the ensemble', () => {
  it('auto picks a seasonal candidate on seasonal data and forecasts well', () => {
    const x = hourly(24 * 7 * 4);
    const m = createAutoModel();
    m.fit(x.slice(0, -48));
    expect(m.selected).toBeDefined();
    expect(['hw-additive', 'hw-long', 'mstl', 'snaive', 'theta']).toContain(m.selected);
    const ses = createSes();
    ses.fit(x.slice(0, -48));
    expect(mae(m.forecast(48).mean, x.slice(-48))).toBeLessThan(
      mae(ses.forecast(48).mean, x.slice(-48)),
    );
  });

  it('auto widens its interval by the under-coverage seen on the inner holdout, never narrows it', () => {
    const x = hourly(24 * 7 * 4, 5).map((v, t) => v + (t > 24 * 7 * 4 - 60 ? 15 : 0));
    const plain = createAutoModel({ calibrate: false });
    const calibrated = createAutoModel();
    plain.fit(x);
    calibrated.fit(x);
    const a = plain.forecast(24);
    const b = calibrated.forecast(24);
    expect(b.mean).toEqual(a.mean);
    expect(b.upper.every((u, i) => u - b.mean[i]! >= a.upper[i]! - a.mean[i]! - 1e-9)).toBe(true);
  });

  it('auto calibration keeps every bound finite on values near the largest double', () => {
    // Seasonal naive's interval on such values is as wide as a double allows; the holdout
    // ratios used to be Infinity / Infinity = NaN and the widened bounds NaN.
    const r = rng(1);
    const x = Array.from({ length: 60 }, () => (r() - 0.5) * 2 * 1.7e308);
    const m = createAutoModel({ periods: [4, 8], holdout: 6, candidates: ['snaive'] });
    m.fit(x);
    const f = m.forecast(8);
    for (const key of ['mean', 'lower', 'upper'] as const) {
      expect(f[key].every(Number.isFinite)).toBe(true);
    }
    expect(f.lower.every((l, i) => l <= f.mean[i]! && f.mean[i]! <= f.upper[i]!)).toBe(true);
  });

  it('MSTL with decay follows a seasonal shape that changed recently', () => {
    // The daily peak moves from hour 6 to hour 18 for the last week.
    const n = 24 * 7 * 4;
    const x = Array.from(
      { length: n },
      (_, t) => 100 + 20 * Math.sin((2 * Math.PI * ((t % 24) - (t >= n - 168 ? 18 : 6))) / 24),
    );
    const train = x.slice(0, -24);
    const test = x.slice(-24);
    const plain = createMstl({ periods: [24] });
    const recent = createMstl({ periods: [24], decay: 0.5 });
    plain.fit(train);
    recent.fit(train);
    expect(mae(recent.forecast(24).mean, test)).toBeLessThan(mae(plain.forecast(24).mean, test));
  });

  it('auto can add up several holdout windows before choosing', () => {
    const x = hourly(24 * 7 * 4, 9);
    const m = createAutoModel({ origins: 3, candidates: ['ses', 'snaive'] });
    m.fit(x);
    expect(m.selected).toBe('snaive');
    expect(() => createAutoModel({ origins: 0 })).toThrow(/origins/);
  });

  it.each(CANDIDATE_NAMES)('candidate %s can be chosen and forecasts', (name) => {
    const m = createAutoModel({ candidates: [name], periods: [24, 48], holdout: 24 });
    m.fit(hourly(24 * 8, 11));
    expect(m.selected).toBe(name);
    expect(m.forecast(30).mean.every(Number.isFinite)).toBe(true);
  });

  it('auto uses the fallback on a short history', () => {
    const m = createAutoModel({ fallback: 'ses' });
    m.fit([1, 2, 3]);
    expect(m.selected).toBe('ses');
  });

  it('ensemble weights sum to 1 and move towards the member that is right', () => {
    const m = createEnsemble({ members: ['ses', 'linear'], top: 2, holdout: 10, periods: [4] });
    m.fit(Array.from({ length: 40 }, (_, t) => t));
    const w = m.weights;
    expect(Object.values(w).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(w['linear']!).toBeGreaterThan(w['ses']!);
    const f = m.forecast(3);
    expect(f.mean).toHaveLength(3);
  });
});

describe('saving and restoring', () => {
  it.each(Object.entries(modelRegistry))(
    '%s: toJSON → restoreModel forecasts the same',
    (_, make) => {
      const x = hourly(24 * 10, 4);
      const m = make();
      m.fit(x.slice(0, -5));
      for (const v of x.slice(-5)) m.update(v);
      const state = JSON.parse(JSON.stringify(m.toJSON())) as unknown;
      const again = restoreModel(make, state);
      const refit = make();
      refit.fit(x);
      expect(again.forecast(6)).toEqual(refit.forecast(6));
    },
  );

  it.each([
    ['auto', () => createAutoModel({ maxHistory: 400 })],
    ['ensemble', () => createEnsemble({ maxHistory: 400 })],
  ] as const)(
    '%s: a history longer than maxHistory restores to the same choice and forecast',
    (_, make) => {
      // The level shifts and a trend starts after value 500: a ranking on the whole history
      // and one on the last 400 values (what toJSON keeps) used to pick different candidates.
      for (let trial = 0; trial < 5; trial++) {
        const r = rng(100 + trial);
        const amp = 30 * r();
        const trend = 0.2 * (r() - 0.5);
        const noise = 20 * r();
        const x = Array.from(
          { length: 900 },
          (_, i) =>
            200 + amp * Math.sin((2 * Math.PI * i) / 24) + (i > 500 ? trend * i : 0) + noise * r(),
        );
        const m = make();
        m.fit(x);
        const again = restoreModel(make, JSON.parse(JSON.stringify(m.toJSON())) as unknown);
        expect(again.forecast(24)).toEqual(m.forecast(24));
      }
    },
  );

  it('refuses a state from another model or with bad values', () => {
    const state = createSes().toJSON();
    expect(state).toEqual({ model: 'ses', history: [] });
    expect(restoreModel(() => createSes(), state).name).toBe('ses');
    expect(() => restoreModel(() => createHolt(), state)).toThrow(/saved by "ses"/);
    expect(() => restoreModel(() => createSes(), { model: 'ses', history: [1, 'x'] })).toThrow(
      /history\.1/,
    );
  });

  it('keeps at most maxHistory values', () => {
    const m = createSeasonalNaive({ period: 2, maxHistory: 5 });
    m.fit([1, 2, 3, 4, 5, 6, 7]);
    m.update(8);
    expect(m.toJSON().history).toEqual([4, 5, 6, 7, 8]);
    const a = createAutoModel({ maxHistory: 3 });
    a.fit([1, 2, 3, 4]);
    a.update(5);
    expect(a.toJSON()).toEqual({ model: 'auto', history: [3, 4, 5] });
  });
});

describe('bad input', () => {
  const factories = Object.entries(modelRegistry);

  it('the registry has every model and the default is auto', () => {
    expect(DEFAULT_MODEL).toBe('auto');
    expect(Object.keys(modelRegistry)).toEqual(
      expect.arrayContaining([
        'snaive',
        'naive2',
        'ses',
        'holt',
        'damped',
        'hw-additive',
        'hw-multiplicative',
        'mstl',
        'theta',
        'linear',
        'auto',
        'ensemble',
      ]),
    );
  });

  it.each(factories)(
    '%s: empty history, NaN, bad horizon and unfitted forecast are typed errors',
    (_, make) => {
      const m = make();
      expect(() => m.forecast(1)).toThrow(ForecastInputError);
      expect(() => m.fit([])).toThrow(/history is empty/);
      try {
        m.fit([1, 2, Number.NaN, 4]);
        expect.unreachable();
      } catch (e) {
        expect(isHomeostatError(e) && e.code === 'FORECAST_INPUT_INVALID').toBe(true);
        expect((e as ForecastInputError).index).toBe(2);
      }
      m.fit([1, 2, 3]);
      expect(() => m.forecast(0)).toThrow(/positive integer/);
      expect(() => m.update(Number.POSITIVE_INFINITY)).toThrow(ForecastInputError);
    },
  );

  it('bad options are ConfigErrors naming the option', () => {
    expect(() => createHoltWinters({ period: 1 })).toThrow(/period/);
    expect(() => createSes({ level: 1.5 })).toThrow(/level/);
    // @ts-expect-error unknown option
    expect(() => createMstl({ period: 24 })).toThrow(/Invalid configuration/);
  });

  it.each(factories)(
    '%s: never forecasts NaN (short, constant, negative, spiky histories)',
    (_, make) => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
            minLength: 1,
            maxLength: 80,
          }),
          fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
            maxLength: 5,
          }),
          fc.integer({ min: 1, max: 30 }),
          (history, more, h) => {
            const m: Model = make();
            m.fit(history);
            for (const v of more) m.update(v);
            const f = m.forecast(h);
            return (
              f.mean.length === h &&
              [...f.mean, ...f.lower, ...f.upper].every(Number.isFinite) &&
              f.mean.every((v, i) => f.lower[i]! <= v && v <= f.upper[i]!)
            );
          },
        ),
        { numRuns: 40 },
      );
    },
  );

  it('constant and tiny histories give flat, finite forecasts for every model', () => {
    for (const [, make] of factories) {
      for (const history of [[5], [5, 5], Array.from({ length: 400 }, () => 5)]) {
        const m = make();
        m.fit(history);
        expect(m.forecast(4).mean.every((v) => Math.abs(v - 5) < 1e-6)).toBe(true);
      }
    }
  });
});
