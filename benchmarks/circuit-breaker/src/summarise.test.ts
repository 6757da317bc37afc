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
    expect(x.bestNs).toBe(140);
    expect(x.bestOverheadNs).toBe(40); // 140 − 100
    expect(out.find((o) => o.contender === 'bare')!.overheadNs).toBe(0);
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
