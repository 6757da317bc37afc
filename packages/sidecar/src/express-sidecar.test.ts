import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { RequestObservation } from '@homeostat/core';
import { createSidecar, type Sidecar, type SidecarOptions } from './create-sidecar.js';
import { expressRoute, expressSidecar } from './express-sidecar.js';
import { wrapListener } from './wrap-listener.js';
import { createRecordingOnError } from '@homeostat/core/testing';
import {
  closeAll,
  listen,
  RawClient,
  request,
  sendTogether,
  spin,
  until,
} from './internal/test-http.js';

const sidecars: Sidecar[] = [];
afterEach(async () => {
  for (const s of sidecars.splice(0)) s.close();
  await closeAll();
});

type Mount = 'middleware' | 'wrapped app';

function setup(
  mount: Mount,
  options: SidecarOptions = {},
): {
  app: express.Express;
  s: Sidecar;
  seen: RequestObservation[];
  errors: unknown[];
  server: () => http.Server;
} {
  const s = createSidecar({ overload: false, ...options });
  sidecars.push(s);
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  const a = express();
  if (mount === 'middleware') a.use(expressSidecar(s));
  const errors: unknown[] = [];
  const server = (): http.Server =>
    http.createServer(mount === 'middleware' ? a : wrapListener(s, a, { route: expressRoute }));
  return { app: a, s, seen, errors, server };
}

