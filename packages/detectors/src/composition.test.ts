import { isHomeostatError } from '@homeostat/core';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLD,
  createAnomalyLikelihood,
  createEnsemble,
  createRangeBreach,
  createRobustZ,
  createRollingZ,
  defaultDetector,
  detectorRegistry,
  hasParts,
  restoreAnomalyLikelihood,
  restoreDetector,
  withLikelihood,
  withSuppression,
  type Detector,
} from './index.js';
import { testSeries } from './internal/test-series.js';

function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/** A detector that replays given scores, for testing wrappers. */
function scripted(scores: readonly number[], name = 'scripted'): Detector {
  let i = 0;
  return {
    name,
    update: () => scores[i++] ?? 0,
    explain: () => `${name} explanation`,
    toJSON: () => ({ kind: name }),
  };
}

describe('createAnomalyLikelihood', () => {
  it('is quiet on usual scores and alarms on a burst of surprise', () => {
    const r = noise(1);
    const l = createAnomalyLikelihood({ learningPeriod: 100, shortWindow: 5 });
    const calm: number[] = [];
    for (let i = 0; i < 2000; i++) calm.push(l.update(0.5 + r() * 0.9));
    expect(calm.slice(0, 100).every((s) => s === 0)).toBe(true);
    expect(Math.max(...calm.slice(200))).toBeLessThan(0.5);
    let peak = 0;
    for (let i = 0; i < 5; i++) peak = Math.max(peak, l.update(0.999999));
    expect(peak).toBeGreaterThan(0.5);
    expect(l.tail).toBeLessThan(1e-5);
  });

  it('stops alarming once high scores are usual', () => {
    const l = createAnomalyLikelihood({ learningPeriod: 10, historyLength: 100, input: 'raw' });
    const r = noise(2);
    for (let i = 0; i < 300; i++) l.update(0.1 + 0.05 * r());
    const first = l.update(0.9);
    for (let i = 0; i < 2000; i++) l.update(0.9 + 0.05 * r());
    expect(l.update(0.9)).toBeLessThan(first);
  });

  it('restores from JSON and continues identically', () => {
    const r = noise(3);
    const a = createAnomalyLikelihood({ learningPeriod: 10 });
    for (let i = 0; i < 500; i++) a.update(Math.abs(r()));
    const b = restoreAnomalyLikelihood(JSON.parse(JSON.stringify(a)));
    for (let i = 0; i < 200; i++) {
      const x = Math.abs(r());
      expect(b.update(x)).toBe(a.update(x));
    }
  });

  it('restored at any point, continues identically past the periodic re-sum', () => {
    // Saved with the short window's ring turned (500 updates, window of 7), then run past
    // update 1024, where the running sum is re-added in slot order.
    const r = noise(4);
    const a = createAnomalyLikelihood({ learningPeriod: 10, shortWindow: 7 });
    for (let i = 0; i < 500; i++) a.update(Math.abs(r()));
    const b = restoreAnomalyLikelihood(JSON.parse(JSON.stringify(a)));
    for (let i = 0; i < 2600; i++) {
      const x = Math.abs(r());
      expect(b.update(x), `update ${500 + i}`).toBe(a.update(x));
    }
  });

  it('keeps working, and saving, after a raw score near the largest double', () => {
    const r = noise(5);
    const l = createAnomalyLikelihood({ learningPeriod: 10, input: 'raw' });
    for (let i = 0; i < 50; i++) l.update(Math.abs(r()));
    l.update(1e308);
    l.update(1e308);
    for (let i = 0; i < 20; i++) expect(Number.isNaN(l.update(Math.abs(r())))).toBe(false);
    const saved = JSON.parse(JSON.stringify(l)) as { shortSum: unknown; history: object };
    expect(saved.shortSum).not.toBeNull();
    expect(Object.values(saved.history)).not.toContain(null);
    const again = restoreAnomalyLikelihood(saved);
    for (let i = 0; i < 20; i++) {
      const x = Math.abs(r());
      expect(again.update(x)).toBe(l.update(x));
    }
  });

  it('rejects invalid options', () => {
    expect(() => createAnomalyLikelihood({ shortWindow: 0 })).toThrow(/shortWindow/);
  });
});

describe('withLikelihood', () => {
  it('wraps a detector and explains both the likelihood and the raw detector', () => {
    const d = withLikelihood(createRollingZ(), { learningPeriod: 50 });
    const { t, v } = testSeries(400);
    for (let i = 0; i < 400; i++) d.update(v[i]!, t[i]!);
    expect(d.name).toBe('rolling-z+likelihood');
    expect(d.explain()).toMatch(/from raw .* Raw detector: rolling-z/);
  });
});

