import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { RingBuffer } from './ring-buffer.js';

describe('RingBuffer', () => {
  it('keeps the last `capacity` values, oldest first', () => {
    const r = new RingBuffer(3);
    expect(r.push(1)).toBeUndefined();
    r.push(2);
    r.push(3);
    expect(r.full).toBe(true);
    expect(r.push(4)).toBe(1);
    expect(r.toArray()).toEqual([2, 3, 4]);
    expect(r.at(0)).toBe(2);
    expect(r.at(-1)).toBe(4);
    expect(r.at(3)).toBeUndefined();
    expect(r.size).toBe(3);
    r.clear();
    expect(r.size).toBe(0);
  });

  it('round-trips through JSON', () => {
    const r = new RingBuffer(4);
    [1, 2, 3, 4, 5, 6].forEach((v) => r.push(v));
    const copy = RingBuffer.fromJSON(
      JSON.parse(JSON.stringify(r)) as { capacity: number; values: number[] },
    );
    expect(copy.toArray()).toEqual([3, 4, 5, 6]);
  });

  it('rejects a bad capacity', () => {
    expect(() => new RingBuffer(0)).toThrow(/capacity/);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it('always equals the tail of everything pushed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.double({ noNaN: true })),
        (cap, xs) => {
          const r = new RingBuffer(cap);
          xs.forEach((x) => r.push(x));
          expect(r.toArray()).toEqual(xs.slice(Math.max(0, xs.length - cap)));
        },
      ),
    );
  });
});