describe.each<Mount>(['middleware', 'wrapped app'])('Express sidecar, %s (end to end)', (mount) => {
  const app = (options?: SidecarOptions) => setup(mount, options);
  it('observes the matched route template, including nested routers, and 404s', async () => {
    const { app: a, seen, server } = app({ service: 'shop' });
    a.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const router = express.Router();
    router.get('/items/:sku', (_req, res) => {
      res.send('item');
    });
    a.use('/v1', router);
    a.get(['/one', '/two'], (_req, res) => {
      res.send('either');
    });
    const url = await listen(server());
    expect((await request(`${url}/users/42`)).body).toBe('{"id":"42"}');
    expect((await request(`${url}/v1/items/abc`)).body).toBe('item');
    expect((await request(`${url}/nope`)).status).toBe(404);
    expect((await request(`${url}/two`)).body).toBe('either');
    await until(() => seen.length === 4);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/users/:id', 200],
      ['/v1/items/:sku', 200],
      ['(unmatched)', 404],
      ['/one|/two', 200],
    ]);
    expect(seen[0]!.service).toBe('shop');
  });

  it('observes responses sent in the handler and after it returned alike', async () => {
    const { app: a, seen, server } = app();
    a.get('/now/:id', (_req, res) => {
      res.send('x'.repeat(50));
    });
    const router = express.Router();
    router.get('/later/:id', (_req, res) => {
      setTimeout(() => res.send('x'.repeat(50)), 5);
    });
    a.use('/v1', router);
    const url = await listen(server());
    const client = await RawClient.open(url);
    const sizes: number[] = [];
    for (const path of ['/now/1', '/v1/later/2', '/now/3']) {
      client.send(path);
      sizes.push((await client.response()).bytes);
    }
    client.close();
    await until(() => seen.length === 3);
    expect(seen.map((o) => o.route)).toEqual(['/now/:id', '/v1/later/:id', '/now/:id']);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
  });

  it('leaves thrown errors to Express error handling and observes the 500', async () => {
    const { app: a, seen, errors, server } = app();
    const boom = new Error('handler exploded');
    a.get('/sync', () => {
      throw boom;
    });
    a.get('/async', async () => {
      await Promise.resolve();
      throw boom;
    });
    const onErr: ErrorRequestHandler = (err, _req, res, _next) => {
      errors.push(err);
      res.status(500).send('handled by host');
    };
    a.use(onErr);
    const url = await listen(server());
    const r1 = await request(`${url}/sync`);
    const r2 = await request(`${url}/async`);
    expect([r1.status, r1.body, r2.status]).toEqual([500, 'handled by host', 500]);
    expect(errors).toEqual([boom, boom]);
    await until(() => seen.length === 2);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/sync', 500],
      ['/async', 500],
    ]);
  });

  it('sheds before routing with 503 + Retry-After and serves the endpoints', async () => {
    const { app: a, s, seen, server } = app({ limiter: { initialLimit: 1, maxLimit: 1 } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.get('/slow', async (_req, res) => {
      await gate;
      res.send('slow');
    });
    a.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const url = await listen(server());
    const slow = request(`${url}/slow`);
    await until(() => s.stats().inFlight === 1);
    const shed = await request(`${url}/fast`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('1');
    expect((await request(`${url}/readyz`)).status).toBe(200);
    expect((await request(`${url}/metrics`)).body).toContain('homeostat_http_in_flight 1');
    release();
    expect((await slow).body).toBe('slow');
    await until(() => seen.length === 2);
    // Shed before routing: Express never matched a route.
    expect(seen.find((o) => o.shed === true)).toMatchObject({ status: 503, route: '(unmatched)' });
  });

  it('applies per-route timeouts', async () => {
    const { app: a, seen, server } = app({ timeouts: { routes: [{ prefix: '/slow', ms: 40 }] } });
    a.get('/slow', (_req, res) => {
      setTimeout(() => res.send('too late'), 120);
    });
    const url = await listen(server());
    const r = await request(`${url}/slow`);
    expect(r.status).toBe(503);
    await until(() => seen.length === 1);
    expect(seen[0]!.status).toBe(503);
    await new Promise((res) => setTimeout(res, 120)); // the late send must not throw
  });
});

describe('Express sidecar mounted after other middleware', () => {
  it('charges each observed response only its own bytes on a shared keep-alive connection', async () => {
    const s = createSidecar({ overload: false });
    sidecars.push(s);
    const seen: RequestObservation[] = [];
    s.observations$.subscribe((o) => seen.push(o));
    const a = express();
    // Answered ahead of the sidecar (as express.static mounted first would): never observed.
    a.get('/asset', (_req, res) => {
      res.type('text/plain').send('a'.repeat(2_000));
    });
    a.use(expressSidecar(s));
    a.get('/api/:n', (req, res) => {
      res.type('text/plain').send('b'.repeat(Number(req.params.n)));
    });
    const client = await RawClient.open(await listen(http.createServer(a)));
    const observed: number[] = [];
    for (const path of ['/asset', '/api/10', '/asset', '/asset', '/api/300']) {
      client.send(path);
      const r = await client.response();
      if (path.startsWith('/api/')) observed.push(r.bytes);
    }
    client.close();
    await until(() => seen.length === 2);
    expect(seen.map((o) => [o.route, o.bytesOut])).toEqual([
      ['/api/:n', observed[0]],
      ['/api/:n', observed[1]],
    ]);
  });
});

describe('Express sidecar, requests from the turn queue', () => {
  it('passes a throw from a queued request’s next() to next(err), as Express’s router does for one run at once', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = createSidecar(
      { limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: 1000 } },
      { onError },
    );
    sidecars.push(s);
    const mw = expressSidecar(s);
    // What Express's router does with a middleware: a throw goes to `next(err)`.
    const server = http.createServer((req, res) => {
      const next = (err?: unknown): void => {
        if (err !== undefined) {
          res.statusCode = 500;
          res.end(`handled ${(err as Error).message}`);
          return;
        }
        spin(15); // the later requests of the turn are queued
        if (req.url?.startsWith('/bad') === true) throw new Error('route bug');
        res.end('ok');
      };
      try {
        mw(req, res, next);
      } catch (e) {
        next(e);
      }
    });
    const paths = ['/ok-a', '/bad-b', '/ok-c'];
    const { sockets, received } = await sendTogether(server, paths);
    await until(() => received().every((r) => r.includes('\r\n\r\n')), 3_000);
    expect(s.stats().deferred).toBe(2);
    expect(received().map((r) => r.split('\r\n')[0])).toEqual([
      'HTTP/1.1 200 OK',
      'HTTP/1.1 500 Internal Server Error',
      'HTTP/1.1 200 OK',
    ]);
    expect(received()[1]).toContain('handled route bug');
    expect(errors).toEqual([]);
    for (const c of sockets) c.destroy();
  });

  it('observes a queued request once and frees its place when a host callback throws while admitting it', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = createSidecar(
      { overload: { maxTurnDelayMs: 10, maxQueueMs: 1000, maxEventLoopDelayMs: 1e6 } },
      {
        onError,
        partition: () => {
          throw new Error('partition bug');
        },
      },
    );
    sidecars.push(s);
    const seen: RequestObservation[] = [];
    s.observations$.subscribe((o) => seen.push(o));
    const app = express();
    app.use(expressSidecar(s));
    app.get('/:n', (req, res) => {
      spin(15); // the later requests of the turn are queued
      res.send(`ok ${req.params.n}`);
    });
    const paths = ['/a', '/b', '/c'];
    const { sockets, received } = await sendTogether(http.createServer(app), paths);
    await until(() => received().every((r) => r.includes('ok')), 3_000);
    expect(s.stats().deferred).toBe(2);
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.status])).toEqual(paths.map(() => ['/:n', 200]));
    expect(s.stats().inFlight).toBe(0);
    expect(errors).toHaveLength(3);
    for (const c of sockets) c.destroy();
  });
});

describe('expressRoute', () => {
  const req = (fields: object): http.IncomingMessage => fields as http.IncomingMessage;
  it('joins baseUrl and the route path, for strings, regular expressions and arrays', () => {
    expect(expressRoute(req({ baseUrl: '/v1', route: { path: '/items/:sku' } }))).toBe(
      '/v1/items/:sku',
    );
    expect(expressRoute(req({ route: { path: /^\/re$/ } }))).toBe('/^\\/re$/');
    expect(expressRoute(req({ baseUrl: '', route: { path: ['/a', '/b'] } }))).toBe('/a|/b');
  });
  it('says (unmatched) when no route handled the request', () => {
    expect(expressRoute(req({}))).toBe('(unmatched)');
    expect(expressRoute(req({ route: {} }))).toBe('(unmatched)');
  });
});
