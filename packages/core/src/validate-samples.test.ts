import { beforeEach, describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { Subject } from 'rxjs';
import fc from 'fast-check';
import {
  SampleError,
  checkSample,
  createSampleCounters,
  validateSamples,
} from './validate-samples.js';
import type { Sample } from './events.js';
import { createRecordingOnError } from './internal/recording-on-error.js';

let scheduler: TestScheduler;
beforeEach(() => {
  scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
});

const ok1: Sample = { series: 'cpu', t: 1, value: 0.5 };
const ok2: Sample = { series: 'cpu', t: 2, value: 0.6 };

describe('checkSample', () => {
  it.each([
    [null, 'not-an-object'],
    [42, 'not-an-object'],
    [{ t: 1, value: 1 }, 'empty-series'],
    [{ series: '', t: 1, value: 1 }, 'empty-series'],
    [{ series: 'a', t: 1, value: Number.NaN }, 'non-finite-value'],
    [{ series: 'a', t: 1, value: Number.POSITIVE_INFINITY }, 'non-finite-value'],
    [{ series: 'a', t: 1, value: '3' }, 'non-finite-value'],
    [{ series: 'a', t: Number.NaN, value: 1 }, 'non-finite-time'],
    [{ series: 'a', value: 1 }, 'non-finite-time'],
    [{ series: 'a', t: 0, value: -1e300 }, undefined],
  ])('%j → %s', (input, issue) => {
    expect(checkSample(input)).toBe(issue);
  });
});

describe('validateSamples', () => {
  it('passes valid samples unchanged and drops malformed ones by default', () => {
    const counters = createSampleCounters();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<unknown>('a b c d e |', {
        a: ok1,
        b: { series: 'cpu', t: 3, value: Number.NaN },
        c: { series: 'cpu', t: 0, value: 1 }, // backwards
        d: ok2,
        e: { series: 'cpu', t: 2, value: 7 }, // equal time is fine
      });
      expectObservable(source.pipe(validateSamples({}, { counters }))).toBe('a - - d e |', {
        a: ok1,
        d: ok2,
        e: { series: 'cpu', t: 2, value: 7 },
      });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
    expect(counters.accepted).toBe(3);
    expect(counters.dropped).toBe(2);
    expect(counters.byIssue['non-finite-value']).toBe(1);
    expect(counters.byIssue['backwards-time']).toBe(1);
  });

  it('reports drops through onError with policy "report"', () => {
    const { onError, errors } = createRecordingOnError();
    scheduler.run(({ cold, expectObservable }) => {
      const source = cold<unknown>('a b |', { a: { series: '', t: 1, value: 1 }, b: ok1 });
      expectObservable(source.pipe(validateSamples({ policy: 'report' }, { onError }))).toBe(
        '- b |',
        {
          b: ok1,
        },
      );
    });
    expect(errors).toHaveLength(1);
    expect((errors[0] as SampleError).issue).toBe('empty-series');
    expect(errors[0]?.message).toContain('empty series');
  });

  it('fails the stream with a SampleError with policy "error"', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const bad = { series: 'm', t: 1, value: Number.NEGATIVE_INFINITY };
      const source = cold<unknown>('a b c |', { a: ok1, b: bad, c: ok2 });
      expectObservable(source.pipe(validateSamples({ policy: 'error' }))).toBe(
        'a #',
        { a: ok1 },
        new SampleError('non-finite-value', bad),
      );
    });
  });

  it('allows backwards time when asked', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const back = { series: 'cpu', t: 0, value: 1 };
      expectObservable(
        cold<unknown>('a b |', { a: ok2, b: back }).pipe(validateSamples({ backwards: 'allow' })),
      ).toBe('a b |', { a: ok2, b: back });
    });
  });

  it('passes upstream errors through', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const e = new Error('up');
      expectObservable(cold<unknown>('a #', { a: ok1 }, e).pipe(validateSamples())).toBe(
        'a #',
        { a: ok1 },
        e,
      );
    });
  });

  it('rejects bad options', () => {
    expect(() => validateSamples({ policy: 'explode' as 'drop' })).toThrow(/policy/);
    expect(() => validateSamples({ polcy: 'drop' } as never)).toThrow(/Unrecognized key: "polcy"/);
  });

  const anyInput = fc.oneof(
    fc.record({
      series: fc.oneof(fc.constantFrom('a', 'b', ''), fc.constant(undefined)),
      t: fc.oneof(
        fc.integer({ min: 0, max: 50 }),
        fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY),
      ),
      value: fc.oneof(fc.double(), fc.constant('x')),
    }),
    fc.constantFrom(null, 7, 'str'),
  );

  it('never passes a malformed sample and never drops a valid one (property)', () => {
    fc.assert(
      fc.property(fc.array(anyInput, { maxLength: 100 }), (inputs) => {
        const out: Sample[] = [];
        const counters = createSampleCounters();
        const src = new Subject<unknown>();
        src.pipe(validateSamples({}, { counters })).subscribe((x) => out.push(x));
        // Reference model: shape check plus per-series time order.
        const last = new Map<string, number>();
        const expected: unknown[] = [];
        for (const x of inputs) {
          src.next(x);
          if (checkSample(x) !== undefined) continue;
          const smp = x as Sample;
          const prev = last.get(smp.series);
          if (prev !== undefined && smp.t < prev) continue;
          last.set(smp.series, smp.t);
          expected.push(x);
        }
        expect(out).toEqual(expected);
        for (const x of out) expect(checkSample(x)).toBeUndefined();
        expect(counters.accepted + counters.dropped).toBe(inputs.length);
      }),
    );
  });
});
