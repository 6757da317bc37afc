import { isHomeostatError } from '@homeostat/core';
import { describe, expect, it } from 'vitest';
import {
  createContextualBaseline,
  createCusum,
  createEwmaChart,
  createHoltWinters,
  createIsolationForest,
  createRangeBreach,
  createRelativeEntropy,
  createRobustZ,
  createRollingZ,
  createSequenceContext,
  createSpectralResidual,
  restoreDetector,
  type Detector,
} from './index.js';

const STEP = 300_000; // 5 minutes
const T0 = Date.UTC(2024, 0, 1);

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/** Feeds `values` and returns the scores. */
function run(d: Detector, values: readonly number[], t0 = T0): number[] {
  return values.map((v, i) => d.update(v, t0 + i * STEP));
}

function expectConfigError(fn: () => unknown, path: string): void {
  try {
    fn();
  } catch (e) {
    expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
    expect((e as Error).message).toContain(path);
    return;
  }
  throw new Error('expected a ConfigError');
}

describe('createRollingZ', () => {
  it('scores 0 while warming up, then flags a spike and explains it', () => {
    const r = noise(1);
    const d = createRollingZ({ windowSize: 64, minCount: 16 });
    const base = Array.from({ length: 200 }, () => 10 + r());
    const scores = run(d, [...base, 30]);
    expect(scores.slice(0, 16).every((s) => s === 0)).toBe(true);
    expect(Math.max(...scores.slice(20, 200))).toBeLessThan(0.9999);
    expect(scores[200]).toBeGreaterThan(0.9999);
    expect(d.explain()).toMatch(/rolling-z: value 30 is .* sd above the mean/);
  });

  it('rejects invalid options with the option named', () => {
    expectConfigError(() => createRollingZ({ windowSize: 1 }), 'windowSize');
  });

  it('scores with a window smaller than the default minCount, and rejects a larger minCount', () => {
    const d = createRollingZ({ windowSize: 8 });
    const scores = run(d, [...Array.from({ length: 50 }, (_, i) => 10 + (i % 3)), 1e6]);
    expect(scores[50]).toBe(1);
    expect(scores.slice(0, 8).every((s) => s === 0)).toBe(true);
    expectConfigError(() => createRollingZ({ windowSize: 32, minCount: 64 }), 'minCount');
  });
});

describe('createRobustZ', () => {
  it('flags a spike even right after another outlier in the window', () => {
    const r = noise(2);
    const d = createRobustZ({ windowSize: 64 });
    const values = Array.from({ length: 150 }, () => 5 + r());
    values[120] = 100; // an earlier outlier inflates a mean/sd baseline, not a median/MAD one
    const scores = run(d, [...values, 12]);
    expect(scores[150]).toBeGreaterThan(0.999);
    expect(d.explain()).toContain('median');
    const plain = createRollingZ({ windowSize: 64 });
    expect(run(plain, [...values, 12])[150]).toBeLessThan(scores[150]!);
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createRobustZ({ windowSize: 2 }), 'windowSize');
  });

  it('scores with a window smaller than the default minCount, and rejects a larger minCount', () => {
    const d = createRobustZ({ windowSize: 8 });
    const scores = run(d, [...Array.from({ length: 50 }, (_, i) => 10 + (i % 3)), 1e6]);
    expect(scores[50]).toBe(1);
    expectConfigError(() => createRobustZ({ windowSize: 8, minCount: 9 }), 'minCount');
  });
});

describe('createEwmaChart', () => {
  it('detects a small sustained shift that a point z-score barely notices', () => {
    const r = noise(3);
    const before = Array.from({ length: 400 }, () => r());
    const after = Array.from({ length: 30 }, () => 0.6 + r());
    const d = createEwmaChart({ lambda: 0.2 });
    const scores = run(d, [...before, ...after]);
    expect(Math.max(...scores.slice(400))).toBeGreaterThan(0.999);
    expect(Math.max(...scores.slice(100, 400))).toBeLessThan(0.9999);
    expect(d.explain()).toContain('EWMA');
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createEwmaChart({ lambda: 0 }), 'lambda');
  });
});

