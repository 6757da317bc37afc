import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import { DependencyGraph } from './dependency-graph.js';
import { parseGraph } from './load-graph.js';

function chain(): DependencyGraph {
  // web → api → db, api → cache; worker → db
  const g = new DependencyGraph();
  for (const n of ['web', 'api', 'cache', 'worker']) g.addNode(n);
  g.addNode('db', { kind: 'database', attributes: { engine: 'pg' } });
  g.addEdge('web', 'api', { weight: 0.5 })
    .addEdge('api', 'db', { type: 'depends-on', weight: 0.8 })
    .addEdge('api', 'cache', { weight: 0.2 })
    .addEdge('worker', 'db');
  return g;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isHomeostatError(e) ? e.code : 'not-homeostat';
  }
  return undefined;
}

describe('DependencyGraph building', () => {
  it('stores kinds, attributes and typed weighted edges', () => {
    const g = chain();
    expect(g.node('db')).toEqual({ id: 'db', kind: 'database', attributes: { engine: 'pg' } });
    expect(g.node('web')?.kind).toBe('service');
    expect(g.node('nope')).toBeUndefined();
    expect(g.dependencies('api').sort()).toEqual(['cache', 'db']);
    expect(g.dependencies('api', ['depends-on'])).toEqual(['db']);
    expect(g.dependents('db').sort()).toEqual(['api', 'worker']);
    expect(g.edges()).toContainEqual({ from: 'api', to: 'db', type: 'depends-on', weight: 0.8 });
    expect(g.stats()).toMatchObject({ nodes: 5, edges: 4, learnedEdges: 0 });
  });

  it('merges attributes when a node is added again and updates edge weights', () => {
    const g = chain();
    g.addNode('db', { attributes: { region: 'eu' } });
    expect(g.node('db')?.attributes).toEqual({ engine: 'pg', region: 'eu' });
    g.addEdge('web', 'api', { weight: 0.9 });
    expect(g.edges().filter((e) => e.from === 'web')).toEqual([
      { from: 'web', to: 'api', type: 'calls', weight: 0.9 },
    ]);
  });

  it('refuses unknown nodes, self-loops and bad weights with coded errors', () => {
    const g = chain();
    expect(codeOf(() => g.addEdge('web', 'ghost'))).toBe('GRAPH_UNKNOWN_NODE');
    expect(codeOf(() => g.addEdge('web', 'web'))).toBe('GRAPH_SELF_LOOP');
    expect(codeOf(() => g.addEdge('web', 'db', { weight: 2 }))).toBe('GRAPH_INVALID_ARGUMENT');
    expect(codeOf(() => g.addNode(''))).toBe('GRAPH_INVALID_ARGUMENT');
    expect(codeOf(() => g.impact('ghost'))).toBe('GRAPH_UNKNOWN_NODE');
    expect(codeOf(() => g.impact('db', { depth: -1 }))).toBe('GRAPH_INVALID_ARGUMENT');
    expect(codeOf(() => g.dependencies('ghost'))).toBe('GRAPH_UNKNOWN_NODE');
    expect(codeOf(() => new DependencyGraph({ halfLifeMs: -1 }))).toBe('CONFIG_INVALID');
    expect(codeOf(() => new DependencyGraph({ halfLife: 5 } as never))).toBe('CONFIG_INVALID');
  });

  it('refuses unknown edge types and node kinds instead of treating them as calls', () => {
    const g = new DependencyGraph();
    g.addNode('a').addNode('b').addNode('c');
    g.addEdge('b', 'c', { type: 'runs-on' });
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return isHomeostatError(e) ? `${e.code}: ${e.message}` : String(e);
      }
      return undefined;
    };
    expect(code(() => g.addEdge('a', 'b', { type: 'bogus' as never }))).toMatch(
      /^GRAPH_INVALID_ARGUMENT: .*unknown edge type "bogus"/,
    );
    expect(g.edges()).toHaveLength(1);
    expect(code(() => g.addNode('d', { kind: 'db' as never }))).toMatch(
      /^GRAPH_INVALID_ARGUMENT: .*unknown kind "db"/,
    );
    expect(g.hasNode('d')).toBe(false);
    // 'Calls' used to select the calls edges (1 << undefined === 1).
    expect(code(() => g.impact('c', { types: ['Calls' as never] }))).toMatch(
      /^GRAPH_INVALID_ARGUMENT: impact: unknown edge type "Calls"/,
    );
    expect(code(() => g.dependents('c', ['dependsOn' as never]))).toMatch(
      /^GRAPH_INVALID_ARGUMENT/,
    );
    expect(code(() => g.dependencies('b', ['x' as never]))).toMatch(/^GRAPH_INVALID_ARGUMENT/);
    // NaN used to drop every node: an impact of size 0, "nothing breaks".
    expect(code(() => g.impact('c', { minProbability: Number.NaN }))).toMatch(
      /^GRAPH_INVALID_ARGUMENT: impact: minProbability/,
    );
    expect(g.impact('c', { types: ['runs-on'] }).size).toBe(1);
  });

  it('removes nodes and edges and keeps queries fresh', () => {
    const g = chain();
    expect(g.impact('db').size).toBe(3);
    expect(g.removeEdge('web', 'api')).toBe(true);
    expect(g.removeEdge('web', 'api')).toBe(false);
    expect(g.impact('db').size).toBe(2);
    expect(g.removeNode('worker')).toBe(true);
    expect(g.removeNode('worker')).toBe(false);
    expect(g.impact('db').nodes.map((n) => n.node)).toEqual(['api']);
  });
});

