import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runRcaCli, type CliIo } from './run-rca.js';

const fixture = fileURLToPath(new URL('../../fixtures/simulated-case.json', import.meta.url));

function io(files: Record<string, string> = {}, stdin = ''): CliIo & { out: string; err: string } {
  const rec = {
    out: '',
    err: '',
    stdout: (s: string) => void (rec.out += s),
    stderr: (s: string) => void (rec.err += s),
    readFile: (p: string) =>
      p in files
        ? Promise.resolve(files[p]!)
        : p === fixture
          ? readFile(p, 'utf8')
          : Promise.reject(new Error('ENOENT')),
    readStdin: () => Promise.resolve(stdin),
  };
  return rec;
}

describe('rca command line', () => {
  it('prints {"ranking":[{node, score, evidence}]} for a case file', async () => {
    const r = io();
    expect(await runRcaCli(['--case', fixture, '--top', '3'], r)).toBe(0);
    const out = JSON.parse(r.out) as {
      ranking: { node: string; score: number; evidence: string[] }[];
    };
    expect(Object.keys(out)).toEqual(['ranking']);
    expect(out.ranking.length).toBeGreaterThan(0);
    expect(out.ranking.length).toBeLessThanOrEqual(3);
    // The fixture is a simulated latency fault at svc-1 (seed 424242, not an evaluation seed).
    expect(out.ranking[0]?.node).toBe('svc-1');
    expect(out.ranking[0]).toEqual({
      node: expect.any(String),
      score: expect.any(Number),
      evidence: expect.any(Array),
    });
  });

  it('reads standard input with --case - and honours --method', async () => {
    const r = io({}, await readFile(fixture, 'utf8'));
    expect(await runRcaCli(['--case', '-', '--method', 'pagerank'], r)).toBe(0);
    expect(JSON.parse(r.out).ranking.length).toBeGreaterThan(0);
  });

  it('exits 2 on bad usage and 1 on unreadable or invalid cases, with a message', async () => {
    for (const args of [
      [],
      ['--case'],
      ['--case', 'x', '--method', 'magic'],
      ['--case', 'x', '--top', '0'],
      ['--bogus'],
    ]) {
      const r = io();
      expect(await runRcaCli(args, r)).toBe(2);
      expect(r.err.length).toBeGreaterThan(0);
    }
    const missing = io();
    expect(await runRcaCli(['--case', 'nope.json'], missing)).toBe(1);
    expect(missing.err).toContain('nope.json');
    const notJson = io({ 'a.json': '{' });
    expect(await runRcaCli(['--case', 'a.json'], notJson)).toBe(1);
    expect(notJson.err).toContain('not valid JSON');
    const invalid = io({ 'b.json': '{"graph":{},"metrics":{},"normal":[0,1]}' });
    expect(await runRcaCli(['--case', 'b.json'], invalid)).toBe(1);
    expect(invalid.err).toContain('incident');
    const help = io();
    expect(await runRcaCli(['--help'], help)).toBe(0);
    expect(help.out).toContain('usage');
  });

  it('writes warnings to standard error and keeps standard output pure JSON', async () => {
    const c = JSON.parse(await readFile(fixture, 'utf8')) as { graph: { edges: string[][] } };
    c.graph.edges.push(['svc-0', 'svc-0']);
    const r = io({ 'c.json': JSON.stringify(c) });
    expect(await runRcaCli(['--case', 'c.json'], r)).toBe(0);
    expect(r.err).toContain('warning: 1 self-loop');
    expect(() => JSON.parse(r.out) as unknown).not.toThrow();
  });
});
