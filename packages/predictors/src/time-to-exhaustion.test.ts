import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import {
  exhaustionForecastSchema,
  isHomeostatError,
  type ExhaustionForecast,
  type Sample,
} from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import {
  createTimeToExhaustionCounters,
  estimateExhaustion,
  normalCdf,
  timeToExhaustion,
} from './index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function run(samples: Sample[], op: ReturnType<typeof timeToExhaustion>): ExhaustionForecast[] {
  const out: ExhaustionForecast[] = [];
  const src = new Subject<Sample>();
  src.pipe(op).subscribe((f) => out.push(f));
  for (const s of samples) src.next(s);
  src.complete();
  return out;
}

/** Gaussian noise from a seeded generator (Box–Muller). */
function gauss(seed: number): () => number {
  let s = seed;
  const u = (): number => ((s = (s * 16807) % 2147483647) + 1) / 2147483648;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

describe('timeToExhaustion', () => {
  it('predicts a leak within 10% of the true crossing time from 20% of the way on', () => {
    // Heap grows 10 MB/day from 100 MB towards a 200 MB limit, with a daily cycle of ±5 MB
    // (phase-shifted) and ±2 MB noise, sampled every 5 minutes.
    const noise = gauss(42);
    const truth = (t: number): number =>
      100 + (10 * t) / DAY + 5 * Math.sin((2 * Math.PI * t) / DAY + 1);
    let crossing = 0; // first time the noiseless curve reaches the limit (about 9.6 days)
    while (truth(crossing) < 200) crossing += 60_000;
    const samples: Sample[] = [];
    for (let t = 0; t < crossing; t += 5 * 60_000)
      samples.push({ series: 'heap', t, value: truth(t) + 2 * noise() });
    const out = run(samples, timeToExhaustion({ limit: 200, windowMs: 30 * DAY, horizonMs: DAY }));
    const checked = out.filter((e) => e.t! >= 0.2 * crossing);
    expect(checked.length).toBeGreaterThan(1000);
    // The predicted crossing time is within 10% of the true one…
    let worst = 0;
    // …and, stricter, the predicted time left is within 10% of the true time left until 80%.
    let worstLeft = 0;
    for (const e of checked) {
      worst = Math.max(worst, Math.abs(e.t! + e.etaMs - crossing) / crossing);
      const left = crossing - e.t!;
      if (e.t! <= 0.8 * crossing) worstLeft = Math.max(worstLeft, Math.abs(e.etaMs - left) / left);
    }
    expect(worst).toBeLessThanOrEqual(0.1);
    expect(worstLeft).toBeLessThanOrEqual(0.1);
    // The chance of crossing within a day rises as the crossing nears.
    const early = checked[0]!;
    const late = checked.at(-1)!;
    expect(early.probability).toBeLessThan(0.05);
    expect(late.probability).toBeGreaterThan(0.5);
  });

  it('reports Infinity for a flat or falling series and 0 when already past the limit', () => {
    const flat = Array.from({ length: 20 }, (_, i) => ({
      series: 'f',
      t: i * HOUR,
      value: 50 - i,
    }));
    const out = run(flat, timeToExhaustion({ limit: 100 }));
    expect(out).toHaveLength(11); // from the 10th sample (minSamples)
    expect(out.every((e) => e.etaMs === Number.POSITIVE_INFINITY && e.probability < 1e-6)).toBe(
      true,
    );
    const past = Array.from({ length: 10 }, (_, i) => ({ series: 'p', t: i, value: 200 + i }));
    expect(run(past, timeToExhaustion({ limit: 100 })).at(-1)).toMatchObject({
      etaMs: 0,
      probability: 1,
      limit: 100,
    });
  });

  it("direction 'below' estimates when free space runs out", () => {
    const free = Array.from({ length: 20 }, (_, i) => ({
      series: 'disk',
      t: i * HOUR,
      value: 100 - 5 * i,
    }));
    const last = run(free, timeToExhaustion({ limit: 0, direction: 'below' })).at(-1)!;
    expect(last.etaMs).toBeCloseTo(HOUR, 3); // 5 left at t = 19 h, falling 5/h
  });

  it('estimateExhaustion on a hand case', () => {
    const e = estimateExhaustion([0, 1, 2, 3], [1, 2, 3, 4], { limit: 10, t: 3, horizonMs: 10 });
    expect(e.etaMs).toBeCloseTo(6, 12);
    expect(e.probability).toBe(1); // a perfect line already past 10 at t = 13
    expect(() => estimateExhaustion([0, 1], [1, 2], { limit: 1, t: 0, horizonMs: 1 })).toThrow(
      RangeError,
    );
  });

  it('estimateExhaustion on a cycle with a negligible slope: the trend beyond 100 years, the cycle within', () => {
    // A ±5 daily cycle around 50, two days of 5-minute samples, a limit of 100 and a tiny drift:
    // the crossing search used to walk amp/slope in 1/96-period steps (seconds per estimate;
    // the time it takes now is for benchmarks, not this test).
    const cycle = (drift: number, phase: number) => {
      const times: number[] = [];
      const values: number[] = [];
      for (let i = 0; i <= 576; i++) {
        times.push(1_700_000_000_000 + i * 300_000);
        values.push(50 + 5 * Math.sin((2 * Math.PI * (times[i]! + phase)) / DAY) + i * drift);
      }
      return { times, values };
    };
    for (let k = 0; k < 12; k++) {
      const { times, values } = cycle(1e-10, (k * DAY) / 12);
      const t = times.at(-1)!;
      const e = estimateExhaustion(times, values, { limit: 100, t, horizonMs: DAY, periodMs: DAY });
      // Beyond 100 years the trend-only estimate is returned: (100 − 50) / (1e-10 per 5 min).
      expect(e.etaMs / ((50 / 1e-10) * 300_000)).toBeCloseTo(1, 2);
    }
    // Within 100 years the first crossing is still found at the peak of the cycle: the drift
    // brings the peak (55) to the limit (60) after 3,000 days, and only around the peaks.
    for (const phase of [0, 0.1, 0.5]) {
      const slope = 5 / (3000 * DAY);
      const truth = (x: number): number =>
        50 + 5 * Math.sin(2 * Math.PI * (x / DAY + phase)) + slope * x;
      const times: number[] = [];
      for (let x = 0; x <= 2 * DAY; x += 300_000) times.push(x);
      const t = times.at(-1)!;
      const e = estimateExhaustion(times, times.map(truth), {
        limit: 60,
        t,
        horizonMs: DAY,
        periodMs: DAY,
      });
      let crossing = 2998 * DAY;
      while (truth(crossing) < 60) crossing += 10_000;
      expect(Math.abs(t + e.etaMs - crossing)).toBeLessThan(60_000);
    }
  });

  it('fits values near the largest double without overflowing', () => {
    const times = Array.from({ length: 200 }, (_, i) => 1_700_000_000_000 + i * 60_000);
    const values = times.map((_, i) => 1e306 * (1 + i / 200)); // rising 5e303 per minute
    const e = estimateExhaustion(times, values, {
      limit: 1.7e308,
      t: times.at(-1)!,
      horizonMs: HOUR,
    });
    expect(e.etaMs / (((1.7e308 - values.at(-1)!) / 5e303) * 60_000)).toBeCloseTo(1, 6);
    expect(e.probability).toBe(0);
    expect(Number.isFinite(e.slope)).toBe(true);
    const samples = Array.from({ length: 300 }, (_, i) => ({
      series: 'x',
      t: times[0]! + i * 60_000,
      value: 1e306 * (1 + i / 100),
    }));
    const out = run(samples, timeToExhaustion({ limit: 1.7e308 }));
    expect(out).toHaveLength(291);
    for (const f of out) expect(exhaustionForecastSchema.safeParse(f).success).toBe(true);
    expect(out[0]!.etaMs).toBeGreaterThan(0);
    // A limit far beyond the values (limit / max |value| overflows) is never reached.
    const tiny = samples.map((s, i) => ({ ...s, value: (1 + i / 100) * 1e-310 }));
    const far = run(tiny, timeToExhaustion({ limit: 1e300 })).at(-1)!;
    expect(far).toMatchObject({ etaMs: Number.POSITIVE_INFINITY, probability: 0 });
  });

  it('never reports a negative etaMs when the search cannot resolve the cycle', () => {
    // Times near 1e15 ms hold no finer step than 0.125 ms, so a 0.001 ms cycle cannot be searched;
    // the trend alone is already past the limit, the fitted curve (in a trough) is not.
    const times = Array.from({ length: 20 }, (_, i) => 1e15 + i * 1e9);
    const values = times.map((_, i) => 1e9 * (0.5 + 0.3 * Math.sin(i / 3)) - 1e6 * i);
    const e = estimateExhaustion(times, values, {
      limit: 1e9,
      t: times.at(-1)!,
      horizonMs: 1,
      periodMs: 0.001,
    });
    expect(e.etaMs).toBe(0);
  });

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(normalCdf(-10)).toBeLessThan(1e-20);
  });

  it('counts backwards and repeated samples per series, as forecast does', () => {
    const counters = createTimeToExhaustionCounters();
    const minutes = [0, 1, 2, 3, 2, 1, 3, 3, 4];
    const samples: Sample[] = minutes.flatMap((m) => [
      { series: 'disk', t: m * 60_000, value: m },
      { series: 'heap', t: m * 60_000, value: m },
    ]);
    samples.push({ series: 'new', t: 0, value: 0 }); // another series's clock is its own
    const out = run(samples, timeToExhaustion({ limit: 100, minSamples: 3 }, { counters }));
    expect(counters.outOfOrder).toBe(2 * 4);
    expect(out.filter((e) => e.series === 'disk').map((e) => e.t)).toEqual([
      2 * 60_000,
      3 * 60_000,
      4 * 60_000,
    ]);
  });

  it('skips out-of-order samples, reports non-finite ones, checks options', () => {
    const { onError, errors } = createRecordingOnError();
    const samples: Sample[] = Array.from({ length: 12 }, (_, i) => ({
      series: 's',
      t: i,
      value: i,
    }));
    samples.push({ series: 's', t: 3, value: 3 }, { series: 's', t: 20, value: Number.NaN });
    const counters = createTimeToExhaustionCounters();
    const out = run(samples, timeToExhaustion({ limit: 100 }, { onError, counters }));
    expect(out).toHaveLength(3);
    expect(errors).toHaveLength(1);
    expect(counters).toEqual({ outOfOrder: 1 });
    // @ts-expect-error limit is required
    expect(() => timeToExhaustion({})).toThrow(/limit/);
    expect(() => timeToExhaustion({ limit: Number.NaN })).toThrow(/limit/);
  });

  it('refuses minSamples above maxSamples, which would never emit', () => {
    let error: unknown;
    try {
      timeToExhaustion({ limit: 1, minSamples: 100, maxSamples: 50 });
    } catch (e) {
      error = e;
    }
    expect(isHomeostatError(error) && error.code).toBe('CONFIG_INVALID');
    expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual([
      'minSamples',
    ]);
    expect(() => timeToExhaustion({ limit: 1, minSamples: 50, maxSamples: 50 })).not.toThrow();
  });
});
