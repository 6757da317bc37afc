import { describe, expect, it } from 'vitest';
import { summarise } from './summarise.js';

describe('summarise', () => {
  it('pairs each round with the baseline of the same round', () => {
    const out = summarise(
      [
        { scenario: 's', contender: 'bare', ns: [100, 200, 100] },
        { scenario: 's', contender: 'x', ns: [150, 260, 140] },
      ],
      'bare',
    );
    const x = out.find((o) => o.contender === 'x')!;
    expect(x.medianNs).toBe(150);
    expect(x.overheadNs).toBe(50); // differences 50, 60, 40
    expect(x.ratio).toBeCloseTo(1.4); // ratios 1.5, 1.3, 1.4
    expect(x.batchOverheadNs).toBeNaN(); // no batches given
    expect(out.find((o) => o.contender === 'bare')!.overheadNs).toBe(0);
  });

  it('pairs batches run in the same cycle', () => {
    const out = summarise(
      [
        { scenario: 's', contender: 'bare', ns: [1], batchNs: [50, 900, 60, 55] },
        { scenario: 's', contender: 'x', ns: [1], batchNs: [60, 2000, 75, 62] },
      ],
      'bare',
    );
    const x = out.find((o) => o.contender === 'x')!;
    expect(x.batchOverheadNs).toBe(12.5); // differences 7, 10, 15, 1100 → median 12.5 (spike ignored)
    expect(x.batchRatio).toBeCloseTo((1.2 + 1.25) / 2); // ratios 1.13, 1.2, 1.25, 2.22
  });

  it('refuses a scenario without baseline or with mismatched rounds', () => {
    expect(() => summarise([{ scenario: 's', contender: 'x', ns: [1] }], 'bare')).toThrow(
      /baseline/,
    );
    expect(() =>
      summarise(
        [
          { scenario: 's', contender: 'bare', ns: [1, 2] },
          { scenario: 's', contender: 'x', ns: [1] },
        ],
        'bare',
      ),
    ).toThrow(/round counts/);
  });
});
