import { describe, expect, it } from 'vitest';
import { coverage, mase, maseScale, naive2Forecast, scoreSet, smape } from './score.js';
import { formatForecasts, parseM4 } from './data.js';

describe('M4 measures on hand-computed cases', () => {
  it('sMAPE is the mean of 200·|y−f|/(|y|+|f|)', () => {
    // 200·|100−110|/210 = 9.5238…, 200·|50−40|/90 = 22.222…, both zero counts 0
    expect(smape([100, 50, 0], [110, 40, 0])).toBeCloseTo((9.523809524 + 22.222222222 + 0) / 3, 8);
  });

  it('the MASE scale is the in-sample seasonal-naive mean absolute error', () => {
    // m = 2: |3−1|, |4−2|, |7−3| → (2 + 2 + 4) / 3
    expect(maseScale([1, 2, 3, 4, 7], 2)).toBeCloseTo(8 / 3, 12);
    expect(() => maseScale([1, 2], 2)).toThrow(RangeError);
  });

  it('MASE divides the mean absolute error by that scale', () => {
    // errors |8−7|, |9−11| → 1.5; scale 8/3 → 0.5625
    expect(mase({ insample: [1, 2, 3, 4, 7], actual: [8, 9], forecast: [7, 11] }, 2)).toBeCloseTo(
      1.5 / (8 / 3),
      12,
    );
  });

  it('OWA is ½(sMAPE/sMAPE_Naive2 + MASE/MASE_Naive2) of the overall means', () => {
    const insample = [1, 2, 3, 4, 7];
    const cases = [
      { insample, actual: [8, 9], forecast: [7, 11] },
      { insample, actual: [10, 10], forecast: [10, 10] },
    ];
    const naive2 = [
      [7, 7],
      [7, 7],
    ];
    const s = (smape([8, 9], [7, 11]) + 0) / 2;
    const a = (mase({ insample, actual: [8, 9], forecast: [7, 11] }, 2) + 0) / 2;
    const s2 = (smape([8, 9], [7, 7]) + smape([10, 10], [7, 7])) / 2;
    const a2 =
      (mase({ insample, actual: [8, 9], forecast: [7, 7] }, 2) +
        mase({ insample, actual: [10, 10], forecast: [7, 7] }, 2)) /
      2;
    const scores = scoreSet(cases, naive2, 2);
    expect(scores.smape).toBeCloseTo(s, 12);
    expect(scores.mase).toBeCloseTo(a, 12);
    expect(scores.owa).toBeCloseTo(0.5 * (s / s2 + a / a2), 12);
    // Naive2 scored against itself is exactly 1.
    expect(
      scoreSet(
        cases.map((c, i) => ({ ...c, forecast: naive2[i]! })),
        naive2,
        2,
      ).owa,
    ).toBeCloseTo(1, 12);
  });

  it('Naive2 is the last value when the series is not seasonal', () => {
    expect(naive2Forecast([5, 6, 5, 7, 6, 8], 3, 2)).toEqual([8, 8, 8]);
  });

  it('Naive2 re-seasonalises the adjusted last value on a seasonal series', () => {
    // Period 4, pattern ×(0.5, 1, 1.5, 1) on a level of 10, 12 cycles: indices are exact.
    const pattern = [0.5, 1, 1.5, 1];
    const x = Array.from({ length: 48 }, (_, t) => 10 * pattern[t % 4]!);
    expect(naive2Forecast(x, 4, 4).map((v) => Number(v.toFixed(9)))).toEqual([5, 10, 15, 10]);
  });

  it('coverage counts the actual values inside the bounds', () => {
    expect(coverage([1, 5, 9], [0, 6, 8], [2, 7, 10])).toEqual({ inside: 2, total: 3 });
  });
});

describe('M4 files', () => {
  it('parses the competition layout (quoted, header, padding) and writes id,F1…', () => {
    const text = '"V1","V2","V3","V4"\n"H1","1","2","3"\n"H2","4","",""\n';
    expect(parseM4(text)).toEqual([
      { id: 'H1', values: [1, 2, 3] },
      { id: 'H2', values: [4] },
    ]);
    expect(() => parseM4('"H1","x"\n', 'f.csv')).toThrow(/f\.csv:1: column 2/);
    expect(formatForecasts([{ id: 'H1', mean: [1.5, 2] }], 2)).toBe('id,F1,F2\nH1,1.5,2\n');
  });
});
