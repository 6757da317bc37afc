import { setImmediate as nextTurn } from 'node:timers/promises';
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Sample } from '@homeostat/core';
import { primeWithHistory } from './prime.js';

const sample = (series: string, t: number, value = t): Sample => ({ series, t, value });

function run(options: Parameters<typeof primeWithHistory>[0]) {
  const input = new Subject<Sample>();
  const out: Sample[] = [];
  const done = { complete: false, error: undefined as unknown };
  const sub = input.pipe(primeWithHistory(options)).subscribe({
    next: (s) => out.push(s),
    complete: () => (done.complete = true),
    error: (e: unknown) => (done.error = e),
  });
  return { input, out, done, sub };
}

/** A run with a 100 ms warm-up fed samples at 0, 10, … 100 (the last one starts the release). */
function warmedUp(historySamples: number, sliceSize: number) {
  const r = run({ warmupMs: 100, historySamples, stepMs: 10, sliceSize });
  for (let t = 0; t <= 100; t += 10) r.input.next(sample('a', t));
  return r;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 100; i++) await nextTurn();
}

describe('primeWithHistory', () => {
  it('holds the warm-up, then emits history drawn from it, the held samples and the rest, in time order per series', async () => {
    const { input, out } = run({ warmupMs: 1_000, historySamples: 5, stepMs: 100 });
    for (let t = 0; t < 1_000; t += 100) {
      input.next(sample('a', t, 10 + t / 100));
      input.next(sample('b', t, 20 + t / 100));
    }
    expect(out).toEqual([]);
    input.next(sample('a', 1_000, 99));
    await settle();
    input.next(sample('b', 1_000, 98));
    const a = out.filter((s) => s.series === 'a');
    const b = out.filter((s) => s.series === 'b');
    expect(a).toHaveLength(5 + 10 + 1);
    expect(b).toHaveLength(5 + 10 + 1);
    expect(a.slice(0, 5).map((s) => s.t)).toEqual([-500, -400, -300, -200, -100]);
    for (const s of a.slice(0, 5)) expect(s.value).toBeGreaterThanOrEqual(10);
    for (const s of a.slice(0, 5)) expect(s.value).toBeLessThanOrEqual(19);
    for (const s of b.slice(0, 5)) expect(s.value).toBeGreaterThanOrEqual(20);
    expect(a.slice(5).map((s) => s.value)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 99]);
    expect(b.at(-1)).toEqual(sample('b', 1_000, 98));
  });

  it('releases at most sliceSize samples per event-loop turn, queueing live samples behind', async () => {
    const { input, out } = warmedUp(50, 7);
    expect(out).toHaveLength(7);
    input.next(sample('a', 110));
    await nextTurn();
    expect(out).toHaveLength(14);
    await settle();
    expect(out).toHaveLength(50 + 10 + 2);
    expect(out.slice(50).map((s) => s.t)).toEqual([
      0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110,
    ]);
  });

  it.each([
    ['completion', (input: Subject<Sample>) => input.complete()],
    ['an upstream error', (input: Subject<Sample>) => input.error(new Error('upstream broke'))],
  ] as const)('passes %s on only after everything queued has gone out', async (_, end) => {
    const { input, out, done } = warmedUp(30, 4);
    end(input);
    expect(done).toEqual({ complete: false, error: undefined });
    await settle();
    expect(out).toHaveLength(30 + 11);
    expect(done.complete || done.error !== undefined).toBe(true);
  });

  it('on completion during the warm-up, releases what it holds and then completes', async () => {
    const { input, out, done } = run({ warmupMs: 1_000, historySamples: 3, stepMs: 10 });
    input.next(sample('a', 0));
    input.next(sample('a', 10));
    input.complete();
    await settle();
    expect(out.map((s) => s.t)).toEqual([-30, -20, -10, 0, 10]);
    expect(done.complete).toBe(true);
  });

  it('stops releasing when unsubscribed', async () => {
    const { out, sub } = warmedUp(50, 5);
    sub.unsubscribe();
    await settle();
    expect(out).toHaveLength(5);
  });

  it('refuses a slice size that is not a positive integer', () => {
    expect(() =>
      primeWithHistory({ warmupMs: 1, historySamples: 1, stepMs: 1, sliceSize: 0 }),
    ).toThrow(/sliceSize must be an integer ≥ 1, got 0/);
  });
});