describe('createCusum', () => {
  it('accumulates a sustained shift to the decision interval, then resets', () => {
    const r = noise(4);
    const before = Array.from({ length: 400 }, () => r());
    const after = Array.from({ length: 40 }, () => 0.5 + r());
    const d = createCusum({ k: 0.5, h: 5 });
    const scores = run(d, [...before, ...after]);
    const alarm = scores.findIndex((s, i) => i >= 400 && s >= 0.99);
    expect(alarm).toBeGreaterThan(400);
    expect(scores[alarm + 1]).toBeLessThan(scores[alarm]!);
    expect(d.explain()).toMatch(/alarms so far/);
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createCusum({ h: 0 }), 'h');
  });
});

describe('createHoltWinters', () => {
  it('follows a trend and a season without alarm, and flags a break of the pattern', () => {
    const r = noise(5);
    const season = 24;
    const values = Array.from(
      { length: 24 * 30 },
      (_, i) => 100 + 0.05 * i + 10 * Math.sin((2 * Math.PI * i) / season) + r(),
    );
    const d = createHoltWinters({ seasonLength: season });
    const scores = run(d, values);
    expect(Math.max(...scores.slice(24 * 10))).toBeLessThan(0.9999);
    const i = values.length;
    const expected = 100 + 0.05 * i + 10 * Math.sin((2 * Math.PI * i) / season);
    expect(d.update(expected + 15, T0 + i * STEP)).toBeGreaterThan(0.9999);
    expect(d.explain()).toContain('forecast');
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createHoltWinters({ alpha: 1 }), 'alpha');
  });
});

describe('createContextualBaseline', () => {
  it('judges a value against the same hour of past days', () => {
    const r = noise(6);
    const d = createContextualBaseline({ period: 'day', bucketMinutes: 60 });
    const hourly = 3_600_000;
    // 20 days: busy (100) from 09:00 to 17:00 UTC, quiet (10) otherwise.
    const level = (t: number): number => {
      const h = new Date(t).getUTCHours();
      return h >= 9 && h < 17 ? 100 : 10;
    };
    for (let i = 0; i < 24 * 20; i++) d.update(level(T0 + i * hourly) + r(), T0 + i * hourly);
    const night = T0 + 24 * 20 * hourly + 2 * hourly; // 02:00
    expect(d.update(100, night)).toBeGreaterThan(0.9999);
    expect(d.explain()).toContain('time of day');
    const noon = night + 10 * hourly;
    expect(d.update(100, noon)).toBeLessThan(0.99);
  });

  it('rejects a bucket width that does not divide a day', () => {
    expectConfigError(() => createContextualBaseline({ bucketMinutes: 7 }), 'bucketMinutes');
  });
});

describe('createSpectralResidual', () => {
  it('scores a spike in a periodic signal far above ordinary points', () => {
    const r = noise(7);
    const values = Array.from({ length: 600 }, (_, i) => Math.sin(i / 5) + 0.05 * r());
    const d = createSpectralResidual({ windowSize: 64 });
    const scores = run(d, [...values, 5]);
    const ordinary = scores.slice(200, 600).sort((a, b) => a - b)[396]!; // 99th percentile
    expect(scores[600]).toBeGreaterThan(0.9);
    expect(scores[600]).toBeGreaterThan(ordinary);
    expect(d.explain()).toContain('saliency');
  });

  it('rejects a window that is not a power of two', () => {
    expectConfigError(() => createSpectralResidual({ windowSize: 100 }), 'windowSize');
  });
});

describe('createIsolationForest', () => {
  it('isolates an unusual shape quickly and ordinary shapes slowly', () => {
    const r = noise(8);
    const values = Array.from({ length: 800 }, (_, i) => Math.sin(i / 6) + 0.05 * r());
    const d = createIsolationForest({ shingleSize: 4, seed: 3 });
    const scores = run(d, [...values, 5]);
    const typical = scores.slice(400, 800).reduce((a, b) => a + b, 0) / 400;
    expect(typical).toBeLessThan(0.2);
    expect(scores[800]).toBeGreaterThan(0.3);
    expect(scores[800]).toBeGreaterThan(typical * 3);
    expect(d.explain()).toContain('isolated');
  });

  it('is reproducible for a given seed', () => {
    const values = Array.from({ length: 500 }, (_, i) => Math.sin(i / 6));
    expect(run(createIsolationForest({ seed: 9 }), values)).toEqual(
      run(createIsolationForest({ seed: 9 }), values),
    );
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createIsolationForest({ trees: 0 }), 'trees');
  });
});

