import { describe, expect, it } from 'vitest';
import { parseHarnessArgs, runHarness } from './instructions-harness.js';
import { FRAMEWORKS } from './instructions.js';

describe('instructions harness', () => {
  it('parses its command line and names a bad argument', () => {
    expect(parseHarnessArgs(['node', 'sidecar', '100'])).toEqual({
      framework: 'node',
      variant: 'sidecar',
      requests: 100,
      connections: 32,
    });
    expect(() => parseHarnessArgs(['koa', 'bare', '1'])).toThrow(/framework .* got koa/);
    expect(parseHarnessArgs(['fastify', 'channel', '7', '2']).variant).toBe('channel');
    expect(() => parseHarnessArgs(['node', 'plain', '1'])).toThrow(/variant .* got plain/);
    expect(parseHarnessArgs(['express', 'noop', '3']).variant).toBe('noop');
    expect(() => parseHarnessArgs(['node', 'noop', '3'])).toThrow(/Express's alone, got node/);
    expect(() => parseHarnessArgs(['node', 'bare', '0'])).toThrow(/requests .* got 0/);
    expect(() => parseHarnessArgs(['node', 'bare', '5', 'x'])).toThrow(/connections .* got x/);
  });

  it('serves and loads itself until the requested number of responses has arrived', async () => {
    for (const framework of FRAMEWORKS) {
      for (const variant of ['bare', 'channel', 'sidecar'] as const) {
        expect(await runHarness({ framework, variant, requests: 150, connections: 4 })).toBe(150);
      }
    }
  });

  it('serves Express bare, with a no-op middleware, with the sidecar as middleware and wrapping the app', async () => {
    const runs = [
      ['express', 'bare'],
      ['express', 'noop'],
      ['express', 'sidecar'],
      ['express-app', 'sidecar'],
    ] as const;
    for (const [framework, variant] of runs) {
      expect(await runHarness({ framework, variant, requests: 150, connections: 4 })).toBe(150);
    }
  });
});
