import { describe, expect, it } from 'vitest';
import { err, ok, type Result } from './result.js';

describe('Result', () => {
  it('wraps successes and failures', () => {
    const a: Result<number, string> = ok(1);
    const b: Result<number, string> = err('no');
    expect(a.ok && a.value).toBe(1);
    expect(!b.ok && b.error).toBe('no');
  });
});
