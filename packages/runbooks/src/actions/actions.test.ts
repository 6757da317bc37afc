import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isHomeostatError } from '@homeostat/core';
import { defineAction, type ActionContext } from '../action.js';
import { breakerAction } from './breaker-action.js';
import { commandAction } from './command-action.js';
import { httpAction } from './http-action.js';
import { scaleAction } from './scale-action.js';
import { incidentOn } from '../internal/fixtures.js';

function ctx(signal = new AbortController().signal): ActionContext {
  const incident = incidentOn('svc');
  return {
    signal,
    target: 'svc',
    targets: ['svc'],
    runId: 'r',
    runbook: 'rb',
    step: 's',
    attempt: 1,
    incident,
    decision: { id: 'd', incident, verdict: 'execute', confidence: 1, risk: 0, rationale: [] },
    dryRun: false,
  };
}

async function codeOf(p: unknown): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isHomeostatError(e) ? e.code : `not homeostat: ${String(e)}`;
  }
  return undefined;
}

describe('defineAction', () => {
  it('checks its definition and freezes the action', () => {
    const a = defineAction({
      name: 'a',
      params: z.object({}),
      run: () => undefined,
      readOnly: true,
    });
    expect(a).toMatchObject({ name: 'a', readOnly: true, hasUndo: false });
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => defineAction({ name: '', params: z.object({}), run: () => undefined })).toThrow(
      /name/,
    );
    expect(() => defineAction({ name: 'x', params: {} as never, run: () => undefined })).toThrow(
      /zod schema/,
    );
  });
});

describe('httpAction', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
      res.statusCode = req.url === '/fail' ? 503 : 200;
      res.end('hello');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('calls an allow-listed host and is read-only for GET/HEAD', async () => {
    const http = httpAction({ allowHosts: ['127.0.0.1'] });
    expect(http.readOnly).toBe(true);
    const result = await http.run(http.params.parse({ url: `${base}/health` }), ctx());
    expect(result).toMatchObject({
      detail: expect.stringMatching(/GET .*\/health → 200/),
      data: { status: 200, body: 'hello' },
    });
  });

  it('refuses other hosts, methods and protocols before any request', async () => {
    const http = httpAction({ allowHosts: ['127.0.0.1:1'], methods: ['GET'] });
    const before = seen.length;
    expect(await codeOf(http.run(http.params.parse({ url: `${base}/x` }), ctx()))).toBe(
      'ACTION_FORBIDDEN',
    );
    const any = httpAction({ allowHosts: ['127.0.0.1'], methods: ['GET'] });
    expect(
      await codeOf(any.run(any.params.parse({ url: `${base}/x`, method: 'POST' }), ctx())),
    ).toBe('ACTION_FORBIDDEN');
    expect(any.params.safeParse({ url: 'not a url' }).success).toBe(false);
    expect(seen.length).toBe(before);
  });

  it('fails on unexpected statuses and times out', async () => {
    const http = httpAction({
      allowHosts: ['127.0.0.1'],
      methods: ['GET', 'POST'],
      timeoutMs: 10_000,
    });
    expect(http.readOnly).toBe(false);
    expect(await codeOf(http.run(http.params.parse({ url: `${base}/fail` }), ctx()))).toBe(
      'ACTION_FAILED',
    );
    expect(
      await http.run(http.params.parse({ url: `${base}/fail`, expectStatus: [503] }), ctx()),
    ).toMatchObject({
      data: { status: 503 },
    });
    // the server answers /slow after 2 s; this action gives up after 200 ms
    const impatient = httpAction({ allowHosts: ['127.0.0.1'], timeoutMs: 200 });
    expect(
      await codeOf(impatient.run(impatient.params.parse({ url: `${base}/slow` }), ctx())),
    ).toBe('ACTION_TIMEOUT');
  });

  it('honours the step signal', async () => {
    const http = httpAction({ allowHosts: ['127.0.0.1'] });
    const c = new AbortController();
    const p = http.run(http.params.parse({ url: `${base}/slow` }), ctx(c.signal));
    c.abort();
    await expect(p).rejects.toThrow();
  });

  it('throws ConfigError without allowed hosts', () => {
    expect(() => httpAction({ allowHosts: [] })).toThrow(/allowHosts/);
  });
});

