import { afterEach, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import type { RequestObservation } from '@homeostat/core';
import { createSidecar, type Sidecar, type SidecarOptions } from './create-sidecar.js';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { fastifySidecar, type FastifyInstanceLike } from './fastify-sidecar.js';
import { request, until } from './internal/test-http.js';

const sidecars: Sidecar[] = [];
const apps: FastifyInstance[] = [];
afterEach(async () => {
  for (const s of sidecars.splice(0)) s.close();
  for (const a of apps.splice(0)) await a.close();
});

async function app(
  options: SidecarOptions = {},
): Promise<{ app: FastifyInstance; s: Sidecar; seen: RequestObservation[] }> {
  const s = createSidecar({ overload: false, ...options });
  sidecars.push(s);
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  const a = Fastify();
  apps.push(a);
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

describe('fastifySidecar route templates', () => {
  it('falls back to routeOptions.url when the request carries no route context it knows', async () => {
    const s = createSidecar({ overload: false });
    sidecars.push(s);
    const seen: RequestObservation[] = [];
    s.observations$.subscribe((o) => seen.push(o));
    type Hook = Parameters<FastifyInstanceLike['addHook']>[1];
    let hook: Hook | undefined;
    const instance: FastifyInstanceLike = {
      addHook: (_name, h) => {
        hook = h;
      },
    };
    fastifySidecar(s)(instance, {}, () => {});
    for (const url of ['/orders/:id', undefined]) {
      const raw = new IncomingMessage(new Socket());
      raw.method = 'GET';
      raw.url = '/orders/7';
      const res = new ServerResponse(raw);
      let passed = false;
      hook!(
        { raw, routeOptions: { url } },
        { raw: res, hijack: () => undefined },
        () => (passed = true),
      );
      expect(passed).toBe(true);
      res.statusCode = 204;
      res.emit('close');
    }
    // Observations are delivered at the end of the event-loop turn in which responses ended.
    expect(seen).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((o) => o.route)).toEqual(['/orders/:id', '(unmatched)']);
  });
});
