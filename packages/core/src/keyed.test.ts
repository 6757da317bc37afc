import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject } from 'rxjs';
import fc from 'fast-check';
import { KeyedStore, createKeyedStats, keyed, type KeyedHandlers } from './keyed.js';
import type { Sample } from './events.js';
import { createRecordingOnError } from './internal/recording-on-error.js';
import { isHomeostatError } from './errors.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const s = (series: string, t: number, value: number): Sample => ({ series, t, value });

/** Running count and sum per series; emits `series:count:sum`. */
const counting: KeyedHandlers<Sample, { n: number; sum: number }, string> = {
  create: () => ({ n: 0, sum: 0 }),
  update: (st, x) => {
    if (x.value < 0) throw new Error('negative');
    st.n++;
    st.sum += x.value;
    return `${x.series}:${st.n}:${st.sum}`;
  },
};

describe('keyed (operator)', () => {
  it('creates state on first sight and updates it per series, in order', () => {
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a b c d |', {
        a: s('x', 1, 1),
        b: s('y', 2, 10),
        c: s('x', 3, 2),
        d: s('y', 4, 20),
      });
      expectObservable(source.pipe(keyed({}, counting))).toBe('a b c d |', {
        a: 'x:1:1',
        b: 'y:1:10',
        c: 'x:2:3',
        d: 'y:2:30',
      });
      // Spaces are ignored in run mode: 'a b c d |' is 'abcd|'.
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('isolates a throw on one event and keeps the state of the others', () => {
    const { onError, errors } = createRecordingOnError();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold('a b c |', { a: s('x', 1, 1), b: s('x', 2, -1), c: s('x', 3, 2) });
      expectObservable(source.pipe(keyed({}, counting, { onError }))).toBe('a - c |', {
        a: 'x:1:1',
        c: 'x:2:3',
      });
    });
    expect(errors.map((e) => e.code)).toEqual(['OPERATOR_FAILED']);
  });

  it('passes upstream errors through', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const err = new Error('up');
      expectObservable(cold('a #', { a: s('x', 1, 1) }, err).pipe(keyed({}, counting))).toBe(
        'a #',
        { a: 'x:1:1' },
        err,
      );
    });
  });

  it('unsubscribes upstream on teardown', () => {
    scheduler.run(({ hot, expectObservable, expectSubscriptions }) => {
      const source = hot('-a-b-c', { a: s('x', 1, 1), b: s('x', 2, 1), c: s('x', 3, 1) });
      expectObservable(source.pipe(keyed({}, counting)), '^--!').toBe('-a-', { a: 'x:1:1' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('evicts the least recently used key beyond maxKeys and counts it', () => {
    const stats = createKeyedStats();
    const evicted: string[] = [];
    const out: string[] = [];
    const src = new Subject<Sample>();
    src
      .pipe(keyed({ maxKeys: 2 }, { ...counting, onEvict: (k) => evicted.push(k) }, { stats }))
      .subscribe((v) => out.push(v));
    src.next(s('a', 1, 1));
    src.next(s('b', 2, 1));
    src.next(s('a', 3, 1)); // a is now most recent
    src.next(s('c', 4, 1)); // evicts b
    src.next(s('b', 5, 1)); // b starts over; evicts a
    expect(evicted).toEqual(['b', 'a']);
    expect(out.at(-1)).toBe('b:1:1');
    expect(stats).toEqual({ keys: 2, created: 4, evictedLru: 2, evictedIdle: 0 });
  });

  it('evicts keys idle longer than idleTtlMs in event time', () => {
    const stats = createKeyedStats();
    const out: string[] = [];
    const src = new Subject<Sample>();
    src.pipe(keyed({ idleTtlMs: 100 }, counting, { stats })).subscribe((v) => out.push(v));
    src.next(s('a', 0, 1));
    src.next(s('b', 50, 1));
    src.next(s('b', 120, 1)); // a idle for 120 > 100: evicted
    expect(stats.evictedIdle).toBe(1);
    src.next(s('a', 130, 5));
    expect(out.at(-1)).toBe('a:1:5');
  });

  it('accepts Infinity as idleTtlMs and its own parsed output', () => {
    expect(() => keyed({ idleTtlMs: Number.POSITIVE_INFINITY }, counting)).not.toThrow();
    expect(() => keyed({ idleTtlMs: Number.NaN }, counting)).toThrow(/idleTtlMs/);
    expect(() => keyed({ maxKey: 5 } as never, counting)).toThrow(/Unrecognized key: "maxKey"/);
  });

  it('rejects bad bounds when composed', () => {
    expect(() => keyed({ maxKeys: 0 }, counting)).toThrow(/maxKeys/);
    try {
      keyed({ idleTtlMs: -1 }, counting);
    } catch (e) {
      expect(isHomeostatError(e) && e.code).toBe('CONFIG_INVALID');
    }
  });

  it('never holds more keys than its bound (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 1000 })), {
          maxLength: 200,
        }),
        (maxKeys, events) => {
          const stats = createKeyedStats();
          const src = new Subject<Sample>();
          let maxSeen = 0;
          const live = new Set<string>();
          src
            .pipe(
              keyed(
                { maxKeys, idleTtlMs: 300 },
                {
                  create: (k) => {
                    live.add(k);
                    maxSeen = Math.max(maxSeen, live.size);
                    return 0;
                  },
                  update: () => 1,
                  onEvict: (k) => live.delete(k),
                },
                { stats },
              ),
            )
            .subscribe();
          for (const [k, t] of events) src.next(s(`k${k}`, t, 1));
          // `create` runs before the eviction that makes room, so one extra is transient.
          expect(maxSeen).toBeLessThanOrEqual(maxKeys + 1);
          expect(stats.keys).toBeLessThanOrEqual(maxKeys);
          expect(stats.keys).toBe(live.size);
          expect(stats.created - stats.evictedIdle - stats.evictedLru).toBe(stats.keys);
        },
      ),
    );
  });
});

