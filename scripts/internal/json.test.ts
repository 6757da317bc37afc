import { describe, expect, it } from 'vitest';
import { fmt, get, markdownTable, num, records } from './json.js';

describe('json helpers', () => {
  it('reads nested values and tolerates missing steps', () => {
    const v: unknown = { a: { b: [1, { c: 2 }] } };
    expect(get(v, 'a', 'b')).toEqual([1, { c: 2 }]);
    expect(get(v, 'a', 'x', 'y')).toBeUndefined();
    expect(get(null, 'a')).toBeUndefined();
    expect(records(get(v, 'a', 'b'))).toEqual([{ c: 2 }]);
    expect(num(Number.NaN)).toBeUndefined();
    expect(num('3')).toBeUndefined();
  });

  it('formats numbers the same way everywhere', () => {
    expect(fmt(6460977.35)).toBe('6,460,977');
    expect(fmt(-3426.2)).toBe('-3,426');
    expect(fmt(71.31)).toBe('71.3');
    expect(fmt(1.0610798)).toBe('1.06');
    expect(fmt(0.49782101)).toBe('0.498');
    expect(fmt(0)).toBe('0');
    expect(fmt(48)).toBe('48');
    expect(fmt(undefined)).toBe('–');
  });

  it('writes a table with the union of the keys and escapes pipes', () => {
    const md = markdownTable([
      { a: 1, b: 'x|y' },
      { a: 2, c: true },
    ]);
    expect(md.split('\n')).toEqual([
      '| a | b | c |',
      '| --- | --- | --- |',
      '| 1 | x\\|y | – |',
      '| 2 | – | true |',
    ]);
  });
});
