import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigError } from '@homeostat/core';
import { loadGraph, parseGraph, parseGraphText } from './load-graph.js';

const dir = mkdtempSync(join(tmpdir(), 'kg-load-'));

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a rejection');
}

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    return e as ConfigError;
  }
  throw new Error('expected a throw');
}

describe('parseGraph', () => {
  it('accepts ids or objects for nodes, tuples or objects for edges', () => {
    const g = parseGraph({
      nodes: [
        'web',
        { id: 'db', kind: 'database', attributes: { tier: 1 } },
        { id: 'h1', kind: 'host' },
      ],
      edges: [['web', 'db'], { from: 'web', to: 'h1', type: 'runs-on', weight: 0.3 }],
    });
    expect(g.node('db')).toEqual({ id: 'db', kind: 'database', attributes: { tier: 1 } });
    expect(g.edges()).toEqual([
      { from: 'web', to: 'db', type: 'calls', weight: 1 },
      { from: 'web', to: 'h1', type: 'runs-on', weight: 0.3 },
    ]);
  });

  it('names the path of every problem: schema, unknown nodes, self-loops', () => {
    const e1 = thrown(() =>
      parseGraph({ nodes: [{ id: 'a', kind: 'robot' }], edges: [] }, { source: 'g.json' }),
    );
    expect(e1.code).toBe('CONFIG_INVALID');
    expect(e1.source).toBe('g.json');
    expect(e1.issues[0]?.path).toBe('nodes.0');
    const e2 = thrown(() =>
      parseGraph({ nodes: ['a'], edges: [['a', 'b'], { from: 'a', to: 'a' }] }),
    );
    expect(e2.issues).toEqual([
      { path: 'edges.0.1', message: "unknown node 'b' (declare it under nodes)" },
      { path: 'edges.1', message: "self-loop on 'a' is not allowed" },
    ]);
    const e3 = thrown(() =>
      parseGraph({ nodes: ['a', 'b'], edges: [{ from: 'a', to: 'b', weight: 3 }] }),
    );
    expect(e3.issues[0]?.path).toMatch(/^edges\.0/);
  });

  it('refuses misspelled keys instead of ignoring them', () => {
    const e = thrown(() =>
      parseGraph(
        {
          nodes: ['a', { id: 'pg', knid: 'database' }],
          edges: [{ from: 'a', to: 'pg', wieght: 0.5 }],
          edge: [['a', 'pg']],
        },
        { source: 'g.yaml' },
      ),
    );
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues.map((i) => [i.path, i.message])).toEqual([
      ['nodes.1', 'Unrecognized key: "knid"'],
      ['edges.0', 'Unrecognized key: "wieght"'],
      ['', 'Unrecognized key: "edge"'],
    ]);
  });

  it('adds undeclared nodes when implicitNodes is set', () => {
    const g = parseGraph({ edges: [['a', 'b']] }, { implicitNodes: true });
    expect(g.nodes().sort()).toEqual(['a', 'b']);
  });
});

describe('loadGraph', () => {
  it('reads YAML and JSON files', async () => {
    const yamlFile = join(dir, 'deps.yaml');
    writeFileSync(
      yamlFile,
      'nodes:\n  - web\n  - id: db\n    kind: database\nedges:\n  - [web, db]\n  - { from: web, to: db, type: depends-on, weight: 0.5 }\n',
    );
    const g = await loadGraph(yamlFile);
    expect(g.edges()).toHaveLength(2);
    const jsonFile = join(dir, 'deps.json');
    writeFileSync(jsonFile, JSON.stringify(g.toJSON()));
    expect((await loadGraph(jsonFile)).toJSON()).toEqual(g.toJSON());
  });

  it('names the file in syntax, schema and read errors', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"nodes": [');
    const e1 = await rejection(loadGraph(bad));
    expect(e1.code).toBe('CONFIG_INVALID');
    expect(e1.message).toContain(bad);
    const badYaml = join(dir, 'bad.yaml');
    writeFileSync(badYaml, 'nodes: [a\nedges: {');
    expect((await rejection(loadGraph(badYaml))).message).toContain(badYaml);
    const wrong = join(dir, 'wrong.yml');
    writeFileSync(wrong, 'nodes: [a]\nedges:\n  - [a, zz]\n');
    const e3 = await rejection(loadGraph(wrong));
    expect(e3.message).toContain(wrong);
    expect(e3.issues[0]?.path).toBe('edges.0.1');
    expect((await rejection(loadGraph(join(dir, 'missing.json')))).message).toContain(
      'cannot read file',
    );
  });

  it('parseGraphText reports YAML syntax errors as CONFIG_INVALID', () => {
    expect(thrown(() => parseGraphText('a: [', { source: 'inline' })).message).toContain('inline');
  });
});

describe('parseGraph with saved call statistics', () => {
  it('counts restored edges as learned, so removing them and maxLearnedEdges stay consistent', () => {
    const calls = {
      count: 10,
      ratePerSec: 2,
      errorRatio: 0.1,
      latencyMs: 12,
      lastSeen: 1_000,
      decayedCount: 9,
      decayedErrors: 1,
      decayedLatency: 100,
    };
    const g = parseGraph({
      nodes: ['a', 'b', 'c'],
      edges: [
        { from: 'a', to: 'b', calls },
        { from: 'b', to: 'c' },
      ],
    });
    expect(g.stats().learnedEdges).toBe(1);
    expect(g.removeEdge('a', 'b')).toBe(true);
    expect(g.stats().learnedEdges).toBe(0);
  });
});