describe('createRelativeEntropy', () => {
  it('stays low on a stable distribution and rises when it changes', () => {
    const r = noise(9);
    const stable = Array.from({ length: 1500 }, () => r());
    const changed = Array.from({ length: 80 }, () => 0.35 + 0.3 * r());
    const d = createRelativeEntropy({ windowSize: 64, bins: 8 });
    const scores = run(d, [...stable, ...changed]);
    const calm = scores.slice(400, 1500).filter((s) => s > 0.999).length;
    expect(calm / 1100).toBeLessThan(0.05);
    expect(Math.max(...scores.slice(1500))).toBeGreaterThan(0.999);
    expect(d.explain()).toContain('histogram');
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createRelativeEntropy({ bins: 1 }), 'bins');
  });
});

describe('createSequenceContext', () => {
  it('learns a repeating sequence and flags a new one', () => {
    const pattern = [0, 1, 2, 3, 2, 1];
    const values = Array.from({ length: 600 }, (_, i) => pattern[i % pattern.length]!);
    const d = createSequenceContext({ levels: 4, maxOrder: 4 });
    const scores = run(d, [...values, 3, 0, 3]);
    expect(Math.max(...scores.slice(300, 600))).toBe(0);
    expect(Math.max(...scores.slice(600))).toBeGreaterThan(0.5);
    expect(d.explain()).toContain('contexts');
  });

  it('rejects a memory size that is not a power of two', () => {
    expectConfigError(() => createSequenceContext({ memorySlots: 1000 }), 'memorySlots');
  });
});

describe('createRangeBreach', () => {
  it('scores 1 only for a value beyond the range seen so far', () => {
    const r = noise(10);
    const d = createRangeBreach({ tolerance: 0.1, minCount: 50 });
    const scores = run(d, [...Array.from({ length: 100 }, () => r()), 0.3, 0.8]);
    expect(scores.slice(0, 101).every((s) => s === 0)).toBe(true);
    expect(scores[101]).toBe(1);
    expect(d.explain()).toContain('above the highest value');
    expect(d.update(0.7, T0 + 102 * STEP)).toBe(0); // the range now includes 0.8
  });

  it('rejects invalid options', () => {
    expectConfigError(() => createRangeBreach({ tolerance: -1 }), 'tolerance');
  });
});

describe('the constant-series rule at any scale', () => {
  const zType: [string, () => Detector][] = [
    ['robust-z', () => createRobustZ()],
    ['ewma', () => createEwmaChart()],
    ['cusum', () => createCusum()],
    ['holt-winters', () => createHoltWinters()],
    ['contextual-baseline', () => createContextualBaseline()],
    ['rolling-z', () => createRollingZ()],
  ];

  it.each(zType)('%s scores 0 on a constant that binary floating point cannot hold', (_, make) => {
    // Running sums give 0.1 a mean a few ulps off and an sd of 0 or of rounding noise.
    for (const c of [0.1, 0.3, 123.456, 5e-12]) {
      const d = make();
      expect(
        Math.max(
          ...run(
            d,
            Array.from({ length: 700 }, () => c),
          ),
        ),
        `constant ${c}`,
      ).toBe(0);
    }
  });

  it.each(zType)(
    '%s scores a change after a constant stretch close to 1 at 1e-12 as at 1',
    (_, make) => {
      for (const scale of [1, 1e-12, 1e-200]) {
        const d = make();
        const scores = run(d, [...Array.from({ length: 700 }, () => 5 * scale), 6 * scale]);
        expect(
          scores.slice(0, 700).every((s) => s === 0),
          `scale ${scale}`,
        ).toBe(true);
        expect(scores[700], `scale ${scale}`).toBeGreaterThan(0.99);
      }
    },
  );

  it.each(zType)(
    '%s scores 1e12 ± 1 as it scores 0 ± 1: an offset is neither spread nor its absence',
    (_, make) => {
      const r = noise(33);
      const base = Array.from({ length: 3000 }, (_, i) => {
        const v = 2 * (r() + r() + r()) - 3; // sd 1
        return i > 1000 && i % 300 === 0 ? v + 8 : v; // 8-sd spikes
      });
      const at = (offset: number): number[] =>
        run(
          make(),
          base.map((v) => offset + v),
        );
      const alarms = (scores: number[]): number =>
        scores.filter((s, i) => i > 1000 && i % 300 !== 0 && s > 0.999).length;
      const spikes = (scores: number[]): number[] =>
        scores.filter((_, i) => i > 1000 && i % 300 === 0).map((s) => Math.round(s * 100));
      const plain = at(0);
      for (const offset of [1e9, 1e10, 1e12]) {
        const shifted = at(offset);
        // The values themselves round at these offsets (to 1.2e-4 at 1e12), so scores agree
        // to a few hundredths and the alarms to a few values, not bit for bit.
        expect(Math.abs(alarms(shifted) - alarms(plain)), `offset ${offset}`).toBeLessThanOrEqual(
          3,
        );
        const d = spikes(shifted).map((s, i) => Math.abs(s - spikes(plain)[i]!));
        expect(Math.max(...d), `offset ${offset}`).toBeLessThanOrEqual(5);
      }
    },
  );
});