describe('breakerAction', () => {
  it('drives breakers from the host registry and undoes open/isolate', async () => {
    const log: string[] = [];
    const breaker = {
      open: () => log.push('open'),
      close: () => log.push('close'),
      isolate: () => log.push('isolate'),
      reset: () => log.push('reset'),
    };
    const action = breakerAction({ get: (n) => (n === 'payments' ? breaker : undefined) });
    await action.run({ breaker: 'payments', op: 'open' }, ctx());
    await action.undo!({ breaker: 'payments', op: 'open' }, { ...ctx(), result: undefined });
    await action.run({ breaker: 'payments', op: 'isolate' }, ctx());
    await action.undo!({ breaker: 'payments', op: 'isolate' }, { ...ctx(), result: undefined });
    expect(log).toEqual(['open', 'close', 'isolate', 'reset']);
    expect(await codeOf(action.run({ breaker: 'nope', op: 'open' }, ctx()))).toBe('ACTION_FAILED');
    expect(action.params.safeParse({ breaker: 'x', op: 'explode' }).success).toBe(false);
    expect(() => breakerAction({} as never)).toThrow(TypeError);
  });
});

describe('scaleAction', () => {
  it('sets or changes replicas within bounds and restores them on undo', async () => {
    const replicas = new Map([['web', 3]]);
    const action = scaleAction(
      { getReplicas: (t) => replicas.get(t) ?? 0, setReplicas: (t, n) => void replicas.set(t, n) },
      { minReplicas: 1, maxReplicas: 6 },
    );
    const result = await action.run(action.params.parse({ target: 'web', delta: 10 }), ctx());
    expect(replicas.get('web')).toBe(6);
    expect(result).toMatchObject({ data: { previous: 3, next: 6 } });
    await action.undo!(action.params.parse({ target: 'web', delta: 10 }), {
      ...ctx(),
      result: result ?? undefined,
    });
    expect(replicas.get('web')).toBe(3);
    await action.run(action.params.parse({ target: 'web', replicas: 0 }), ctx());
    expect(replicas.get('web')).toBe(1);
    expect(action.params.safeParse({ target: 'web' }).success).toBe(false);
    expect(action.params.safeParse({ target: 'web', replicas: 1, delta: 1 }).success).toBe(false);
    expect(() =>
      scaleAction(
        { getReplicas: () => 1, setReplicas: () => undefined },
        { minReplicas: 5, maxReplicas: 2 },
      ),
    ).toThrow(TypeError);
  });
});

describe('commandAction', () => {
  const node = process.execPath;

  it('is off unless enabled', async () => {
    const cmd = commandAction({ allow: [node] });
    expect(await codeOf(cmd.run({ argv: [node, '-e', '1'] }, ctx()))).toBe('ACTION_FORBIDDEN');
  });

  it('runs an allowed executable with an argv array and no shell', async () => {
    const cmd = commandAction({ enabled: true, allow: [node] });
    const result = await cmd.run(
      {
        argv: [
          node,
          '-e',
          'process.stdout.write(process.argv.slice(1).join("|"))',
          'a b',
          '$(echo hi); rm -rf /',
        ],
      },
      ctx(),
    );
    expect(result).toMatchObject({ data: { stdout: 'a b|$(echo hi); rm -rf /' } });
  });

  it('refuses executables not in allow, fails on non-zero exit, and is killed on abort', async () => {
    const cmd = commandAction({ enabled: true, allow: [node] });
    expect(await codeOf(cmd.run({ argv: ['/bin/sh', '-c', 'true'] }, ctx()))).toBe(
      'ACTION_FORBIDDEN',
    );
    expect(await codeOf(cmd.run({ argv: [node, '-e', 'process.exit(3)'] }, ctx()))).toBe(
      'ACTION_FAILED',
    );
    const c = new AbortController();
    const p = cmd.run({ argv: [node, '-e', 'setTimeout(() => {}, 60000)'] }, ctx(c.signal));
    setTimeout(() => c.abort(), 50);
    expect(await codeOf(p)).toBe('ACTION_FAILED');
    expect(cmd.params.safeParse({ argv: [] }).success).toBe(false);
    expect(cmd.params.safeParse({ argv: 'rm -rf /' }).success).toBe(false);
  });
});
