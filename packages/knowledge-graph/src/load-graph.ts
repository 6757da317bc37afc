import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ConfigError, toIssues, type Issue } from '@homeostat/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  DependencyGraph,
  EDGE_TYPES,
  NODE_KINDS,
  type DependencyGraphOptions,
  type EdgeType,
  type NodeKind,
} from './dependency-graph.js';

const id = z.string().min(1, 'must be a non-empty string');
const callStatsSchema = z
  .object({
    /** Calls seen in total (≥ 0). */
    count: z.number().nonnegative(),
    /** Decayed calls per second (≥ 0). */
    ratePerSec: z.number().nonnegative(),
    /** Decayed share of failed calls, in [0, 1]. */
    errorRatio: z.number().min(0).max(1),
    /** Decayed mean latency in milliseconds (≥ 0). */
    latencyMs: z.number().nonnegative(),
    /** Event time (epoch ms) of the latest call seen. */
    lastSeen: z.number(),
    /** Decayed number of calls (≥ 0), kept so learning can resume. */
    decayedCount: z.number().nonnegative(),
    /** Decayed number of failed calls (≥ 0). */
    decayedErrors: z.number().nonnegative(),
    /** Decayed sum of latencies in milliseconds (≥ 0). */
    decayedLatency: z.number().nonnegative(),
  })
  .strict();

/** zod schema of a graph document (see {@link GraphDocument}). */
export const graphDocumentSchema = z
  .object({
    /** The nodes, each an id (a service) or an object (default none). */
    nodes: z
      .array(
        z.union([
          id,
          z
            .object({
              /** The node id (non-empty). */
              id,
              /** What the node stands for (default `service`). */
              kind: z.enum(NODE_KINDS as [NodeKind, ...NodeKind[]]).optional(),
              /** Free-form attributes (default none). */
              attributes: z.record(z.string(), z.unknown()).optional(),
            })
            .strict(),
        ]),
      )
      .default([]),
    /**
     * The edges, from a node to what it depends on, each `[from, to]` (a `calls` edge of weight 1)
     * or an object (default none).
     */
    edges: z
      .array(
        z.union([
          z.tuple([id, id]),
          z
            .object({
              /** The dependent node. */
              from: id,
              /** The node depended on. */
              to: id,
              /** What the edge means (default `calls`). */
              type: z.enum(EDGE_TYPES as [EdgeType, ...EdgeType[]]).optional(),
              /** Strength of the dependency in [0, 1] (default 1). */
              weight: z.number().min(0).max(1).optional(),
              /** Learned call statistics, restored as they are. */
              calls: callStatsSchema.optional(),
            })
            .strict(),
        ]),
      )
      .default([]),
  })
  .strict();

/** Options of {@link parseGraph} and {@link loadGraph}. */
export interface ParseGraphOptions {
  /** Where the document came from (a file name); it appears in errors. */
  readonly source?: string;
  /** Add nodes that edges name but `nodes` does not declare, as services (default false). */
  readonly implicitNodes?: boolean;
  /** Options of the {@link DependencyGraph} built. */
  readonly graph?: DependencyGraphOptions;
}

/**
 * Builds a {@link DependencyGraph} from a graph document: `{ nodes: [...], edges: [...] }`, where
 * a node is an id or `{ id, kind?, attributes? }` and an edge is `[from, to]` or
 * `{ from, to, type?, weight? }` (edges point from a node to what it depends on).
 *
 * @throws {ConfigError} naming the source and the path of every problem: schema errors,
 * self-loops (`edges.3`), and edges naming undeclared nodes unless `implicitNodes` is set.
 * @example
 * ```ts
 * const g = parseGraph({ nodes: ['web', 'api'], edges: [['web', 'api']] });
 * ```
 */
export function parseGraph(input: unknown, options: ParseGraphOptions = {}): DependencyGraph {
  const source = options.source;
  const ctx = source === undefined ? {} : { source };
  const result = graphDocumentSchema.safeParse(input);
  if (!result.success)
    throw new ConfigError(toIssues(result.error), { cause: result.error, ...ctx });
  const doc = result.data;
  const graph = new DependencyGraph(options.graph);
  const issues: Issue[] = [];
  doc.nodes.forEach((n) => {
    if (typeof n === 'string') graph.addNode(n);
    else
      graph.addNode(n.id, { ...(n.kind ? { kind: n.kind } : {}), attributes: n.attributes ?? {} });
  });
  doc.edges.forEach((e, i) => {
    const edge = Array.isArray(e) ? { from: e[0], to: e[1] } : e;
    if (edge.from === edge.to) {
      issues.push({ path: `edges.${i}`, message: `self-loop on '${edge.from}' is not allowed` });
      return;
    }
    for (const end of ['from', 'to'] as const) {
      if (!graph.hasNode(edge[end])) {
        if (options.implicitNodes) graph.addNode(edge[end]);
        else
          issues.push({
            path: `edges.${i}.${Array.isArray(e) ? (end === 'from' ? 0 : 1) : end}`,
            message: `unknown node '${edge[end]}' (declare it under nodes)`,
          });
      }
    }
    if (!graph.hasNode(edge.from) || !graph.hasNode(edge.to)) return;
    const type = 'type' in edge && edge.type ? edge.type : 'calls';
    graph.addEdge(edge.from, edge.to, {
      type,
      ...('weight' in edge && edge.weight !== undefined ? { weight: edge.weight } : {}),
    });
    if ('calls' in edge && edge.calls)
      graph.restoreCallStats({ from: edge.from, to: edge.to, type }, edge.calls);
  });
  if (issues.length > 0) throw new ConfigError(issues, ctx);
  return graph;
}

/**
 * Parses graph text: YAML (a superset of JSON) or JSON.
 *
 * @throws {ConfigError} for a syntax error (path `''`, with the parser's message) or any
 * problem {@link parseGraph} finds.
 */
export function parseGraphText(text: string, options: ParseGraphOptions = {}): DependencyGraph {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError([{ path: '', message: `not valid JSON or YAML: ${message}` }], {
      cause,
      ...(options.source === undefined ? {} : { source: options.source }),
    });
  }
  return parseGraph(data, options);
}

/**
 * Reads a graph document from a `.json`, `.yaml` or `.yml` file.
 *
 * @throws {ConfigError} naming the file (and the path inside it) when it can't be read or is
 * invalid.
 * @example
 * ```ts
 * const graph = await loadGraph('deps.yaml');
 * ```
 */
export async function loadGraph(
  file: string,
  options: Omit<ParseGraphOptions, 'source'> = {},
): Promise<DependencyGraph> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new ConfigError([{ path: '', message: `cannot read file: ${message}` }], {
      cause,
      source: file,
    });
  }
  if (extname(file).toLowerCase() === '.json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new ConfigError([{ path: '', message: `not valid JSON: ${message}` }], {
        cause,
        source: file,
      });
    }
    return parseGraph(data, { ...options, source: file });
  }
  return parseGraphText(text, { ...options, source: file });
}
