import { createKeyedStats, isHomeostatError, type Sample, type Scored } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { Subject, from, throwError, concat } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  anomalies,
  createCorrelationDetector,
  createEnsemble,
  createRollingZ,
  detect,
  detectCorrelated,
  restoreCorrelationDetector,
  type AnomaliesCounters,
  type Detector,
} from './index.js';

const s = (series: string, t: number, value: number): Sample => ({ series, t, value });

/** A detector whose score is its input value clamped, for deterministic operator tests. */
function echo(): Detector {
  let last = 0;
  return {
    name: 'echo',
    update: (v) => (last = Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0),
    explain: () => `echo ${last}`,
    toJSON: () => ({ kind: 'echo' }),
  };
}

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((a, e) => expect(a).toEqual(e));
});

describe('detect', () => {
  it('scores every sample per series, explaining scores over explainAbove', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const a = s('a', 1, 0.2);
      const b = s('b', 2, 0.9);
      const src = hot('-a 9ms b 9ms |', { a, b });
      const out = src.pipe(detect(echo, { explainAbove: 0.5 }));
      expectObservable(out).toBe('-a 9ms b 9ms |', {
        a: { sample: a, score: 0.2, detector: 'echo' },
        b: { sample: b, score: 0.9, detector: 'echo', explanation: 'echo 0.9' },
      });
      expectSubscriptions(src.subscriptions).toBe('^ 20ms !');
    });
  });

  it('keeps one detector per series', () => {
    const out: Scored[] = [];
    const made: string[] = [];
    const factory = (): Detector => {
      made.push('x');
      return createRollingZ({ windowSize: 8, minCount: 4 });
    };
    from([s('a', 1, 1), s('b', 1, 100), s('a', 2, 1), s('b', 2, 100)])
      .pipe(detect(factory))
      .subscribe((x) => out.push(x));
    expect(made).toHaveLength(2);
    expect(out.map((x) => x.sample.series)).toEqual(['a', 'b', 'a', 'b']);
  });

  it('emits ensemble member scores as parts', () => {
    const out: Scored[] = [];
    from([s('a', 1, 0.7)])
      .pipe(detect(() => createEnsemble({ e: echo(), z: createRollingZ() }), { explainAbove: 0 }))
      .subscribe((x) => out.push(x));
    expect(out[0]!.parts).toEqual({ e: 0.7, z: 0 });
    expect(out[0]!.explanation).toContain('ensemble');
  });

  it('reports a throwing detector and skips only that sample', () => {
    const { onError, errors } = createRecordingOnError();
    const out: Scored[] = [];
    const bad = (): Detector => ({
      ...echo(),
      update: (v) => {
        if (v === 13) throw new Error('unlucky');
        return 0;
      },
    });
    from([s('a', 1, 1), s('a', 2, 13), s('a', 3, 2)])
      .pipe(detect(bad, {}, { onError }))
      .subscribe((x) => out.push(x));
    expect(out.map((x) => x.sample.t)).toEqual([1, 3]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe('OPERATOR_FAILED');
  });

  it('passes upstream errors through', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const out = cold<Sample>('-#', undefined, new Error('boom')).pipe(detect(echo));
      expectObservable(out).toBe('-#', undefined, new Error('boom'));
    });
  });

  it('bounds the per-series map and counts evictions', () => {
    const stats = createKeyedStats();
    from([s('a', 1, 0), s('b', 2, 0), s('c', 3, 0)])
      .pipe(detect(echo, { maxKeys: 2 }, { stats }))
      .subscribe();
    expect(stats.evictedLru).toBe(1);
  });

  it('scores non-finite values 0', () => {
    const out: Scored[] = [];
    from([s('a', 1, Number.NaN)])
      .pipe(detect(() => createRollingZ()))
      .subscribe((x) => out.push(x));
    expect(out[0]!.score).toBe(0);
  });

  it('rejects invalid options', () => {
    try {
      detect(echo, { maxKeys: 0 });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      expect((e as Error).message).toContain('maxKeys');
    }
  });
});

describe('anomalies', () => {
  const scored = (series: string, t: number, score: number): Scored => ({
    sample: s(series, t, score),
    score,
    detector: 'echo',
  });

  it('keeps only scores at or above the threshold, with the threshold attached', () => {
    scheduler.run(({ hot, expectObservable }) => {
      const a = scored('a', 1, 0.5);
      const b = scored('a', 2, 0.99);
      const src = hot('-a-b-|', { a, b });
      expectObservable(src.pipe(anomalies({ threshold: 0.9 }))).toBe('---b-|', {
        b: { ...b, threshold: 0.9 },
      });
    });
  });

  it('drops anomalies of the same series within the cooldown, in event time, and counts them', () => {
    const counters: AnomaliesCounters = { cooledDown: 0 };
    const out: number[] = [];
    from([
      scored('a', 0, 1),
      scored('b', 10, 1),
      scored('a', 500, 1),
      scored('a', 999, 1),
      scored('a', 1000, 1),
      scored('a', 200, 1), // time going backwards: inside the cooldown
    ])
      .pipe(anomalies({ threshold: 0.9, cooldownMs: 1000 }, { counters }))
      .subscribe((x) => out.push(x.sample.t));
    expect(out).toEqual([0, 10, 1000]);
    expect(counters.cooledDown).toBe(3);
  });

  it('passes upstream errors through and rejects invalid options', () => {
    scheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<Scored>('#').pipe(anomalies())).toBe('#');
    });
    expect(() => anomalies({ threshold: 2 })).toThrow(/threshold/);
  });
});

