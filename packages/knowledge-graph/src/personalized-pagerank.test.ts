import Graph from 'graphology';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isHomeostatError } from '@homeostat/core';
import { DependencyGraph } from './dependency-graph.js';
import { personalizedPageRank } from './personalized-pagerank.js';

function sum(m: Map<string, number>): number {
  return [...m.values()].reduce((a, b) => a + b, 0);
}

describe('personalizedPageRank', () => {
  it('matches the closed form on a two-node graph', () => {
    const g = new Graph();
    g.addNode('a');
    g.addNode('b');
    g.addEdge('a', 'b');
    // a restarts with prob α; b is dangling, so its mass restarts at a too.
    const alpha = 0.2;
    const s = personalizedPageRank(g, { a: 1 }, { alpha });
    expect(s.get('a')).toBeCloseTo(1 / (2 - alpha), 6);
    expect(s.get('b')).toBeCloseTo((1 - alpha) / (2 - alpha), 6);
  });

  it('concentrates mass near the personalization and follows weights', () => {
    const g = new DependencyGraph();
    for (const n of ['a', 'b', 'c', 'd']) g.addNode(n);
    g.addEdge('a', 'b', { weight: 0.9 })
      .addEdge('a', 'c', { weight: 0.1 })
      .addEdge('b', 'd')
      .addEdge('c', 'd');
    const s = personalizedPageRank(g, { a: 1 });
    expect(s.get('b')!).toBeGreaterThan(s.get('c')!);
    const fromD = personalizedPageRank(g, { d: 1 }, { direction: 'in' });
    expect(fromD.get('d')!).toBeGreaterThan(fromD.get('a')!);
    expect(sum(s)).toBeCloseTo(1, 9);
  });

  it('uses a uniform restart for an all-zero personalization and rejects bad input', () => {
    const g = new Graph();
    g.addNode('x');
    g.addNode('y');
    expect(personalizedPageRank(g, {}).get('x')).toBeCloseTo(0.5);
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (e) {
        return isHomeostatError(e) ? e.code : 'other';
      }
      return undefined;
    };
    expect(code(() => personalizedPageRank(g, { z: 1 }))).toBe('GRAPH_UNKNOWN_NODE');
    expect(code(() => personalizedPageRank(g, { x: -1 }))).toBe('GRAPH_INVALID_ARGUMENT');
    expect(code(() => personalizedPageRank(g, { x: 1 }, { alpha: 0 }))).toBe(
      'GRAPH_INVALID_ARGUMENT',
    );
  });

  it('always sums to 1 and stays non-negative on random graphs with cycles (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.tuple(fc.nat(11), fc.nat(11)), { maxLength: 40 }),
        fc.array(fc.double({ min: 0, max: 5, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (n, edges, weights) => {
          const g = new Graph({ multi: true, allowSelfLoops: true });
          for (let i = 0; i < n; i++) g.addNode(`n${i}`);
          for (const [a, b] of edges) if (a < n && b < n) g.addEdge(`n${a}`, `n${b}`);
          const pers = Object.fromEntries(weights.slice(0, n).map((w, i) => [`n${i}`, w]));
          const s = personalizedPageRank(g, pers, { direction: 'both' });
          expect(sum(s)).toBeCloseTo(1, 6);
          for (const v of s.values()) expect(v).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
