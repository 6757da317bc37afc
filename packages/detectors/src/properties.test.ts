import { isHomeostatError } from '@homeostat/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAnomalyLikelihood,
  createEnsemble,
  createRollingZ,
  detectorRegistry,
  restoreDetector,
  withLikelihood,
  withSuppression,
  type Detector,
} from './index.js';
import { testSeries } from './internal/test-series.js';

const factories: [string, () => Detector][] = [
  ...Object.entries(detectorRegistry),
  [
    'ensemble(mean)',
    () =>
      createEnsemble(
        { a: createRollingZ(), b: withLikelihood(createRollingZ()) },
        { combine: 'mean' },
      ),
  ],
  ['suppressed', () => withSuppression(createRollingZ(), { level: 0.9, holdSamples: 5 })],
];

const weirdValue = fc.oneof(
  { weight: 5, arbitrary: fc.double({ noDefaultInfinity: false, noNaN: false }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e308, -1e308, 0, 5e-324),
  },
  { weight: 5, arbitrary: fc.integer({ min: -3, max: 3 }) },
);
const weirdTime = fc.oneof(
  fc.integer({ min: 0, max: 2_000_000_000_000 }),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -1),
);

describe.each(factories)('%s: any input', (_name, make) => {
  it('never throws and always scores in [0, 1], never NaN', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(weirdValue, weirdTime), { maxLength: 300 }), (rows) => {
        const d = make();
        for (const [v, t] of rows) {
          const s = d.update(v, t);
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(1);
          expect(typeof d.explain()).toBe('string');
        }
        // State must survive JSON (non-finite numbers become null) and restore.
        expect(() => restoreDetector(JSON.parse(JSON.stringify(d.toJSON())))).not.toThrow();
      }),
      { numRuns: 40 },
    );
  });

  it('scores a constant series 0 and a long regular series without NaN', () => {
    const d = make();
    for (let i = 0; i < 400; i++) expect(d.update(3, i * 1000)).toBe(0);
    const { t, v } = testSeries(1500);
    const e = make();
    for (let i = 0; i < t.length; i++) expect(Number.isNaN(e.update(v[i]!, t[i]!))).toBe(false);
  });

  it('is causal: changing data after record k never changes scores up to k', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        (k, seed) => {
          const { t, v } = testSeries(800, seed);
          const changed = v.map((x, i) => (i > k ? x * 3 + 100 : x));
          const a = make();
          const b = make();
          for (let i = 0; i <= k; i++)
            expect(b.update(changed[i]!, t[i]!)).toBe(a.update(v[i]!, t[i]!));
        },
      ),
      { numRuns: 5 },
    );
  });

  it('restores from JSON and continues with identical scores', () => {
    const { t, v } = testSeries(1200, 3);
    const d = make();
    for (let i = 0; i < 700; i++) d.update(v[i]!, t[i]!);
    const again = restoreDetector(JSON.parse(JSON.stringify(d)));
    expect(again.name).toBe(d.name);
    for (let i = 700; i < 1200; i++)
      expect(again.update(v[i]!, t[i]!)).toBe(d.update(v[i]!, t[i]!));
  });
});

/** Paths of every field of a saved state (first two entries of each array), outside `options`. */
function fieldPaths(o: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (o === null || typeof o !== 'object') return [path];
  const entries = Array.isArray(o)
    ? o.slice(0, 2).map((v, i) => [i, v] as const)
    : Object.entries(o);
  const out = path.length > 0 ? [path] : [];
  for (const [k, v] of entries)
    if (k !== 'options' && k !== 'kind') out.push(...fieldPaths(v, [...path, k]));
  return out;
}

function corrupt(state: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(state) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (value === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = value;
  return copy;
}

describe.each(factories)('%s: corrupted saved state', (_name, make) => {
  it('is refused with DetectorStateError, or restores a detector that scores identically', () => {
    const { t, v } = testSeries(760, 5);
    v[700] = 400;
    const d = make();
    for (let i = 0; i < 600; i++) d.update(v[i]!, t[i]!);
    const saved: unknown = JSON.parse(JSON.stringify(d));
    const expected = v.slice(600).map((x, i) => d.update(x, t[600 + i]!));
    for (const path of fieldPaths(saved)) {
      for (const value of ['garbage', undefined]) {
        let again: Detector;
        try {
          again = restoreDetector(corrupt(saved, path, value));
        } catch (e) {
          expect(isHomeostatError(e) && e.code, path.join('.')).toBe('DETECTOR_STATE_INVALID');
          continue;
        }
        const scores = v.slice(600).map((x, i) => again.update(x, t[600 + i]!));
        expect(scores, `${path.join('.')} = ${String(value)}`).toEqual(expected);
      }
    }
  });
});

describe('anomaly likelihood: any input', () => {
  it('never throws and scores in [0, 1]', () => {
    fc.assert(
      fc.property(fc.array(weirdValue, { maxLength: 500 }), (xs) => {
        const l = createAnomalyLikelihood({ learningPeriod: 10 });
        for (const x of xs) {
          const s = l.update(x);
          expect(s >= 0 && s <= 1).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});
