import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError } from '@homeostat/core';
import { loadRunbookDir, loadRunbookFile, parseRunbooks } from './load-runbooks.js';

const dir = mkdtempSync(join(tmpdir(), 'homeostat-runbooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `
id: restart-web
description: Restart one web pod and check the error ratio
params:
  replicas: { type: integer, min: 1, max: 10, default: 3 }
steps:
  - name: scale
    action: scale
    params: { target: "{{ target }}", replicas: "{{ params.replicas }}" }
    timeout: 20s
    retries: 2
    onFailure: rollback
verify:
  kind: metric
  query: error_ratio
  below: 0.01
  for: 30s
cooldown: 10m
`;

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseRunbooks / loadRunbookFile', () => {
  it('loads a YAML file', async () => {
    const file = join(dir, 'restart.yaml');
    writeFileSync(file, YAML);
    const [rb] = await loadRunbookFile(file);
    expect(rb).toMatchObject({
      id: 'restart-web',
      cooldown: 600_000,
      steps: [{ name: 'scale', timeout: 20_000, retries: 2 }],
    });
  });

  it('loads a JSON list and a directory, refusing duplicate ids across files', async () => {
    const sub = mkdtempSync(join(dir, 'dir-'));
    writeFileSync(
      join(sub, 'a.json'),
      JSON.stringify([
        { id: 'a', steps: [{ action: 'x' }] },
        { id: 'b', steps: [{ action: 'x' }] },
      ]),
    );
    writeFileSync(join(sub, 'c.yml'), 'id: c\nsteps: [{ action: x }]\n');
    writeFileSync(join(sub, 'notes.txt'), 'ignored');
    expect((await loadRunbookDir(sub)).map((r) => r.id)).toEqual(['a', 'b', 'c']);
    writeFileSync(join(sub, 'd.yaml'), 'id: a\nsteps: [{ action: x }]\n');
    await expect(loadRunbookDir(sub)).rejects.toMatchObject({
      source: join(sub, 'd.yaml'),
      issues: [{ path: 'id' }],
    });
  });

  it('names the file and the path inside it', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, YAML.replace('timeout: 20s', 'timeout: twenty'));
    const err = await loadRunbookFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).source).toBe(file);
    expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['steps.0.timeout']);
    expect((err as ConfigError).message).toContain(file);
    const list = configError(() =>
      parseRunbooks(
        '- id: a\n  steps: [{ action: x }]\n- id: b\n  steps: [{ action: x, retries: -1 }]\n',
        { source: 'l.yaml' },
      ),
    );
    expect(list.issues.map((i) => i.path)).toEqual(['1.steps.0.retries']);
  });

  it('reports syntax errors with their line, and unreadable or empty files', async () => {
    const e = configError(() =>
      parseRunbooks('id: a\nsteps:\n  - action: [unclosed\n', { source: 'x.yaml' }),
    );
    expect(e.source).toBe('x.yaml');
    expect(e.issues[0]!.message).toMatch(/cannot parse YAML at line \d+/);
    expect(
      configError(() => parseRunbooks('{"id":', { source: 'x.json', format: 'json' })).issues[0]!
        .message,
    ).toMatch(/cannot parse JSON at line 1, column 7/);
    expect(configError(() => parseRunbooks('', { source: 'e.yaml' })).issues[0]!.message).toBe(
      'file is empty',
    );
    await expect(loadRunbookFile(join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      source: join(dir, 'missing.yaml'),
    });
  });

  it('gives the line and column of a JSON syntax error', async () => {
    const file = join(dir, 'bad-syntax.json');
    writeFileSync(file, '{\n  "id": "x",\n  "steps": [\n    { "action": "noop", }\n  ]\n}\n');
    const e = await loadRunbookFile(file).then(
      () => undefined,
      (err: unknown) => err as ConfigError,
    );
    expect(e?.source).toBe(file);
    expect(e?.issues[0]?.message).toMatch(/^cannot parse JSON at line 4, column 25: /);
    const message = (text: string): string =>
      configError(() => parseRunbooks(text, { format: 'json' })).issues[0]!.message;
    expect(message('{"id": "x",\r\n "steps": [1 2]}')).toMatch(/at line 2, column 14:/);
    expect(message('{"id": "é", "n": tru}')).toMatch(/at line 1, column 21:/);
    expect(message('{"id": "x"} extra')).toMatch(/at line 1, column 13:/);
  });

  describe('fuzzing: always a ConfigError with file and path, never a crash', () => {
    const check = (text: string, format?: 'json' | 'yaml'): void => {
      try {
        parseRunbooks(text, { source: 'fuzz.yaml', ...(format ? { format } : {}) });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        const ce = e as ConfigError;
        expect(ce.source).toBe('fuzz.yaml');
        expect(ce.issues.length).toBeGreaterThan(0);
        for (const issue of ce.issues) {
          expect(typeof issue.path).toBe('string');
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }
    };

    it('arbitrary text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (s) => check(s)),
        { numRuns: 300 },
      );
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (s) => check(s, 'json')),
        { numRuns: 200 },
      );
    });

    it('arbitrary JSON values, as YAML and as JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
          check(JSON.stringify(v) ?? 'null');
          check(JSON.stringify(v) ?? 'null', 'json');
        }),
        { numRuns: 300 },
      );
    });

    it('valid runbooks with one field replaced by anything', () => {
      const base = {
        id: 'x',
        steps: [{ action: 'a', timeout: '1s', retries: 1 }],
        verify: { kind: 'metric', query: 'q', below: 1 },
        cooldown: '1m',
      };
      const paths = [
        'id',
        'steps',
        'steps.0',
        'steps.0.action',
        'steps.0.timeout',
        'steps.0.retries',
        'verify',
        'verify.kind',
        'verify.below',
        'cooldown',
        'params',
        'targets',
        'approval',
      ];
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
          const doc = structuredClone(base) as Record<string, unknown>;
          const keys = path.split('.');
          let at: Record<string, unknown> = doc;
          for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
          at[keys.at(-1)!] = value;
          check(JSON.stringify(doc));
        }),
        { numRuns: 500 },
      );
    });

    it('YAML oddities: anchors, tags, duplicate keys, deep nesting', () => {
      for (const text of [
        'a: &a [*a]',
        'id: x\nid: y\nsteps: []',
        '!!binary aGVsbG8=',
        'id: !!int 3\nsteps: [{ action: !!float .inf }]',
        `${'['.repeat(500)}${']'.repeat(500)}`,
        'x: &x {a: 1}\n' + Array.from({ length: 200 }, (_, i) => `k${i}: *x`).join('\n'),
        '? [complex, key]\n: value',
        '--- \nid: a\n---\nid: b',
        '__proto__: { polluted: true }\nid: a\nsteps: [{ action: x }]',
      ]) {
        check(text);
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
