import { describe, expect, it } from 'vitest';
import { take } from 'rxjs';
import { Fanout } from './fanout.js';

describe('Fanout', () => {
  it('sends each value to the subscribers present at the time, in order', () => {
    const f = new Fanout<number>();
    const a: number[] = [];
    const b: number[] = [];
    expect(f.observed).toBe(false);
    f.next(0); // nobody listens: dropped
    const subA = f.observable.subscribe((v) => a.push(v));
    expect(f.observed).toBe(true);
    f.next(1);
    f.observable.subscribe((v) => b.push(v));
    f.next(2);
    subA.unsubscribe();
    f.next(3);
    expect(a).toEqual([1, 2]);
    expect(b).toEqual([2, 3]);
  });

  it('lets subscribers leave or join while a value is delivered, affecting later values only', () => {
    const f = new Fanout<number>();
    const seen: string[] = [];
    const first = f.observable.subscribe((v) => {
      seen.push(`first ${v}`);
      first.unsubscribe();
      f.observable.subscribe((w) => seen.push(`late ${w}`));
    });
    f.observable.subscribe((v) => seen.push(`second ${v}`));
    f.next(1);
    f.next(2);
    expect(seen).toEqual(['first 1', 'second 1', 'second 2', 'late 2']);
  });

  it('completes current subscribers, and later ones at once', () => {
    const f = new Fanout<number>();
    let completed = 0;
    f.observable.subscribe({ complete: () => completed++ });
    f.complete();
    f.complete(); // idempotent
    expect(completed).toBe(1);
    expect(f.observed).toBe(false);
    f.observable.subscribe({ complete: () => completed++ });
    expect(completed).toBe(2);
    f.next(1); // after completion: nobody gets it, nothing throws
  });

  it('works with operators that unsubscribe from inside next (take)', () => {
    const f = new Fanout<number>();
    const got: number[] = [];
    let done = false;
    f.observable
      .pipe(take(2))
      .subscribe({ next: (v) => got.push(v), complete: () => (done = true) });
    f.next(1);
    f.next(2);
    f.next(3);
    expect(got).toEqual([1, 2]);
    expect(done).toBe(true);
    expect(f.observed).toBe(false);
  });
});
