import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { InputError } from '@homeostat/core';
import {
  analyzeCase,
  prepareRcaCase,
  rankRcaCase,
  RCA_METHODS,
  type RcaCase,
} from './analyze-case.js';

/** A deterministic pseudo-random source for building cases. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
}

/**
 * frontend → cart → db, frontend → search → index, cart → cache. A latency fault at `root`
 * from step 40; each caller's latency is its own plus half of its callees'.
 */
function makeCase(root: string, seed = 1): RcaCase {
  const deps: Record<string, string[]> = {
    frontend: ['cart', 'search'],
    cart: ['db', 'cache'],
    search: ['index'],
    db: [],
    cache: [],
    index: [],
  };
  const order = ['db', 'cache', 'index', 'cart', 'search', 'frontend'];
  const r = lcg(seed);
  const t = Array.from({ length: 60 }, (_, i) => i * 1000);
  const lat: Record<string, number[]> = {};
  for (const n of order) lat[n] = [];
  for (let k = 0; k < 60; k++) {
    for (const n of order) {
      let v = 10 + 2 * r() + (n === root && k >= 40 ? 30 : 0);
      for (const d of deps[n]!) v += 0.5 * lat[d]![k]!;
      lat[n]!.push(v);
    }
  }
  const metrics: RcaCase['metrics'] = {};
  for (const n of order) metrics[n] = { latency: { t, v: lat[n]! } };
  return {
    graph: {
      edges: Object.entries(deps).flatMap(([a, ds]) => ds.map((b) => [a, b] as [string, string])),
    },
    metrics,
    normal: [0, 39_000],
    incident: [40_000, 59_000],
    target: { node: 'frontend', metric: 'latency' },
  };
}

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    return e as InputError;
  }
  throw new Error('expected a throw');
}

