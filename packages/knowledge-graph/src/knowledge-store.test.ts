import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHomeostatError } from '@homeostat/core';
import { DependencyGraph } from './dependency-graph.js';
import { IncidentMemory } from './incident-memory.js';
import {
  createFileStore,
  createMemoryStore,
  loadKnowledge,
  saveKnowledge,
} from './knowledge-store.js';

const dir = mkdtempSync(join(tmpdir(), 'kg-store-'));

function parts(): { graph: DependencyGraph; memory: IncidentMemory } {
  const graph = new DependencyGraph();
  graph.addNode('web').addNode('db', { kind: 'database' }).addEdge('web', 'db', { weight: 0.7 });
  const memory = new IncidentMemory();
  memory.remember({
    incident: {
      id: 'i',
      resource: 'web',
      symptoms: [],
      severity: 'warning',
      openedAt: 0,
      labels: {},
    },
    runbook: 'restart',
    outcome: 'succeeded',
    resolvedAt: 10,
  });
  return { graph, memory };
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isHomeostatError(e) ? e.code : 'other';
  }
  return undefined;
}

describe('knowledge stores', () => {
  it('file store: saves atomically (no temp files left) and loads back', async () => {
    const file = join(dir, 'nested', 'knowledge.json');
    const store = createFileStore(file);
    expect(await store.load()).toBeUndefined();
    const { graph, memory } = parts();
    await saveKnowledge(store, { graph, memory, savedAt: 42 });
    await saveKnowledge(store, { graph, memory, savedAt: 43 });
    expect(readdirSync(join(dir, 'nested'))).toEqual(['knowledge.json']);
    const loaded = await loadKnowledge(store);
    expect(loaded.graph?.toJSON()).toEqual(graph.toJSON());
    expect(loaded.memory?.toJSON()).toEqual(memory.toJSON());
    expect((await store.load())?.savedAt).toBe(43);
  });

  it('file store: reports invalid content and write failures with codes', async () => {
    const junk = join(dir, 'junk.json');
    writeFileSync(junk, 'not json');
    expect(await codeOf(createFileStore(junk).load())).toBe('SNAPSHOT_INVALID');
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, '{"version": 9}');
    expect(await codeOf(createFileStore(wrong).load())).toBe('SNAPSHOT_INVALID');
    const badGraph = join(dir, 'bad-graph.json');
    writeFileSync(
      badGraph,
      JSON.stringify({ version: 1, graph: { nodes: ['a'], edges: [['a', 'a']] } }),
    );
    expect(await codeOf(loadKnowledge(createFileStore(badGraph)))).toBe('SNAPSHOT_INVALID');
    // A directory where the file should be: the rename fails, and the temp file is removed.
    const blocked = join(dir, 'blocked');
    await createFileStore(join(blocked, 'x.json')).save({ version: 1 });
    expect(await codeOf(createFileStore(blocked).save({ version: 1 }))).toBe('STORE_IO_FAILED');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await codeOf(createFileStore(blocked).load())).toBe('STORE_IO_FAILED');
  });

  it('memory store: copies on save and load; empty parts come back undefined', async () => {
    const store = createMemoryStore();
    expect(await loadKnowledge(store)).toEqual({});
    const { memory } = parts();
    await saveKnowledge(store, { memory });
    const a = await store.load();
    const b = await store.load();
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    const loaded = await loadKnowledge(store);
    expect(loaded.graph).toBeUndefined();
    expect(loaded.memory?.list()).toHaveLength(1);
  });
});