describe('createEnsemble', () => {
  it('combines weighted member scores by max or mean and reports parts', () => {
    const max = createEnsemble({
      a: scripted([0.2]),
      b: { detector: scripted([0.8]), weight: 0.5 },
    });
    expect(max.update(1, 0)).toBeCloseTo(0.4);
    expect(max.parts()).toEqual({ a: 0.2, b: 0.8 });
    const mean = createEnsemble(
      { a: scripted([0.2]), b: { detector: scripted([0.8]), weight: 3 } },
      { combine: 'mean' },
    );
    expect(mean.update(1, 0)).toBeCloseTo((0.2 + 3 * 0.8) / 4);
    expect(hasParts(mean)).toBe(true);
    expect(hasParts(createRollingZ())).toBe(false);
  });

  it('names the members that fired and how the value deviated', () => {
    const r = noise(4);
    const e = createEnsemble({ z: createRollingZ({ windowSize: 64 }), quiet: scripted([]) });
    for (let i = 0; i < 200; i++) e.update(10 + r(), i);
    expect(e.explain()).toMatch(/no member fired/);
    e.update(40, 200);
    expect(e.explain()).toMatch(/1 of 2 fired — z \(1\): rolling-z: value 40 is .* sd above/);
  });

  it('rejects a negative weight, naming the member', () => {
    try {
      createEnsemble({ bad: { detector: createRollingZ(), weight: -1 } });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      expect((e as Error).message).toContain('member bad');
    }
  });
});

describe('withSuppression', () => {
  it('holds the scores after an alarm below the level for holdSamples values', () => {
    const d = withSuppression(scripted([0.2, 0.95, 0.97, 0.99, 0.96, 0.3]), {
      level: 0.9,
      holdSamples: 3,
    });
    const out = [0, 1, 2, 3, 4, 5].map((i) => d.update(1, i));
    expect(out).toEqual([0.2, 0.95, 0, 0, 0, 0.3]);
  });

  it('explains a suppressed alarm', () => {
    const d = withSuppression(scripted([0.95, 0.97]), { level: 0.9, holdSamples: 3 });
    d.update(1, 0);
    d.update(1, 1);
    expect(d.explain()).toMatch(/alarm suppressed: raw score 0.97/);
  });
});