describe('KeyedStore (plain API)', () => {
  it('gets, peeks, sets, deletes and lists entries in recency order', () => {
    const store = new KeyedStore<{ v: number }>({ maxKeys: 3 }, { create: () => ({ v: 0 }) });
    store.getOrCreate('a', 1, undefined).v = 1;
    store.getOrCreate('b', 2, undefined).v = 2;
    store.getOrCreate('a', 3, undefined);
    expect([...store.entries()].map(([k]) => k)).toEqual(['b', 'a']);
    expect(store.peek('b')).toEqual({ v: 2 });
    expect(store.has('c')).toBe(false);
    expect(store.set('b', { v: 9 })).toBe(true);
    expect(store.set('zz', { v: 9 })).toBe(false);
    expect(store.peek('b')?.v).toBe(9);
    expect(store.delete('b')).toBe(true);
    expect(store.delete('b')).toBe(false);
    expect(store.size).toBe(1);
    store.clear();
    expect(store.size).toBe(0);
    expect(store.stats.keys).toBe(0);
  });

  it('survives a throwing onEvict hook', () => {
    const store = new KeyedStore<number>(
      { maxKeys: 1 },
      {
        create: () => 0,
        onEvict: () => {
          throw new Error('hook');
        },
      },
    );
    store.getOrCreate('a', 0, undefined);
    expect(() => store.getOrCreate('b', 1, undefined)).not.toThrow();
    expect(store.size).toBe(1);
  });

  const keysOf = (store: KeyedStore<number>): string[] => [...store.entries()].map(([k]) => k);

  it('treats a non-finite time as the latest time seen: the key neither pins nor blocks', () => {
    const store = new KeyedStore<number>({ idleTtlMs: 100 }, { create: () => 0 });
    store.getOrCreate('early', Number.NaN, undefined); // before any finite time
    store.getOrCreate('a', 0, undefined);
    store.getOrCreate('bad-clock', Number.NaN, undefined);
    store.getOrCreate('b', 50, undefined);
    store.getOrCreate('c', Number.POSITIVE_INFINITY, undefined);
    expect(keysOf(store)).toEqual(['early', 'a', 'bad-clock', 'b', 'c']);
    store.getOrCreate('d', 120, undefined); // early, a and bad-clock were last seen at 0
    expect(keysOf(store)).toEqual(['b', 'c', 'd']);
    store.getOrCreate('e', 200, undefined); // b and c were last seen at 50
    expect(keysOf(store)).toEqual(['d', 'e']);
    expect(store.stats.evictedIdle).toBe(5);
  });

  it('does not let one far-future time evict every other key, but follows a confirmed jump', () => {
    const day = 86_400_000;
    const store = new KeyedStore<number>({ idleTtlMs: day }, { create: () => 0 });
    for (let m = 0; m < 60; m++)
      for (const k of ['a', 'b', 'c']) store.getOrCreate(k, m * 60_000, undefined);
    store.getOrCreate('a', 365 * day, undefined); // one sample of a host whose clock is off
    store.getOrCreate('a', 366 * day, undefined); // the same key again does not confirm it
    store.getOrCreate('b', 60 * 60_000, undefined); // the others carry on: the jump is cancelled
    expect(keysOf(store)).toEqual(['c', 'a', 'b']);
    store.getOrCreate('c', 2 * day, undefined);
    store.getOrCreate('new', 2 * day + 1, undefined); // two keys agree: the stream did move on
    expect(keysOf(store)).toEqual(['c', 'new']);
    expect(store.stats.evictedIdle).toBe(2);
  });
});
