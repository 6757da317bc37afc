import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonErrorOffset, lineAndColumn } from './json-error-position.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('jsonErrorOffset', () => {
  it('points at the first character that cannot continue valid JSON', () => {
    expect(jsonErrorOffset('{"a": 1,\n}')).toBe(9);
    expect(jsonErrorOffset('[1 2]')).toBe(3);
    expect(jsonErrorOffset('"abc')).toBe(4);
    expect(jsonErrorOffset('{"a": tru}')).toBe(9);
    expect(jsonErrorOffset('{"a": "\\x"}')).toBe(8);
    expect(jsonErrorOffset(' {"a": [true, null, -1.5e3, "\\u00e9"]} ')).toBeUndefined();
    expect(lineAndColumn('ab\ncd\nef', 7)).toEqual({ line: 3, col: 2 });
  });

  it('agrees with JSON.parse on what is valid', () => {
    const mutated = fc
      .tuple(
        fc.jsonValue({ maxDepth: 3 }),
        fc.nat(),
        fc.constantFrom('', ',', '}', ']', '"', ' ', '-', '0', 'x', '\\', '\n'),
      )
      .map(([v, at, insert]) => {
        const text = JSON.stringify(v) ?? 'null';
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(insert === '' ? i + 1 : i);
      });
    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 50 })), (text) => {
        const offset = jsonErrorOffset(text);
        if (parses(text)) expect(offset).toBeUndefined();
        else expect(offset).toBeGreaterThanOrEqual(0);
        if (offset !== undefined) expect(offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 1000 },
    );
  });
});
