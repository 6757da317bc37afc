import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { DependencyGraph, GraphDocument } from './dependency-graph.js';
import { StoreError } from './errors.js';
import {
  IncidentMemory,
  type IncidentMemoryDeps,
  type IncidentMemoryOptions,
  type MemorySnapshot,
} from './incident-memory.js';
import { parseGraph, type ParseGraphOptions } from './load-graph.js';

/** Everything the knowledge graph persists, as plain data. */
export interface KnowledgeSnapshot {
  /** Format version: always 1 (the file store refuses to load any other). */
  readonly version: 1;
  /** When the snapshot was taken (epoch ms); present when {@link saveKnowledge} was given it. */
  readonly savedAt?: number;
  /** The dependency graph ({@link DependencyGraph.toJSON}), when one was saved. */
  readonly graph?: GraphDocument;
  /** The incident memory ({@link IncidentMemory.toJSON}), when one was saved. */
  readonly memory?: MemorySnapshot;
}

/**
 * Where snapshots live. The file store is the default; a database-backed store implements the
 * same two methods.
 */
export interface KnowledgeStore {
  /** The last snapshot saved, or undefined when there is none yet. */
  load(): Promise<KnowledgeSnapshot | undefined>;
  /** Replaces the stored snapshot; all or nothing. */
  save(snapshot: KnowledgeSnapshot): Promise<void>;
}

const snapshotSchema = z
  .object({
    version: z.literal(1),
    savedAt: z.number().optional(),
    graph: z.unknown().optional(),
    memory: z.unknown().optional(),
  })
  .strict();

function message(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * A {@link KnowledgeStore} on one JSON file. Saving writes a temporary file beside it and
 * renames it over the old one, so a crash mid-write never leaves a half-written snapshot.
 *
 * @throws {StoreError} from `load`/`save`: `STORE_IO_FAILED` when the file can't be read or
 * written, `SNAPSHOT_INVALID` when it isn't a snapshot.
 * @example
 * ```ts
 * const store = createFileStore('/var/lib/app/knowledge.json');
 * await saveKnowledge(store, { graph, memory });
 * ```
 */
export function createFileStore(file: string): KnowledgeStore {
  return {
    async load() {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (cause) {
        if ((cause as { code?: string }).code === 'ENOENT') return undefined;
        throw new StoreError('STORE_IO_FAILED', `cannot read ${file}: ${message(cause)}`, {
          cause,
          location: file,
        });
      }
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (cause) {
        throw new StoreError('SNAPSHOT_INVALID', `${file} is not valid JSON: ${message(cause)}`, {
          cause,
          location: file,
        });
      }
      const parsed = snapshotSchema.safeParse(data);
      if (!parsed.success) {
        throw new StoreError(
          'SNAPSHOT_INVALID',
          `${file} is not a knowledge snapshot (version 1)`,
          {
            cause: parsed.error,
            location: file,
          },
        );
      }
      return data as KnowledgeSnapshot;
    },
    async save(snapshot) {
      const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await mkdir(dirname(file), { recursive: true });
        await writeFile(tmp, JSON.stringify(snapshot), { encoding: 'utf8', flush: true });
        await rename(tmp, file);
      } catch (cause) {
        await rm(tmp, { force: true }).catch(() => undefined);
        throw new StoreError('STORE_IO_FAILED', `cannot write ${file}: ${message(cause)}`, {
          cause,
          location: file,
        });
      }
    },
  };
}

/**
 * A {@link KnowledgeStore} in memory (a deep copy per save and load): for tests, and as the
 * shape to follow for other backends.
 */
export function createMemoryStore(): KnowledgeStore {
  let saved: KnowledgeSnapshot | undefined;
  return {
    load: () => Promise.resolve(saved === undefined ? undefined : structuredClone(saved)),
    save: (snapshot) => {
      saved = structuredClone(snapshot);
      return Promise.resolve();
    },
  };
}

/**
 * Saves the graph and/or the incident memory as one snapshot.
 *
 * @throws {StoreError} from the store.
 */
export async function saveKnowledge(
  store: KnowledgeStore,
  parts: {
    readonly graph?: DependencyGraph;
    readonly memory?: IncidentMemory;
    readonly savedAt?: number;
  },
): Promise<void> {
  await store.save({
    version: 1,
    ...(parts.savedAt === undefined ? {} : { savedAt: parts.savedAt }),
    ...(parts.graph ? { graph: parts.graph.toJSON() } : {}),
    ...(parts.memory ? { memory: parts.memory.toJSON() } : {}),
  });
}

/**
 * Loads what {@link saveKnowledge} saved; parts absent from the snapshot (or no snapshot at all)
 * come back undefined.
 *
 * @throws {StoreError} `SNAPSHOT_INVALID` when a part doesn't validate, or from the store.
 */
export async function loadKnowledge(
  store: KnowledgeStore,
  options: {
    readonly graph?: ParseGraphOptions;
    readonly memory?: IncidentMemoryOptions;
    readonly memoryDeps?: IncidentMemoryDeps;
  } = {},
): Promise<{
  /** The graph, when the snapshot has one. */
  graph?: DependencyGraph;
  /** The incident memory, when the snapshot has one. */
  memory?: IncidentMemory;
}> {
  const snapshot = await store.load();
  if (!snapshot) return {};
  const out: { graph?: DependencyGraph; memory?: IncidentMemory } = {};
  if (snapshot.graph !== undefined) {
    try {
      out.graph = parseGraph(snapshot.graph, { ...options.graph, source: 'snapshot.graph' });
    } catch (cause) {
      throw new StoreError('SNAPSHOT_INVALID', `invalid graph in snapshot: ${message(cause)}`, {
        cause,
      });
    }
  }
  if (snapshot.memory !== undefined) {
    out.memory = IncidentMemory.fromSnapshot(snapshot.memory, options.memory, options.memoryDeps);
  }
  return out;
}
