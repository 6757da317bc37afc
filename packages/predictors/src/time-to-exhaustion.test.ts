import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import type { ExhaustionForecast, Sample } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { estimateExhaustion, normalCdf, timeToExhaustion } from './index.js';

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

  it('normalCdf matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
    expect(normalCdf(-10)).toBeLessThan(1e-20);
  });

  it('skips out-of-order samples, reports non-finite ones, checks options', () => {
    const { onError, errors } = createRecordingOnError();
    const samples: Sample[] = Array.from({ length: 12 }, (_, i) => ({
      series: 's',
      t: i,
      value: i,
    }));
    samples.push({ series: 's', t: 3, value: 3 }, { series: 's', t: 20, value: Number.NaN });
    const out = run(samples, timeToExhaustion({ limit: 100 }, { onError }));
    expect(out).toHaveLength(3);
    expect(errors).toHaveLength(1);
    // @ts-expect-error limit is required
    expect(() => timeToExhaustion({})).toThrow(/limit/);
    expect(() => timeToExhaustion({ limit: Number.NaN })).toThrow(/limit/);
  });
});