describe('restoreDetector', () => {
  it('rejects state that is not an object or has an unknown kind', () => {
    for (const bad of [null, 3, [], { kind: 'nope' }]) {
      try {
        restoreDetector(bad);
        throw new Error('expected a DetectorStateError');
      } catch (e) {
        expect(isHomeostatError(e) && e.code === 'DETECTOR_STATE_INVALID').toBe(true);
      }
    }
  });

  it('refuses a missing or mistyped field, naming its path through ensemble members', () => {
    const d = defaultDetector();
    const { t, v } = testSeries(400);
    v.forEach((x, i) => d.update(x, t[i]!));
    const saved = JSON.parse(JSON.stringify(d));
    const attempt = (state: unknown): unknown => {
      try {
        restoreDetector(state);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const lostMembers = structuredClone(saved);
    lostMembers.inner.members = 'garbage';
    expect(attempt(lostMembers)).toMatchObject({
      code: 'DETECTOR_STATE_INVALID',
      path: 'inner.members',
    });
    const lostWindow = structuredClone(saved);
    lostWindow.inner.members[0].state.members[0].state.inner.window.values = 'not-an-array';
    const e = attempt(lostWindow);
    expect(e).toMatchObject({
      code: 'DETECTOR_STATE_INVALID',
      path: 'inner.members.likelihood.members.rolling-z.inner.window.values',
      state: lostWindow,
    });
    expect((e as Error).message).toMatch(
      /inner\.members\.likelihood\.members\.rolling-z\.inner\.window\.values: must be an array/,
    );
    const unknownKind = structuredClone(saved);
    unknownKind.inner.members[1].state.kind = 'nope';
    expect(attempt(unknownKind)).toMatchObject({ path: 'inner.members.range-breach.kind' });
  });

  it('checks ensemble member weights like createEnsemble does', () => {
    const saved = JSON.parse(JSON.stringify(createEnsemble({ a: createRollingZ() }))) as {
      members: Record<string, unknown>[];
    };
    for (const weight of [-1, 2e6, 'heavy', undefined]) {
      const bad = structuredClone(saved);
      bad.members[0]!.weight = weight;
      expect(() => restoreDetector(bad)).toThrow(/members\.0\.weight/);
    }
    const twice = structuredClone(saved);
    twice.members.push(structuredClone(saved.members[0]!));
    expect(() => restoreDetector(twice)).toThrow(/members\.1\.name: duplicates member "a"/);
  });

  it('still restores a rolling window saved as a plain array of values', () => {
    const d = createRollingZ({ windowSize: 32 });
    for (let i = 0; i < 40; i++) d.update(i % 5, i);
    const saved = JSON.parse(JSON.stringify(d));
    saved.window = saved.window.values;
    const again = restoreDetector(saved);
    expect(again.update(50, 41)).toBe(d.update(50, 41));
  });

  it('restores a detector saved with a minCount above its window (before that was refused)', () => {
    // Saved before the check: the default minCount 16 over a window of 8, a detector that could
    // never score. Restored, it takes minCount = windowSize, as one made today would.
    for (const make of [
      () => createRollingZ({ windowSize: 8 }),
      () => createRobustZ({ windowSize: 8 }),
    ]) {
      const d = make();
      for (let i = 0; i < 12; i++) d.update(5, i);
      const saved = JSON.parse(JSON.stringify(d));
      saved.options.minCount = 16;
      const score = restoreDetector(saved).update(6, 12);
      expect(score).toBe(d.update(6, 12));
      expect(score).toBeGreaterThan(0.99);
    }
    expect(() => createRollingZ({ windowSize: 8, minCount: 16 })).toThrow(/minCount/);
  });

  it('refuses anomaly likelihood state that is not an object or lost a field', () => {
    expect(() => restoreAnomalyLikelihood(null)).toThrow(/must be an object/);
    const saved = JSON.parse(JSON.stringify(createAnomalyLikelihood()));
    delete saved.history.variance;
    expect(() => restoreAnomalyLikelihood(saved)).toThrow(/history\.variance: must be a finite/);
  });

  it('rejects saved options that are invalid', () => {
    expect(() => restoreDetector({ kind: 'rolling-z', options: { windowSize: -1 } })).toThrow(
      /windowSize/,
    );
  });
});

describe('registry and default', () => {
  it('has a factory per detector, with homeostat as the default', () => {
    expect(Object.keys(detectorRegistry)).toContain('homeostat');
    for (const [name, make] of Object.entries(detectorRegistry)) {
      const d = make();
      expect(typeof d.name, name).toBe('string');
      expect(make()).not.toBe(d); // a fresh detector per call
    }
    expect(DEFAULT_THRESHOLD).toBeGreaterThan(0);
    expect(DEFAULT_THRESHOLD).toBeLessThan(1);
  });

  it('raises one alarm for a level shift to a new range and explains it', () => {
    const d = defaultDetector();
    const { t, v } = testSeries(2000);
    const scores = v.map((x, i) => d.update(x, t[i]!));
    expect(scores.filter((s) => s >= DEFAULT_THRESHOLD).length).toBeLessThanOrEqual(2);
    const after = [0, 1, 2, 3, 4, 5].map((k) => d.update(200, t[1999]! + (k + 1) * 300_000));
    expect(after.filter((s) => s >= DEFAULT_THRESHOLD)).toHaveLength(1);
    expect(after[0]).toBe(1);
    d.update(200, t[1999]! + 7 * 300_000);
    const saved = restoreDetector(JSON.parse(JSON.stringify(defaultDetector())));
    expect(saved.name).toBe(defaultDetector().name);
  });

  it('explains an alarm naming the member that fired', () => {
    const d = defaultDetector();
    const { t, v } = testSeries(1000);
    v.forEach((x, i) => d.update(x, t[i]!));
    d.update(500, t[999]! + 300_000);
    expect(d.name).toBe('homeostat');
    expect(d.explain()).toMatch(/^homeostat: score 1;/);
    expect(d.explain()).toMatch(
      /range-breach \(1\): range-breach: value 500 is above the highest value/,
    );
  });
});

describe('range breach in an ensemble', () => {
  it('dominates a max ensemble when a new extreme arrives', () => {
    const e = createEnsemble({ z: createRollingZ(), r: createRangeBreach({ minCount: 10 }) });
    for (let i = 0; i < 50; i++) e.update(i % 5, i);
    expect(e.update(100, 50)).toBe(1);
    expect(e.parts().r).toBe(1);
  });
});