describe('rolling-z window sums (shared by correlation and spectral residual)', () => {
  it('score a series by its own spread, however large its offset (1e8 ± 1)', () => {
    const r = noise(21);
    for (const offset of [0, 1e8, 1e9 / 3]) {
      const d = createRollingZ();
      const values = Array.from({ length: 3000 }, (_, i) => {
        const v = offset + 2 * (r() + r() + r());
        return i > 1000 && i % 200 === 0 ? v + 8 : v; // 8-sd spikes
      });
      const scores = run(d, values);
      const spikes = scores.filter((_, i) => i > 1000 && i % 200 === 0);
      const ordinary = scores.filter((_, i) => i > 300 && !(i > 1000 && i % 200 === 0));
      // Σx²/n − mean² on raw values: rounding of 1e16 read as spread, or its absence.
      expect(ordinary.filter((s) => s > 0.999).length, `offset ${offset}`).toBe(0);
      expect(Math.min(...spikes), `offset ${offset}`).toBeGreaterThan(0.999);
    }
  });

  it('do not alarm on ordinary values once a huge spike has left the window', () => {
    const r = noise(22);
    const d = createRollingZ({ windowSize: 256 });
    const values = Array.from({ length: 2000 }, (_, i) => (i === 300 ? 1e12 : 100 + 10 * r()));
    const scores = run(d, values);
    expect(scores[300]).toBe(1);
    expect(scores.filter((s, i) => i !== 300 && s > 0.999)).toEqual([]);
  });

  it('save a running sum of squares rounded below 0 in a state that restores', () => {
    // 1.3e142² is below the rounding of 1e150², so subtracting both leaves a small negative sum.
    const d = createRollingZ({ windowSize: 8 });
    run(d, [1e150, 1.3e142, 0, 0, 0, 0, 0, 0, 0, 0]);
    const again = restoreDetector(JSON.parse(JSON.stringify(d)));
    const next = [0, 1, 0, 2, 5];
    expect(run(again, next, T0 + 10 * STEP)).toEqual(run(d, next, T0 + 10 * STEP));
  });
});

describe('options', () => {
  const factories: [string, (o: object) => unknown][] = [
    ['contextual-baseline', createContextualBaseline],
    ['cusum', createCusum],
    ['ewma', createEwmaChart],
    ['holt-winters', createHoltWinters],
    ['isolation-forest', createIsolationForest],
    ['range-breach', createRangeBreach],
    ['relative-entropy', createRelativeEntropy],
    ['robust-z', createRobustZ],
    ['rolling-z', createRollingZ],
    ['sequence-context', createSequenceContext],
    ['spectral-residual', createSpectralResidual],
  ];

  it.each(factories)('%s refuses a misspelled option instead of ignoring it', (_, create) => {
    expect(() => create({ windowSzie: 5 })).toThrow(/Unrecognized key: "windowSzie"/);
  });
});
