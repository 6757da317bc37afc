import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseInput, parseOptions, toIssues } from './options.js';
import { isHomeostatError, type ConfigError, type InputError } from './errors.js';

const schema = z.object({
  windowSize: z.number().int().min(2).default(64),
  nested: z.object({ level: z.number().max(1) }).optional(),
});

describe('parseOptions', () => {
  it('returns the parsed output with defaults applied', () => {
    expect(parseOptions(schema, {})).toEqual({ windowSize: 64 });
    expect(parseOptions(schema, { windowSize: 3 })).toEqual({ windowSize: 3 });
  });

  it('throws a ConfigError with every issue, its path, the source and the ZodError as cause', () => {
    let caught: unknown;
    try {
      parseOptions(schema, { windowSize: 1, nested: { level: 5 } }, { source: 'rollingZ' });
    } catch (e) {
      caught = e;
    }
    expect(isHomeostatError(caught)).toBe(true);
    const e = caught as ConfigError;
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.source).toBe('rollingZ');
    expect(e.issues.map((i) => i.path).sort()).toEqual(['nested.level', 'windowSize']);
    expect(e.cause).toBeInstanceOf(z.ZodError);
  });
});

describe('parseInput', () => {
  it('throws an InputError for outside input', () => {
    try {
      parseInput(schema, { windowSize: 'x' }, { source: 'POST /samples' });
      expect.unreachable();
    } catch (e) {
      expect((e as InputError).code).toBe('INPUT_INVALID');
      expect((e as InputError).issues[0]?.path).toBe('windowSize');
    }
    expect(parseInput(schema, { windowSize: 5 }).windowSize).toBe(5);
  });
});

describe('toIssues', () => {
  it('joins array indices into dotted paths', () => {
    const r = z.object({ a: z.array(z.number()) }).safeParse({ a: [1, 'x'] });
    expect(r.success).toBe(false);
    if (!r.success) expect(toIssues(r.error)[0]?.path).toBe('a.1');
  });
});
