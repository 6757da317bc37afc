import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RequestObservation } from '@homeostat/core';
import { createSidecar, type Sidecar, type SidecarOptions } from './create-sidecar.js';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  fastifySidecar,
  type FastifyHandlerLike,
  type FastifyInstanceLike,
  type FastifyRouteOptionsLike,
} from './fastify-sidecar.js';
import http from 'node:http';
import { createRecordingOnError } from '@homeostat/core/testing';
import {
  catchingUncaught,
  closeAll,
  exchange,
  RawClient,
  request,
  sendTogether,
  spin,
  subscribed,
  until,
} from './internal/test-http.js';

const sidecars: Sidecar[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const s of sidecars.splice(0)) s.close();
  for (const a of apps.splice(0)) await a.close();
  await closeAll();
});

/** A sidecar (closed after the test) and the observations it delivers. */
function observed(options: SidecarOptions = {}): { s: Sidecar; seen: RequestObservation[] } {
  const s = createSidecar({ overload: false, ...options });
  sidecars.push(s);
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  return { s, seen };
}

/** A Fastify app with the plugin registered, after `before` has set the app up. */
async function app(
  options: SidecarOptions = {},
  before?: (a: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; s: Sidecar; seen: RequestObservation[] }> {
  const { s, seen } = observed(options);
  const a = Fastify();
  apps.push(a);
  before?.(a);
  await a.register(fastifySidecar(s));
  return { app: a, s, seen };
}

async function start(a: FastifyInstance): Promise<string> {
  return a.listen({ port: 0, host: '127.0.0.1' });
}

describe('fastifySidecar (end to end)', () => {
  it('observes route templates, including in encapsulated plugins, and 404s', async () => {
    const { app: a, seen } = await app();
    a.get('/users/:id', (req) => ({ id: (req.params as { id: string }).id }));
    await a.register(
      (child, _opts, done) => {
        child.get('/items/:sku', () => 'item');
        done();
      },
      { prefix: '/v1' },
    );
    const url = await start(a);
    expect((await request(`${url}/users/7`)).body).toBe('{"id":"7"}');
    expect((await request(`${url}/v1/items/x`)).body).toBe('item');
    expect((await request(`${url}/missing`)).status).toBe(404);
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/users/:id', 200],
      ['/v1/items/:sku', 200],
      ['(unmatched)', 404],
    ]);
  });

  it('observes replies sent by the handler, by an async handler and after a delay alike', async () => {
    const { app: a, seen } = await app();
    a.get('/sync/:id', (_req, reply) => void reply.send('s'));
    // eslint-disable-next-line @typescript-eslint/require-await -- an async handler, as Fastify users write them
    a.get('/async/:id', async () => 'a');
    a.get('/later/:id', (_req, reply) => void setTimeout(() => void reply.send('l'), 5));
    const url = await start(a);
    for (const path of ['/sync/1', '/async/2', '/later/3', '/sync/4']) {
      expect((await request(url + path)).status).toBe(200);
    }
    await until(() => seen.length === 4);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/sync/:id', 200],
      ['/async/:id', 200],
      ['/later/:id', 200],
      ['/sync/:id', 200],
    ]);
    // Every reply is the same size but for its one-character body.
    expect(new Set(seen.map((o) => o.bytesOut)).size).toBe(1);
    expect(seen[0]!.bytesOut).toBeGreaterThan(0);
  });

  it('charges each reply on a keep-alive connection exactly its own bytes', async () => {
    const { app: a, seen } = await app();
    a.get('/sync/:n', (req, reply) => {
      void reply.send('s'.repeat(Number((req.params as { n: string }).n)));
    });
    // eslint-disable-next-line @typescript-eslint/require-await -- an async handler, as Fastify users write them
    a.get('/async/:n', async (req) => 'a'.repeat(Number((req.params as { n: string }).n)));
    const url = await start(a);
    const client = await RawClient.open(url);
    const sizes: number[] = [];
    for (const path of ['/sync/10', '/async/3000', '/missing', '/sync/0', '/async/7', '/sync/1']) {
      client.send(path);
      sizes.push((await client.response()).bytes);
    }
    client.close();
    await until(() => seen.length === 6);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
    expect(seen.map((o) => o.status)).toEqual([200, 200, 404, 200, 200, 200]);
  });

  it('observes the replies of async handlers without subscribing to Node’s finish channel', async () => {
    const { app: a, seen } = await app();
    // eslint-disable-next-line @typescript-eslint/require-await -- an async handler, as Fastify users write them
    a.get('/async/:n', async (req) => 'a'.repeat(Number((req.params as { n: string }).n)));
    const sizes = await exchange(await start(a), ['/async/1', '/async/2000', '/async/0']);
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.status, o.bytesOut])).toEqual(
      sizes.map((bytes) => ['/async/:n', 200, bytes]),
    );
    expect(subscribed()).toBe(false);
  });

  it('observes the route of a request whose handler runs after its body arrived', async () => {
    const { app: a, seen } = await app();
    a.post('/items/:id', (req) => req.body);
    const url = await start(a);
    let reply = await request(`${url}/items/abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 1 }),
    });
    expect(reply.body).toBe('{"n":1}');
    // A body that does not parse is answered before the handler runs: the route is guessed.
    reply = await request(`${url}/items/abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{',
    });
    expect(reply.status).toBe(400);
    await until(() => seen.length === 2);
    expect(seen.map((o) => [o.route, o.status, o.bytesIn])).toEqual([
      ['/items/:id', 200, 7],
      ['/items/abc', 400, 1],
    ]);
  });

  it('observes requests made with fastify.inject (no socket: the response’s own close)', async () => {
    const { app: a, seen } = await app();
    a.get('/users/:id', () => 'ok');
    expect((await a.inject({ method: 'GET', url: '/users/3' })).body).toBe('ok');
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ route: '/users/:id', status: 200, method: 'GET' });
  });

  it('observes a throwing handler with the status Fastify answers', async () => {
    const { app: a, seen } = await app();
    const seenByHost: unknown[] = [];
    a.setErrorHandler((err, _req, reply) => {
      seenByHost.push(err);
      void reply.code(500).send({ error: 'host handled' });
    });
    a.get('/boom', () => {
      throw new Error('boom');
    });
    const url = await start(a);
    const r = await request(`${url}/boom`);
    expect(r.status).toBe(500);
    expect(seenByHost).toHaveLength(1);
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ route: '/boom', status: 500 });
  });

  it('sheds with 503 + Retry-After and answers the endpoints (never shed)', async () => {
    const { app: a, s, seen } = await app({ limiter: { initialLimit: 1, maxLimit: 1 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.get('/slow', async () => {
      await gate;
      return 'slow';
    });
    a.get('/fast', () => 'fast');
    const url = await start(a);
    const slow = request(`${url}/slow`);
    await until(() => s.stats().inFlight === 1);
    const shed = await request(`${url}/fast`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect((await request(`${url}/readyz`)).status).toBe(200);
    expect((await request(`${url}/metrics`)).body).toContain(
      '# TYPE homeostat_http_requests_total counter',
    );
    release();
    expect((await slow).body).toBe('slow');
    await until(() => seen.length === 2);
    expect(seen.find((o) => o.shed === true)).toMatchObject({ route: '/fast', status: 503 });
  });

  it('injects faults by header', async () => {
    const { app: a } = await app({ faults: { header: 'x-fault' } });
    a.get('/x', () => 'x');
    const url = await start(a);
    expect((await request(`${url}/x`, { headers: { 'x-fault': 'error=504' } })).status).toBe(504);
    expect((await request(`${url}/x`, { headers: { 'x-fault': 'latency=20' } })).body).toBe('x');
  });
});

describe('fastifySidecar admission before Fastify', () => {
  it('answers shed requests and its endpoints without Fastify running its hooks for them', async () => {
    let hooks = 0;
    const { app: a, s } = await app({ limiter: { initialLimit: 1, maxLimit: 1 } }, (a) =>
      // Declared before the plugin: it would run ahead of any hook the plugin added.
      a.addHook('onRequest', (_req, _reply, done) => {
        hooks++;
        done();
      }),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.get('/slow', async () => {
      await gate;
      return 'slow';
    });
    const url = await start(a);
    const slow = request(`${url}/slow`);
    await until(() => s.stats().inFlight === 1);
    expect((await request(`${url}/slow`)).status).toBe(503);
    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect(hooks).toBe(1);
    release();
    expect((await slow).body).toBe('slow');
  });

  it('guesses the route of a request answered before its handler ran, and of routes declared before the plugin', async () => {
    const { app: a, seen } = await app({}, (a) => a.get('/early/:id', () => 'early'));
    a.get(
      '/guarded/:id',
      {
        preHandler: (_req, reply, done) => {
          void reply.code(401).send('no');
          done();
        },
      },
      () => 'never',
    );
    a.get(
      '/typed/:n',
      { schema: { params: { type: 'object', properties: { n: { type: 'integer' } } } } },
      () => 'typed',
    );
    const url = await start(a);
    expect((await request(`${url}/early/12`)).body).toBe('early');
    expect((await request(`${url}/guarded/12`)).status).toBe(401);
    expect((await request(`${url}/typed/abc`)).status).toBe(400);
    expect((await request(`${url}/typed/5`)).body).toBe('typed');
    await until(() => seen.length === 4);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/early/:id', 200],
      ['/guarded/:id', 401],
      ['/typed/abc', 400],
      ['/typed/:n', 200],
    ]);
  });

  it('lets sidecars nested on one app each observe every request, through the server and by inject', async () => {
    const inner = await app();
    const { s: outer, seen: seenOuter } = observed();
    await inner.app.register(fastifySidecar(outer));
    inner.app.get('/n/:id', () => 'n');
    const url = await start(inner.app);
    expect((await request(`${url}/n/1`)).body).toBe('n');
    expect((await inner.app.inject({ method: 'GET', url: '/n/2' })).body).toBe('n');
    await until(() => inner.seen.length === 2 && seenOuter.length === 2);
    for (const seen of [inner.seen, seenOuter]) {
      expect(seen.map((o) => [o.route, o.status])).toEqual([
        ['/n/:id', 200],
        ['/n/:id', 200],
      ]);
    }
  });
});

describe('fastifySidecar with fastify.inject', () => {
  it('sheds an injected request at its handler, answered by the sidecar', async () => {
    const { app: a, s, seen } = await app({ limiter: { initialLimit: 1, maxLimit: 1 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let ran = 0;
    a.get('/slow', async () => {
      ran++;
      await gate;
      return 'slow';
    });
    const slow = a.inject({ method: 'GET', url: '/slow' });
    await until(() => s.stats().inFlight === 1);
    const shed = await a.inject({ method: 'GET', url: '/slow' });
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect(ran).toBe(1);
    release();
    expect((await slow).body).toBe('slow');
    await until(() => seen.length === 2);
    expect(seen.map((o) => [o.route, o.status, o.shed])).toEqual([
      ['/slow', 503, true],
      ['/slow', 200, false],
    ]);
  });

  it('delays an injected request by a latency fault, for handlers that return and that send', async () => {
    const { app: a, seen } = await app({ faults: { header: 'x-fault' } });
    a.get('/returns', () => Promise.resolve('returned'));
    a.get('/sends', (_req, reply) => {
      setTimeout(() => void reply.send('sent later'), 5);
    });
    const headers = { 'x-fault': 'latency=30' };
    const t0 = performance.now();
    const [returned, sent] = await Promise.all([
      a.inject({ method: 'GET', url: '/returns', headers }),
      a.inject({ method: 'GET', url: '/sends', headers }),
    ]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect([returned.statusCode, returned.body]).toEqual([200, 'returned']);
    expect([sent.statusCode, sent.body]).toEqual([200, 'sent later']);
    await until(() => seen.length === 2);
    expect(seen.map((o) => o.route).sort()).toEqual(['/returns', '/sends']);
  });
});

describe('fastifySidecar on an instance without a server', () => {
  it('admits and observes at the handler, with the route from onRoute', async () => {
    const { s, seen } = observed();
    let onRoute: ((o: FastifyRouteOptionsLike) => void) | undefined;
    const instance: FastifyInstanceLike = {
      addHook: (_name, h) => {
        onRoute = h;
      },
    };
    fastifySidecar(s)(instance, {}, () => {});
    const route: FastifyRouteOptionsLike = { url: '/orders/:id', handler: () => 'done' };
    onRoute!(route);
    const raw = new IncomingMessage(new Socket());
    raw.method = 'GET';
    raw.url = '/orders/7';
    const res = new ServerResponse(raw);
    const handler = route.handler as FastifyHandlerLike;
    expect(handler.call(undefined, { raw }, { raw: res, hijack: () => undefined })).toBe('done');
    res.statusCode = 204;
    res.end();
    res.emit('close');
    // Observations are delivered at the end of the event-loop turn in which responses ended.
    expect(seen).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((o) => [o.route, o.status])).toEqual([['/orders/:id', 204]]);
  });
});

describe('fastifySidecar, requests from the turn queue', () => {
  it('re-throws a throw of the server’s listener for a queued request to the host, as for one run at once', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = createSidecar(
      { limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: 1000 } },
      { onError },
    );
    sidecars.push(s);
    const thrown: unknown[] = [];
    // A server whose `request` listener (Fastify's router, here one of its own) throws.
    const server = http.createServer((req, res) => {
      spin(15); // the later requests of the turn are queued
      if (req.url?.startsWith('/bad') === true) {
        const e = new Error(`router bug ${req.url}`);
        thrown.push(e);
        throw e;
      }
      res.end('ok');
    });
    fastifySidecar(s)({ server, addHook: () => undefined }, {}, () => {});
    await catchingUncaught(async (uncaught) => {
      const paths = ['/ok-a', '/bad-b', '/ok-c'];
      const { sockets, received } = await sendTogether(server, paths);
      await until(() => received()[2]!.includes('ok') && uncaught.length === 1, 3_000);
      expect(s.stats().deferred).toBe(2);
      expect(uncaught).toEqual(thrown);
      expect(errors).toEqual([]);
      expect(received()[1]).toBe('');
      for (const c of sockets) c.destroy();
    });
  });
});