describe('createCorrelationDetector', () => {
  it('scores metrics moving in the unhealthy directions together, not alone', () => {
    let seed = 5;
    const r = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296 - 0.5;
    };
    const d = createCorrelationDetector({ relation: 'opposite', windowSize: 128 });
    for (let i = 0; i < 200; i++) d.update(100 + r(), 50 + r(), i);
    expect(d.update(110, 50, 200)).toBeLessThan(0.2); // latency up alone
    expect(d.update(110, 40, 201)).toBeGreaterThan(0.999); // latency up, throughput down
    expect(d.explain({ a: 'latency', b: 'rps' })).toMatch(
      /latency is .* above normal while rps is .* below/,
    );
    const same = createCorrelationDetector({ relation: 'same' });
    for (let i = 0; i < 200; i++) same.update(1 + r(), 1 + r(), i);
    expect(same.update(10, 10, 200)).toBeGreaterThan(0.999);
    const again = restoreCorrelationDetector(JSON.parse(JSON.stringify(d)));
    expect(again.update(100, 50, 202)).toBe(d.update(100, 50, 202));
  });

  it('scores with a window smaller than the default minCount, and rejects a larger minCount', () => {
    const d = createCorrelationDetector({ windowSize: 8 });
    for (let i = 0; i < 50; i++) d.update(10 + (i % 3), 5 + (i % 2), i);
    expect(d.update(1e6, -1e6, 50)).toBe(1);
    expect(() => createCorrelationDetector({ windowSize: 8, minCount: 16 })).toThrow(/minCount/);
  });

  it('refuses saved state with a lost or mismatched window', () => {
    const d = createCorrelationDetector({ windowSize: 32 });
    for (let i = 0; i < 40; i++) d.update(i % 3, i % 5, i);
    const saved = JSON.parse(JSON.stringify(d));
    expect(() => restoreCorrelationDetector(null)).toThrow(/must be an object/);
    expect(() => restoreCorrelationDetector({ ...saved, a: 'garbage' })).toThrow(
      /at a: must be an object/,
    );
    expect(() =>
      restoreCorrelationDetector({ ...saved, b: { ...saved.b, values: [1, 2] } }),
    ).toThrow(/at b: must hold as many values as a/);
  });

  it('never throws on bad values', () => {
    const d = createCorrelationDetector();
    expect(d.update(Number.NaN, 1, 0)).toBe(0);
    expect(d.update(1, Infinity, Number.NaN)).toBe(0);
  });
});

describe('detectCorrelated', () => {
  it('emits a scored pair on samples of a when b is fresh, and ignores other series', () => {
    const subject = new Subject<Sample>();
    const out: Scored[] = [];
    subject
      .pipe(
        detectCorrelated({ pairs: [{ a: 'lat', b: 'rps' }], maxSkewMs: 100, explainAbove: 0.9 }),
      )
      .subscribe((x) => out.push(x));
    let seed = 9;
    const r = (): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 4294967296 - 0.5;
    };
    for (let i = 0; i < 100; i++) {
      subject.next(s('rps', i * 1000, 50 + r()));
      subject.next(s('lat', i * 1000 + 10, 100 + r()));
      subject.next(s('cpu', i * 1000 + 20, 1));
    }
    subject.next(s('rps', 100_000, 40));
    subject.next(s('lat', 100_010, 110));
    subject.next(s('lat', 200_000, 110)); // rps too old: not scored
    expect(out).toHaveLength(101);
    const last = out[100]!;
    expect(last.sample.series).toBe('lat~rps');
    expect(last.score).toBeGreaterThan(0.999);
    expect(last.explanation).toContain('lat is');
    expect(Object.keys(last.parts!)).toEqual(['lat', 'rps']);
  });

  it('rejects an empty pair list and a series paired with itself', () => {
    expect(() => detectCorrelated({ pairs: [] })).toThrow(/pairs/);
    expect(() =>
      detectCorrelated({
        pairs: [
          { a: 'x', b: 'y' },
          { a: 'lat', b: 'lat' },
        ],
      }),
    ).toThrow(/pairs\.1\.b: must differ from a/);
  });

  it('passes upstream errors through', () => {
    const errs: unknown[] = [];
    concat(
      from([s('x', 1, 1)]),
      throwError(() => new Error('up')),
    )
      .pipe(detectCorrelated({ pairs: [{ a: 'a', b: 'b' }] }))
      .subscribe({ error: (e: unknown) => errs.push(e) });
    expect(errs).toHaveLength(1);
  });
});
