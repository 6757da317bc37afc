import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import type { ExhaustionForecast, Forecast, Sample } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { createAutoModel, createLinearTrend, forecast, timeToExhaustion } from './index.js';

const sampleArb = fc.record({
  series: fc.constantFrom('a', 'b'),
  dt: fc.integer({ min: -2, max: 300 }),
  value: fc.oneof(
    fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }),
    fc.constant(Number.NaN),
    fc.constant(0),
  ),
});

function drive<R>(
  op: (s: Subject<Sample>) => { subscribe(f: (r: R) => void): unknown },
  raw: { series: string; dt: number; value: number }[],
): R[] {
  const src = new Subject<Sample>();
  const out: R[] = [];
  op(src).subscribe((r) => out.push(r));
  let t = 0;
  for (const r of raw) {
    t += r.dt * 1000;
    src.next({ series: r.series, t, value: r.value });
  }
  src.complete();
  return out;
}

describe('operators never crash and never emit NaN (property)', () => {
  it('forecast', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 120 }), fc.boolean(), (raw, auto) => {
        const { onError } = createRecordingOnError();
        const out = drive<Forecast>(
          (s) =>
            s.pipe(
              forecast(
                () => (auto ? createAutoModel({ periods: [4], holdout: 4 }) : createLinearTrend()),
                {
                  horizons: [1000, 5000],
                  minHistory: 3,
                  maxGapSteps: 5,
                },
                { onError },
              ),
            ),
          raw,
        );
        expect(out.length).toBeLessThanOrEqual(2 * raw.length);
        for (const f of out) {
          expect([f.mean, f.lower, f.upper].every(Number.isFinite)).toBe(true);
          expect(f.lower).toBeLessThanOrEqual(f.mean);
          expect(f.mean).toBeLessThanOrEqual(f.upper);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('timeToExhaustion', () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 120 }), (raw) => {
        const { onError } = createRecordingOnError();
        const out = drive<ExhaustionForecast>(
          (s) => s.pipe(timeToExhaustion({ limit: 1e6, minSamples: 3 }, { onError })),
          raw,
        );
        expect(out.length).toBeLessThanOrEqual(raw.length);
        for (const e of out) {
          expect(e.etaMs >= 0 && !Number.isNaN(e.etaMs)).toBe(true);
          expect(e.probability >= 0 && e.probability <= 1).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});