describe('analyzeCase', () => {
  it.each(['db', 'cart', 'index', 'frontend'])(
    'ranks the faulty node %s first with evidence',
    (root) => {
      const { ranking, warnings } = analyzeCase(makeCase(root));
      expect(ranking[0]?.node).toBe(root);
      expect(ranking[0]?.evidence.length).toBeGreaterThan(0);
      expect(warnings).toEqual([]);
      for (let i = 1; i < ranking.length; i++)
        expect(ranking[i - 1]!.score).toBeGreaterThanOrEqual(ranking[i]!.score);
    },
  );

  it.each(RCA_METHODS)('method %s puts the root cause in the top 3 and respects top', (method) => {
    const { ranking } = analyzeCase(makeCase('cart', 7), { method, top: 3 });
    expect(ranking.length).toBeLessThanOrEqual(3);
    expect(ranking.map((r) => r.node)).toContain('cart');
  });

  it('refuses bad options; a weight given as undefined keeps its default', () => {
    const c = makeCase('cart', 7);
    expect(() => analyzeCase(c, { weights: { metric: -1, pagerank: Number.NaN } })).toThrow(
      /weights\.metric: must be a number in \[0, ∞\), got -1[\s\S]*weights\.pagerank/,
    );
    expect(() => analyzeCase(c, { top: Number.NaN })).toThrow(/top/);
    expect(() => analyzeCase(c, { maxCandidates: 0 })).toThrow(/maxCandidates/);
    const weights = { pagerank: undefined } as unknown as { pagerank: number };
    expect(analyzeCase(c, { weights }).ranking).toEqual(analyzeCase(c).ranking);
  });

  it('rejects malformed cases with every path named', () => {
    const e = thrown(() =>
      analyzeCase(
        {
          graph: { edges: [['a']] },
          metrics: { a: { m: { t: [1, 2], v: [1] } } },
          normal: [5, 1],
          incident: [0, 1],
        },
        { source: 'case.json' },
      ),
    );
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toContain('case.json');
    const paths = e.issues.map((i) => i.path);
    expect(paths).toContain('graph.edges.0');
    expect(paths).toContain('metrics.a.m.v');
    expect(paths).toContain('normal');
    const e2 = thrown(() =>
      analyzeCase({
        graph: { edges: [] },
        metrics: { a: { m: { t: [1, 'x'], v: [1, 2] } } },
        normal: [0, 1],
        incident: [1, 2],
      }),
    );
    expect(e2.issues.map((i) => i.path)).toEqual(['metrics.a.m.t.1']);
  });

  it('handles cycles, self-loops, unknown metric nodes, nulls, unsorted times and a missing target', () => {
    const c = makeCase('db') as {
      graph: { edges: [string, string][] };
      metrics: Record<string, unknown>;
      target?: unknown;
    };
    c.graph.edges.push(['db', 'frontend'], ['cart', 'cart']);
    c.metrics.stranger = { latency: { t: [3, 1, 2, 50_000], v: [1, null, 2, 3] } };
    c.target = { node: 'nowhere', metric: 'latency' };
    const { ranking, warnings } = analyzeCase(c);
    expect(ranking[0]?.node).toBe('db');
    expect(warnings.join('\n')).toMatch(/self-loop/);
    expect(warnings.join('\n')).toMatch(/not in the graph/);
    expect(warnings.join('\n')).toMatch(/target node 'nowhere'/);
    expect(warnings.join('\n')).toMatch(/missing or non-finite/);
  });

  it('reports empty windows instead of failing, and ranks nothing-anomalous cases weakly', () => {
    const c = makeCase('db');
    const empty = analyzeCase({ ...c, incident: [1e9, 2e9] });
    expect(empty.warnings.join('\n')).toMatch(/none in the incident window/);
    expect(empty.warnings.join('\n')).toMatch(/no node departs/);
    const quiet = analyzeCase({ ...c, incident: [0, 39_000] });
    expect(quiet.warnings.join('\n')).toMatch(/no node departs/);
  });

  it('halves nodes that are not dependencies of the target', () => {
    const withTarget = analyzeCase(makeCase('index'), { top: 10 });
    const c = makeCase('index');
    const onCart = analyzeCase({ ...c, target: { node: 'cart' } }, { top: 10 });
    const score = (r: typeof withTarget, n: string): number =>
      r.ranking.find((x) => x.node === n)?.score ?? 0;
    expect(score(onCart, 'index')).toBeLessThan(score(withTarget, 'index'));
    expect(onCart.ranking.find((x) => x.node === 'index')?.evidence.join(' ')).toMatch(
      /not a dependency/,
    );
  });

  it('never throws on well-formed random cases and only names known nodes (property)', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'e');
    const series = fc
      .array(
        fc.tuple(
          fc.integer({ min: 0, max: 100 }),
          fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true })),
        ),
        { maxLength: 30 },
      )
      .map((pts) => ({ t: pts.map((p) => p[0]), v: pts.map((p) => p[1]) }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, name), { maxLength: 12 }),
        fc.dictionary(name, fc.dictionary(fc.constantFrom('lat', 'err'), series)),
        fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
        fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })),
        fc.option(name),
        fc.constantFrom(...RCA_METHODS),
        (edges, metrics, nw, iw, target, method) => {
          const c = {
            graph: { edges },
            metrics,
            normal: [Math.min(...nw), Math.max(...nw)],
            incident: [Math.min(...iw), Math.max(...iw)],
            ...(target ? { target: { node: target } } : {}),
          };
          const known = new Set([...edges.flat(), ...Object.keys(metrics)]);
          const { ranking } = analyzeCase(c, { method });
          for (const r of ranking) {
            expect(known.has(r.node)).toBe(true);
            expect(Number.isFinite(r.score)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('cleans series with nulls, non-finite values and unsorted times to what the clean series scores', () => {
    const clean = makeCase('cart', 3);
    const lat = clean.metrics.cart!.latency!;
    // The same points shuffled, plus points that must be dropped: null, NaN, ±Infinity values
    // and a non-finite time.
    const order = lat.t.map((_, i) => i).sort((a, b) => ((a * 37) % 60) - ((b * 37) % 60));
    const t: number[] = order.map((i) => lat.t[i]!);
    const v: (number | null)[] = order.map((i) => lat.v[i]!);
    t.push(5_500, 41_500, 42_500, 43_500, Number.NaN);
    v.push(null, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e9);
    const dirty: RcaCase = {
      ...clean,
      metrics: { ...clean.metrics, cart: { latency: { t, v } } },
    };
    for (const method of RCA_METHODS) {
      const a = analyzeCase(clean, { method, top: 6 });
      const b = analyzeCase(dirty, { method, top: 6 });
      expect(b.ranking).toEqual(a.ranking);
      expect(b.warnings).toEqual(['5 missing or non-finite value(s) skipped']);
    }
  });

  it('keeps clean series on the fast path when a series sharing their time array has a null', () => {
    const c = makeCase('db', 4);
    const shared = c.metrics.db!.latency!.t; // every series of makeCase shares one time array
    const v = [...c.metrics.search!.latency!.v];
    v[10] = null;
    const withNull: RcaCase = {
      ...c,
      metrics: { ...c.metrics, search: { latency: { t: shared, v } } },
    };
    const { ranking, warnings } = analyzeCase(withNull);
    expect(ranking[0]?.node).toBe('db');
    expect(warnings).toEqual(['1 missing or non-finite value(s) skipped']);
  });

  it('leaves out series whose windows are empty or too short, on clean and cleaned series', () => {
    const c = makeCase('cart', 5);
    const tooShort: RcaCase = {
      ...c,
      metrics: {
        ...c.metrics,
        // Clean, but only two points in the normal window and none in the incident window.
        cache: { latency: { t: [0, 1_000], v: [1, 2] } },
        // Needs cleaning (unsorted), and no point in the incident window after that.
        index: { latency: { t: [3_000, 1_000, 2_000, 4_000], v: [1, 2, null, 3] } },
        // No points at all.
        extra: { latency: { t: [], v: [] } },
      },
    };
    const { ranking, warnings } = analyzeCase(tooShort);
    expect(ranking[0]?.node).toBe('cart');
    expect(warnings).toContain(
      '3 series had fewer than 3 points in the normal window or none in the incident window; they were left out',
    );
    expect(warnings.join('\n')).toMatch(/1 missing or non-finite value/);
  });

  it('counts a repeated edge once', () => {
    const c = makeCase('index', 6);
    const edges = c.graph.edges!;
    const repeated: RcaCase = { ...c, graph: { edges: [...edges, ...edges, edges[2]!] } };
    for (const method of RCA_METHODS) {
      expect(analyzeCase(repeated, { method, top: 6 })).toEqual(analyzeCase(c, { method, top: 6 }));
    }
  });

  it('names every bad element of every series sharing a bad time array, and shape problems first', () => {
    const t = [0, 1, '2'];
    const e = thrown(() =>
      analyzeCase({
        graph: { edges: [] },
        metrics: {
          a: { m: { t, v: [1, 2, 3] }, n: { t, v: [1, 2, 3] } },
          b: { m: { t: [0, 1, 2], v: [1, 'x', Number.NaN] } },
        },
        normal: [0, 1],
        incident: [2, 2],
      }),
    );
    expect(e.issues.map((i) => i.path)).toEqual([
      'metrics.a.m.t.2',
      'metrics.a.n.t.2',
      'metrics.b.m.v.1',
    ]);
    // A shape problem anywhere is reported alone: element checks come after the shape is right.
    const e2 = thrown(() =>
      analyzeCase({
        graph: { edges: [] },
        metrics: { a: { m: { t: [0, 'x'], v: [1, 2] } }, b: { m: { t: [0], v: 1 } } },
        normal: [0, 1],
        incident: [1, 1],
      }),
    );
    expect(e2.issues).toEqual([
      { path: 'metrics.b.m.v', message: 'must be an array of numbers or nulls' },
    ]);
  });

  it('prepareRcaCase then rankRcaCase is analyzeCase, and a prepared case can be ranked again', () => {
    const c = makeCase('search', 8);
    (c.metrics.cache as Record<string, unknown>).cpu = { t: [1, 2], v: [1, 2] };
    const prepared = prepareRcaCase(c, { source: 'c.json' });
    expect(prepared.nodes).toBe(6);
    expect(prepared.series).toBe(7);
    expect(prepared.warnings).toEqual([]);
    for (const method of RCA_METHODS) {
      const direct = analyzeCase(c, { method, top: 4 });
      expect(rankRcaCase(prepared, { method, top: 4 })).toEqual(direct);
      // Warnings added while ranking stay with that ranking.
      expect(rankRcaCase(prepared, { method, top: 4 }).warnings).toEqual(direct.warnings);
      expect(direct.warnings.join('\n')).toMatch(/fewer than 3 points/);
    }
    expect(prepared.warnings).toEqual([]);
    const e = thrown(() => rankRcaCase({ nodes: 1, series: 1, warnings: [] }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/prepareRcaCase/);
    expect(thrown(() => prepareRcaCase({}, { source: 'x.json' })).message).toContain('x.json');
  });
});