describe('impact and blast radius', () => {
  it('reaches dependents to the given depth with noisy-OR probabilities', () => {
    const g = chain();
    const impact = g.impact('db', { depth: 3 });
    expect(impact.source).toBe('db');
    const byNode = Object.fromEntries(impact.nodes.map((n) => [n.node, n]));
    expect(byNode.api).toMatchObject({ depth: 1, probability: 0.8 });
    expect(byNode.worker).toMatchObject({ depth: 1, probability: 1 });
    expect(byNode.web?.depth).toBe(2);
    expect(byNode.web?.probability).toBeCloseTo(0.4);
    expect(impact.size).toBe(3);
    expect(impact.fraction).toBeCloseTo(3 / 4);
    expect(g.impact('db', { depth: 1 }).size).toBe(2);
    expect(g.impact('db', { depth: 0 }).size).toBe(0);
    expect(g.blastRadius('db')).toBe(3);
    expect(g.blastRadius('web')).toBe(0);
  });

  it('combines several parents by noisy-OR and filters by type and probability', () => {
    const g = new DependencyGraph();
    for (const n of ['a', 'b', 'c', 'x']) g.addNode(n);
    g.addEdge('a', 'x', { weight: 0.5 }).addEdge('b', 'x', { weight: 0.5 });
    g.addEdge('c', 'a', { weight: 0.5 }).addEdge('c', 'b', { weight: 0.5, type: 'runs-on' });
    const c = g.impact('x', { depth: 2 }).nodes.find((n) => n.node === 'c');
    expect(c?.probability).toBeCloseTo(1 - (1 - 0.25) * (1 - 0.25));
    expect(
      g.impact('x', { depth: 2, types: ['calls'] }).nodes.find((n) => n.node === 'c')?.probability,
    ).toBeCloseTo(0.25);
    expect(
      g
        .impact('x', { depth: 2, minProbability: 0.4 })
        .nodes.map((n) => n.node)
        .sort(),
    ).toEqual(['a', 'b', 'c']);
  });

  it('terminates on cycles and never lists the source or a node twice', () => {
    const g = new DependencyGraph();
    for (const n of ['a', 'b', 'c']) g.addNode(n);
    g.addEdge('a', 'b').addEdge('b', 'c').addEdge('c', 'a');
    const impact = g.impact('a', { depth: 10 });
    expect(impact.nodes.map((n) => n.node).sort()).toEqual(['b', 'c']);
  });

  it('agrees with a reference BFS on random graphs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 25 }),
        fc.array(fc.tuple(fc.nat(24), fc.nat(24), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 80,
        }),
        fc.nat(24),
        fc.integer({ min: 0, max: 6 }),
        (n, edges, src, depth) => {
          const g = new DependencyGraph();
          for (let i = 0; i < n; i++) g.addNode(`n${i}`);
          for (const [a, b, w] of edges) {
            if (a < n && b < n && a !== b) g.addEdge(`n${a}`, `n${b}`, { weight: w });
          }
          const s = `n${src % n}`;
          const impact = g.impact(s, { depth });
          // Reference: plain BFS over dependents.
          const dist = new Map<string, number>([[s, 0]]);
          let frontier = [s];
          for (let d = 1; d <= depth; d++) {
            const next: string[] = [];
            for (const u of frontier) {
              for (const v of g.dependents(u)) {
                if (!dist.has(v)) {
                  dist.set(v, d);
                  next.push(v);
                }
              }
            }
            frontier = next;
          }
          dist.delete(s);
          expect(impact.size).toBe(dist.size);
          for (const node of impact.nodes) {
            expect(dist.get(node.node)).toBe(node.depth);
            expect(node.probability).toBeGreaterThanOrEqual(0);
            expect(node.probability).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('paths', () => {
  it('lists simple dependency paths, shortest first, bounded', () => {
    const g = chain();
    g.addEdge('web', 'db');
    expect(g.paths('web', 'db')).toEqual([
      ['web', 'db'],
      ['web', 'api', 'db'],
    ]);
    expect(g.paths('web', 'db', { maxDepth: 1 })).toEqual([['web', 'db']]);
    expect(g.paths('web', 'db', { limit: 1 })).toHaveLength(1);
    expect(g.paths('db', 'web')).toEqual([]);
    expect(g.paths('web', 'web')).toEqual([['web']]);
  });

  it('stays bounded on a dense cyclic graph', () => {
    const g = new DependencyGraph();
    const n = 14;
    for (let i = 0; i < n; i++) g.addNode(`n${i}`);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) if (i !== j) g.addEdge(`n${i}`, `n${j}`);
    const paths = g.paths('n0', 'n1', { maxDepth: 20, limit: 1000 });
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.length).toBeLessThanOrEqual(1000);
    for (const p of paths) expect(new Set(p).size).toBe(p.length);
  });
});

describe('edge keys', () => {
  it('keeps edges apart when ids contain the arrow', () => {
    const g = new DependencyGraph();
    for (const n of ['a', 'b->c', 'a->b', 'c']) g.addNode(n);
    g.addEdge('a->b', 'c', { weight: 0.9 }).addEdge('a', 'b->c', { weight: 0.2 });
    expect(g.edges()).toEqual([
      { from: 'a->b', to: 'c', type: 'calls', weight: 0.9 },
      { from: 'a', to: 'b->c', type: 'calls', weight: 0.2 },
    ]);
    expect(g.dependencies('a')).toEqual(['b->c']);
    expect(g.observe({ service: 'a', target: 'b->c', t: 0, latencyMs: 5, error: false })).toBe(
      true,
    );
    expect(g.edges().find((e) => e.from === 'a->b')?.calls).toBeUndefined();
  });
});

describe('propagateHealth', () => {
  it('lowers dependents by the worst dependency, discounted per hop and by weight', () => {
    const g = chain();
    const { health, unknown } = g.propagateHealth({ db: 0, ghost: 0.5 }, { decay: 0.5 });
    expect(unknown).toEqual(['ghost']);
    expect(health.get('db')).toEqual({ own: 0, effective: 0 });
    expect(health.get('api')?.effective).toBeCloseTo(1 - 0.8 * 0.5);
    expect(health.get('api')?.cause).toBe('db');
    expect(health.get('web')?.effective).toBeCloseTo(1 - 0.5 * 0.5 * (0.8 * 0.5));
    expect(health.get('web')?.cause).toBe('db');
    expect(health.get('cache')).toEqual({ own: 1, effective: 1 });
  });

  it('converges on cycles and rejects values outside [0, 1]', () => {
    const g = new DependencyGraph();
    g.addNode('a').addNode('b').addEdge('a', 'b').addEdge('b', 'a');
    const { health } = g.propagateHealth(new Map([['a', 0.5]]));
    expect(health.get('a')?.effective).toBe(0.5);
    expect(health.get('b')?.effective).toBeCloseTo(1 - 0.9 * 0.5);
    expect(codeOf(() => g.propagateHealth({ a: 2 }))).toBe('GRAPH_INVALID_ARGUMENT');
    for (const decay of [3, -0.1, Number.NaN])
      expect(codeOf(() => g.propagateHealth({ a: 0 }, { decay }))).toBe('GRAPH_INVALID_ARGUMENT');
  });
});

describe('learning from observations', () => {
  it('adds calls edges with rate, latency and error ratio, weighted by call share', () => {
    const g = new DependencyGraph({ halfLifeMs: 1000 });
    for (let i = 0; i < 30; i++) {
      g.observe({
        t: i * 10,
        service: 'api',
        target: 'db:5432',
        latencyMs: 10,
        error: i % 10 === 0,
      });
      if (i % 3 === 0)
        g.observe({ t: i * 10, service: 'api', target: 'cache:6379', latencyMs: 2, error: false });
    }
    const edges = Object.fromEntries(g.edges().map((e) => [e.to, e]));
    expect(g.node('db:5432')?.kind).toBe('external');
    expect(edges['db:5432']?.calls?.count).toBe(30);
    expect(edges['db:5432']?.calls?.latencyMs).toBeCloseTo(10);
    expect(edges['db:5432']?.calls?.errorRatio).toBeGreaterThan(0.05);
    expect(edges['db:5432']?.calls?.errorRatio).toBeLessThan(0.2);
    expect(edges['db:5432']?.calls?.ratePerSec).toBeGreaterThan(0);
    expect(edges['db:5432']!.weight).toBeGreaterThan(edges['cache:6379']!.weight);
    expect(edges['db:5432']!.weight + edges['cache:6379']!.weight).toBeCloseTo(1, 1);
    expect(g.impact('db:5432').nodes.map((n) => n.node)).toEqual(['api']);
    expect(g.stats()).toMatchObject({ learnedEdges: 2, observations: 40, droppedObservations: 0 });
  });

  it('uses the default service, ignores self-calls, bounds learned edges and counts drops', () => {
    const g = new DependencyGraph({ maxLearnedEdges: 2, defaultService: 'me' });
    expect(g.observe({ t: 0, target: 'a', latencyMs: 1, error: false })).toBe(true);
    expect(g.observe({ t: 0, service: 'x', target: 'x', latencyMs: 1, error: false })).toBe(false);
    expect(g.observe({ t: 0, target: 'b', latencyMs: 1, error: false })).toBe(true);
    expect(g.observe({ t: 0, target: 'c', latencyMs: 1, error: false })).toBe(false);
    expect(g.observe({ t: 1, target: 'a', latencyMs: 1, error: false })).toBe(true);
    expect(g.dependencies('me').sort()).toEqual(['a', 'b']);
    expect(g.stats().droppedObservations).toBe(1);
  });

  it('rejects malformed observations with INPUT_INVALID', () => {
    const g = new DependencyGraph();
    expect(
      codeOf(() => g.observe({ t: Number.NaN, target: 'a', latencyMs: 1, error: false })),
    ).toBe('INPUT_INVALID');
    expect(codeOf(() => g.observe({ t: 0, target: '', latencyMs: 1, error: false }))).toBe(
      'INPUT_INVALID',
    );
    expect(codeOf(() => g.observe({ t: 0, target: 'a', latencyMs: -1, error: false }))).toBe(
      'INPUT_INVALID',
    );
  });

  it('round-trips through toJSON and parseGraph, learned stats included', () => {
    const g = chain();
    g.observe({ t: 0, service: 'web', target: 'cdn', latencyMs: 3, error: false });
    const copy = parseGraph(JSON.parse(JSON.stringify(g.toJSON())));
    expect(copy.toJSON()).toEqual(g.toJSON());
    expect(copy.impact('db')).toEqual(g.impact('db'));
  });
});
