import { describe, expect, it } from 'vitest';
import { detectorRegistry } from '@homeostat/detectors';
import { runSeries } from './run.js';

// Every registered detector must be causal: changing anything after record k (values, times,
// even dropping the tail) leaves the scores of records 0..k unchanged.

const N = 400;
const K = 260;
const STEP = 300_000;

function series(seed: number): { times: number[]; values: number[] } {
  let s = seed;
  const rnd = (): number => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < N; i++) {
    times.push(1_400_000_000_000 + i * STEP);
    const base = 50 + 10 * Math.sin((2 * Math.PI * i) / 48) + 3 * rnd();
    values.push(i === 150 ? base * 5 : i > 200 && i < 220 ? base + 30 : base);
  }
  return { times, values };
}

/** The same series with everything after record K changed. */
function perturbed(x: { times: number[]; values: number[] }, variant: number) {
  const times = x.times.slice();
  const values = x.values.slice();
  for (let i = K + 1; i < N; i++) {
    values[i] =
      variant === 0
        ? values[i]! * 10
        : variant === 1
          ? -values[i]!
          : i % 7 === 0
            ? Number.NaN
            : 1e12;
    // Later times may jump or repeat, but stay after record K so the time order keeps K's prefix.
    times[i] = variant === 2 ? times[K]! + (i % 5) * STEP : times[i]! + 17 * STEP;
  }
  return { times, values };
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>, n: number): boolean => {
  for (let i = 0; i < n; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
};

describe('every registered detector is causal', () => {
  for (const [name, create] of Object.entries(detectorRegistry)) {
    it(`${name}: scores up to record k ignore any change after k (through the runner)`, async () => {
      for (const seed of [1, 2]) {
        const x = series(seed);
        const full = await runSeries(create, x.times, x.values);
        const cut = await runSeries(create, x.times.slice(0, K + 1), x.values.slice(0, K + 1));
        expect(same(full.scores, cut.scores, K + 1), `${name} truncated, seed ${seed}`).toBe(true);
        for (const variant of [0, 1, 2]) {
          const y = perturbed(x, variant);
          const other = await runSeries(create, y.times, y.values);
          expect(same(full.scores, other.scores, K + 1), `${name} variant ${variant}`).toBe(true);
        }
      }
    }, 60_000);

    it(`${name}: the plain API too, with backwards times and NaN after k`, () => {
      const x = series(3);
      const a = create();
      const b = create();
      const sa: number[] = [];
      const sb: number[] = [];
      for (let i = 0; i < N; i++) {
        sa.push(a.update(x.values[i]!, x.times[i]!));
        const v = i > K ? (i % 3 === 0 ? Number.NaN : -1e9) : x.values[i]!;
        const t = i > K ? x.times[0]! - i : x.times[i]!;
        sb.push(b.update(v, t));
      }
      expect(same(sa, sb, K + 1)).toBe(true);
    }, 60_000);
  }
});
