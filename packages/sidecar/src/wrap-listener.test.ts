import { afterEach, describe, expect, it } from 'vitest';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type { RequestObservation } from '@homeostat/core';
import { isHomeostatError, requestObservationSchema, type ConfigError } from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import {
  createSidecar,
  type Sidecar,
  type SidecarDeps,
  type SidecarOptions,
} from './create-sidecar.js';
import { wrapListener } from './wrap-listener.js';
import { expressSidecar } from './express-sidecar.js';
import { fastifySidecar } from './fastify-sidecar.js';
import { createLoadProbe, type LoadProbe } from './internal/overload.js';
import {
  catchingUncaught,
  closeAll,
  gatedListener,
  listen,
  RawClient,
  request,
  sendTogether,
  sleep,
  spin,
  until,
} from './internal/test-http.js';

const sidecars: Sidecar[] = [];
afterEach(async () => {
  for (const s of sidecars.splice(0)) s.close();
  await closeAll();
});

function make(options: SidecarOptions = {}, deps: SidecarDeps = {}): Sidecar {
  const s = createSidecar({ overload: false, ...options }, deps);
  sidecars.push(s);
  return s;
}

function record(s: Sidecar): RequestObservation[] {
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  return seen;
}

const ok = (_req: IncomingMessage, res: ServerResponse): void => {
  res.setHeader('content-type', 'text/plain');
  res.end('hello');
};

/**
 * Serves `s` with a listener that answers `done`, except `/slow`, which waits for `release`;
 * returns once a `/slow` request is in flight.
 */
async function holdOneRequest(
  s: Sidecar,
): Promise<{ url: string; slow: ReturnType<typeof request>; release: () => void }> {
  const { listener, release } = gatedListener();
  const url = await listen(wrapListener(s, listener));
  const slow = request(`${url}/slow`);
  await until(() => s.stats().inFlight === 1);
  return { url, slow, release };
}

describe('wrapListener (node:http, end to end)', () => {
  it('emits one valid observation per request, with a route template instead of the raw URL', async () => {
    const s = make({ service: 'api' });
    const seen = record(s);
    const url = await listen(wrapListener(s, ok));
    const r = await request(`${url}/users/12345/orders?x=1`, {
      method: 'POST',
      body: 'abcd',
      headers: { 'content-length': '4' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello');
    await until(() => seen.length === 1);
    const o = seen[0]!;
    expect(requestObservationSchema.safeParse(o).success).toBe(true);
    expect(o).toMatchObject({
      service: 'api',
      method: 'POST',
      route: '/users/:id/orders',
      status: 200,
      inFlight: 0,
      shed: false,
      bytesIn: 4,
    });
    expect(o.latencyMs).toBeGreaterThanOrEqual(0);
    expect(o.bytesOut).toBeGreaterThan(5); // body plus headers
  });

  it('uses the host route resolver when given', async () => {
    const s = make();
    const seen = record(s);
    const url = await listen(
      wrapListener(s, ok, { route: (req) => (req.url?.startsWith('/a') ? '/a/:slug' : undefined) }),
    );
    await request(`${url}/a/hello-world`);
    await request(`${url}/b`);
    await until(() => seen.length === 2);
    expect(seen.map((o) => o.route)).toEqual(['/a/:slug', '/b']);
    // Without a configured service the observation has no `service` key at all.
    expect(Object.keys(seen[0]!)).not.toContain('service');
  });

  it('observes a throwing handler as a 500 and re-throws the same error to the host', async () => {
    const s = make();
    const seen = record(s);
    const boom = new Error('boom');
    const caught: unknown[] = [];
    const wrapped = wrapListener(s, () => {
      throw boom;
    });
    const url = await listen((req, res) => {
      try {
        wrapped(req, res);
      } catch (e) {
        caught.push(e);
        res.statusCode = 400; // the host's handler answers; the sidecar still records a 500
        res.end();
      }
    });
    const r = await request(url);
    expect(r.status).toBe(400);
    expect(caught).toEqual([boom]);
    await until(() => seen.length === 1);
    expect(seen[0]!.status).toBe(500);
  });

  it('observes a rejecting async handler as a 500 and passes the rejection on', async () => {
    const s = make();
    const seen = record(s);
    const boom = new Error('async boom');
    const wrapped = wrapListener(s, async () => {
      await sleep(1);
      throw boom;
    });
    const caught: unknown[] = [];
    const url = await listen((req, res) => {
      (wrapped(req, res) as Promise<void>).catch((e: unknown) => {
        caught.push(e);
        res.statusCode = 502;
        res.end();
      });
    });
    const r = await request(url);
    expect(r.status).toBe(502);
    expect(caught).toEqual([boom]);
    await until(() => seen.length === 1);
    expect(seen[0]!.status).toBe(502);
  });

  it('sheds beyond the concurrency limit with 503 + Retry-After, and never sheds health checks', async () => {
    const s = make({
      limiter: { initialLimit: 1, maxLimit: 1 },
      retryAfterSeconds: 2,
      neverShed: ['/internal/health'],
    });
    const seen = record(s);
    const { url, slow, release } = await holdOneRequest(s);
    const shed = await request(`${url}/fast`);
    expect(shed.status).toBe(503);
    expect(shed.headers['retry-after']).toBe('2');
    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect((await request(`${url}/internal/health`)).status).toBe(200);
    release();
    expect((await slow).status).toBe(200);
    expect((await request(`${url}/fast`)).status).toBe(200);
    await until(() => seen.length === 4);
    const shedObs = seen.find((o) => o.shed === true)!;
    expect(shedObs).toMatchObject({ status: 503, route: '/fast' });
    expect(s.stats()).toMatchObject({ shedByLimiter: 1, shed: 1 });
  });

  it('finds endpoints and never-shed prefixes whatever the URL looks like', async () => {
    // '/' as a never-shed prefix covers every URL; endpoints moved to paths of their own.
    const s = make({
      limiter: { initialLimit: 1, maxLimit: 1 },
      neverShed: ['/'],
      endpoints: { liveness: '/-/live', readiness: '/~ready', metrics: false },
    });
    const { url, slow, release } = await holdOneRequest(s);
    expect((await request(`${url}/`)).status).toBe(200); // not shed: under '/'
    expect((await request(`${url}/%C3%A9t%C3%A9`)).status).toBe(200);
    expect((await request(`${url}/-/live`)).body).toContain('"status":"ok"');
    expect((await request(`${url}/~ready?x=1`)).status).toBe(200);
    expect((await request(`${url}/metrics`)).body).toBe('done'); // endpoint switched off
    release();
    await slow;
    expect(s.stats().shed).toBe(0);
  });

  it('tells endpoint and never-shed paths apart from others by their second character, in every range of it', async () => {
    // Second characters 33 ('!'), 57 ('9'), 82 ('R') and 109 ('m') fall in three of the four
    // 32-character words of the mask; 'X' and 'f' share words with marked characters.
    const s = make({
      limiter: { initialLimit: 1, maxLimit: 1 },
      neverShed: ['/9lives'],
      endpoints: { liveness: '/!live', readiness: '/Ready', metrics: '/metrics' },
    });
    const { url, slow, release } = await holdOneRequest(s);
    expect((await request(`${url}/!live`)).body).toContain('"status":"ok"');
    expect((await request(`${url}/Ready`)).body).toContain('"status":"ready"');
    expect((await request(`${url}/metrics`)).body).toContain('homeostat_http_in_flight');
    expect((await request(`${url}/9lives/a`)).status).toBe(200); // never shed
    // Marked second character, but no endpoint or prefix: shed like any other request.
    expect((await request(`${url}/Rest`)).status).toBe(503);
    expect((await request(`${url}/9`)).status).toBe(503);
    // Unmarked second characters.
    expect((await request(`${url}/Xyz`)).status).toBe(503);
    expect((await request(`${url}/fast`)).status).toBe(503);
    release();
    await slow;
    expect(s.stats().shedByLimiter).toBe(4);
  });

  it('matches and guesses a request target in absolute form by its path', async () => {
    const s = make({ limiter: { initialLimit: 1, maxLimit: 1 }, neverShed: ['/internal'] });
    const seen = record(s);
    const { url, slow, release } = await holdOneRequest(s);
    const client = await RawClient.open(url);
    // As a client talking through a proxy sends them (RFC 9112 §3.2.2).
    client.send('http://test/healthz', 'http://test/internal/x', 'http://test:80/users/42?a=1');
    expect((await client.response()).status).toBe(200); // the liveness endpoint
    expect((await client.response()).status).toBe(200); // never shed
    expect((await client.response()).status).toBe(503); // shed, under its guessed route
    client.close();
    release();
    await slow;
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.status])).toEqual(
      expect.arrayContaining([
        ['/internal/x', 200],
        ['/users/:id', 503],
      ]),
    );
  });

  it('observes a body’s declared size, and none for a body of undeclared size', async () => {
    const s = make();
    const seen = record(s);
    const url = await listen(
      wrapListener(s, (req, res) => {
        req.resume(); // read and drop the body, then answer
        req.on('end', () => res.end('ok'));
      }),
    );
    await request(`${url}/sized`, { method: 'POST', body: 'abcdef' }); // Content-Length: 6
    await request(`${url}/none`); // a GET: no body
    const client = await RawClient.open(url);
    client.socket.write(
      'POST /chunked HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
    );
    expect((await client.response()).status).toBe(200);
    client.close();
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.bytesIn])).toEqual([
      ['/sized', 6],
      ['/none', 0],
      ['/chunked', undefined],
    ]);
    expect(requestObservationSchema.safeParse(seen[2]).success).toBe(true);
  });

  it('keeps guessing route templates right past its cache of 1,024 URLs', async () => {
    // In process (no server): enough distinct URLs to fill and clear the cache of guesses.
    const s = make();
    const seen = record(s);
    const wrapped = wrapListener(s, (_req, res) => {
      res.statusCode = 200;
    });
    const socket = new net.Socket();
    for (let i = 0; i < 2_100; i++) {
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = i % 3 === 0 ? `/users/${i}` : i % 3 === 1 ? `/items/${i}/parts?i=${i}` : '/plain';
      const res = new ServerResponse(req);
      wrapped(req, res);
      res.emit('close');
    }
    socket.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // delivered at the end of the turn
    expect(seen).toHaveLength(2_100);
    expect(new Set(seen.map((o) => o.route))).toEqual(
      new Set(['/users/:id', '/items/:id/parts', '/plain']),
    );
    seen.forEach((o, i) =>
      expect(o.route).toBe(['/users/:id', '/items/:id/parts', '/plain'][i % 3]),
    );
  });

  it('sheds on event-loop delay, reports unready, and recovers (controlled probe)', async () => {
    let delay = 0;
    const probe: LoadProbe = {
      eventLoopDelayMs: () => delay,
      heapRatio: () => 0.1,
      close: () => {},
    };
    const s = make(
      { limiter: false, overload: { checkIntervalMs: 10, maxEventLoopDelayMs: 20, decrease: 0.5 } },
      { loadProbe: probe },
    );
    const url = await listen(wrapListener(s, ok));
    expect((await request(`${url}/readyz`)).status).toBe(200);
    delay = 500;
    await until(() => s.stats().shedFraction >= 0.95);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await request(`${url}/x`)).status);
    expect(statuses.filter((c) => c === 503).length).toBeGreaterThanOrEqual(18);
    const ready = await request(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'unready', ready: false });
    expect(ready.body).toContain('event-loop delay');
    expect((await request(`${url}/healthz`)).status).toBe(200); // liveness is not readiness
    delay = 0;
    await until(() => s.stats().shedFraction === 0);
    expect((await request(`${url}/x`)).status).toBe(200);
    expect((await request(`${url}/readyz`)).status).toBe(200);
  });

  it('sheds everything sheddable when the heap is over its limit', async () => {
    const probe: LoadProbe = { eventLoopDelayMs: () => 0, heapRatio: () => 0.99, close: () => {} };
    const s = make({ overload: { checkIntervalMs: 10, maxHeapRatio: 0.9 } }, { loadProbe: probe });
    const url = await listen(wrapListener(s, ok));
    await until(() => s.ready().ready === false);
    expect((await request(`${url}/x`)).status).toBe(503);
    expect(s.ready().reasons.join()).toContain('heap');
  });

  it('stops shedding for load once closed: nothing measures it any more', async () => {
    const probe: LoadProbe = { eventLoopDelayMs: () => 0, heapRatio: () => 0.99, close: () => {} };
    const s = make({ overload: { checkIntervalMs: 10, maxHeapRatio: 0.9 } }, { loadProbe: probe });
    const url = await listen(wrapListener(s, ok));
    await until(() => s.ready().ready === false);
    expect((await request(`${url}/x`)).status).toBe(503);
    s.close();
    expect((await request(`${url}/x`)).status).toBe(200);
  });

  /** A handler doing `ms` of CPU work; records the order in which requests ran. */
  const busy =
    (ms: number, ran: string[] = []) =>
    (req: IncomingMessage, res: ServerResponse) => {
      ran.push(req.url ?? '');
      const end = performance.now() + ms;
      while (performance.now() < end); // CPU work
      res.end('done');
    };

  /**
   * Serves `listener` and sends it `n` requests (`/0` … `/n-1`) on raw sockets: all connected,
   * and accepted by the server, first, then written in one tick, so the server reads them in
   * one event-loop turn (an in-process client can't send while the server blocks). Resolves
   * with the status of each, in request order.
   */
  async function burst(listener: http.RequestListener, n: number): Promise<number[]> {
    const server = http.createServer(listener);
    let accepted = 0;
    server.on('connection', () => accepted++);
    const port = Number(new URL(await listen(server)).port);
    const sockets = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<net.Socket>((resolve) => {
            const c = net.connect(port, '127.0.0.1', () => resolve(c));
          }),
      ),
    );
    // A connection the server has not accepted yet would be read in a later turn; on a busy
    // machine a fixed pause was not always long enough.
    await until(() => accepted === n, 5_000);
    const replies = sockets.map(
      (c) =>
        new Promise<number>((resolve) => {
          let data = '';
          c.setEncoding('utf8');
          c.on('data', (d: string) => (data += d));
          c.on('end', () => resolve(Number(data.split(' ')[1])));
        }),
    );
    sockets.forEach((c, i) =>
      c.write(`GET /${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
    );
    return Promise.all(replies);
  }

  it('counts the time a request waited behind earlier requests of its event-loop turn as latency', async () => {
    const s = make({ limiter: false });
    const seen = record(s);
    const statuses = await burst(wrapListener(s, busy(20)), 3);
    expect(statuses).toEqual([200, 200, 200]);
    await until(() => seen.length === 3);
    // All three were read in one turn; the last to run waited for the other two handlers.
    const latencies = seen.map((o) => o.latencyMs).sort((a, b) => a - b);
    expect(latencies[0]).toBeGreaterThanOrEqual(20);
    expect(latencies[2]).toBeGreaterThanOrEqual(60);
    // They arrived together.
    expect(new Set(seen.map((o) => o.t)).size).toBe(1);
  });

  it('sheds requests queued behind too much work in one event-loop turn', async () => {
    const s = make({ limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: false } });
    const listener = wrapListener(s, busy(25));
    const statuses = await burst(listener, 6);
    const url = await listen(listener);
    expect(statuses).toContain(200);
    expect(statuses).toContain(503);
    expect(s.stats().shedByTurnDelay).toBe(statuses.filter((c) => c === 503).length);
    expect(s.stats().deferred).toBe(0);
    // Alone in its turn, a request is never shed however slow the handler.
    expect((await request(url)).status).toBe(200);
  });

  it('defers late requests to a queue run in later turns, oldest first, instead of shedding them', async () => {
    const s = make({ limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: 1000 } });
    const ran: string[] = [];
    const seen = record(s);
    const listener = wrapListener(s, busy(15, ran));
    const statuses = await burst(listener, 5);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const st = s.stats();
    expect(st.shedByTurnDelay).toBe(0);
    // Whichever request the server read first ran at once; the other four waited their turn.
    expect(st.deferred).toBe(4);
    expect(st.queued).toBe(0);
    const later = ran.slice(1);
    expect(later).toEqual([...later].sort());
    await until(() => seen.length === 5);
    expect(seen.every((o) => !o.shed && o.status === 200)).toBe(true);
  });

  it('re-throws a queued handler’s throw to the host, as for one run at once, and runs the rest of the queue', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = make(
      { limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: 1000 } },
      { onError },
    );
    const seen = record(s);
    const thrown: unknown[] = [];
    const listener = wrapListener(s, (req, res) => {
      spin(15); // the later requests of the turn are queued
      if (req.url?.startsWith('/bad') === true) {
        const e = new Error(`handler bug ${req.url}`);
        thrown.push(e);
        throw e;
      }
      res.end('done');
    });
    await catchingUncaught(async (uncaught) => {
      const paths = ['/ok-a', '/bad-b', '/bad-c', '/ok-d'];
      const { sockets, received } = await sendTogether(http.createServer(listener), paths);
      await until(() => received()[3]!.includes('done') && uncaught.length === 2, 3_000);
      expect(s.stats().deferred).toBe(3);
      // The host gets its own errors, as an uncaught exception; the sidecar reports nothing.
      expect(uncaught).toEqual(thrown);
      expect(errors).toEqual([]);
      expect(s.stats().internalErrors).toBe(0);
      expect(received().map((r) => r.split('\r\n')[0])).toEqual([
        'HTTP/1.1 200 OK',
        '',
        '',
        'HTTP/1.1 200 OK',
      ]);
      for (const c of sockets) c.destroy();
      await until(() => seen.length === 4);
      expect(seen.map((o) => [o.route, o.status]).sort()).toEqual([
        ['/bad-b', 500],
        ['/bad-c', 500],
        ['/ok-a', 200],
        ['/ok-d', 200],
      ]);
    });
  });

  it('sheds what does not fit in the queue, and queued requests that waited past maxQueueMs', async () => {
    // Each request takes 30 ms; the queue may hold 20 ms of work (two requests at the initial
    // estimate of one 10 ms turn each), and a queued request may wait at most 20 ms.
    const s = make({ limiter: false, overload: { maxTurnDelayMs: 10, maxQueueMs: 20 } });
    const listener = wrapListener(s, busy(30));
    const statuses = await burst(listener, 6);
    const url = await listen(listener);
    const st = s.stats();
    expect(st.deferred).toBe(2);
    // The first ran; three were shed on arrival. Waits count from when the server read the
    // request: the first queued one ran at once after it, the second then waited ≥ 30 ms.
    expect(statuses.filter((c) => c === 200)).toHaveLength(2);
    expect(st.shedByTurnDelay).toBe(4);
    expect(st.queued).toBe(0);
    expect((await request(url)).status).toBe(200);
  });

  it('measures real event-loop delay with perf_hooks', async () => {
    // The probe itself: a 150 ms block shows in the delay read after it.
    const probe = createLoadProbe(5);
    await sleep(30);
    let end = performance.now() + 150;
    while (performance.now() < end); // block the loop
    await sleep(20);
    expect(probe.eventLoopDelayMs()).toBeGreaterThan(50);
    probe.close();

    // Through the sidecar. Each check reports the delay since the previous one, so the
    // reading stays in stats() for one check interval: 100 ms, long enough for the polling
    // below to see it on a busy machine (with 20 ms it could be overwritten between polls).
    const s = make({
      overload: { checkIntervalMs: 100, resolutionMs: 5, maxEventLoopDelayMs: 1000 },
    });
    await sleep(30);
    end = performance.now() + 150;
    while (performance.now() < end); // block the loop
    await until(() => s.stats().eventLoopDelayMs > 50, 5_000);
    expect(s.stats().shedFraction).toBe(0); // under the 1 s target
  });

  it('rate limits per key with 429 + Retry-After', async () => {
    const s = make(
      { rateLimit: { ratePerSecond: 1, burst: 2 } },
      { rateLimitKey: (req) => String(req.headers['x-user']) },
    );
    const url = await listen(wrapListener(s, ok));
    const a = async (): Promise<number> =>
      (await request(url, { headers: { 'x-user': 'a' } })).status;
    expect([await a(), await a()]).toEqual([200, 200]);
    const limited = await request(url, { headers: { 'x-user': 'a' } });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await request(url, { headers: { 'x-user': 'b' } })).status).toBe(200);
  });

  it('answers 503 when a route times out and makes the late write harmless', async () => {
    const s = make({ timeouts: { routes: [{ prefix: '/slow', ms: 50 }] } });
    const seen = record(s);
    let lateWrite = false;
    const url = await listen(
      wrapListener(s, async (req, res) => {
        if (req.url === '/slow') {
          await sleep(150);
          res.writeHead(200);
          res.end('late');
          lateWrite = true;
          return;
        }
        res.end('fast');
      }),
    );
    const r = await request(`${url}/slow`);
    expect(r.status).toBe(503);
    expect(r.body).toContain('timed out');
    expect((await request(`${url}/other`)).status).toBe(200);
    await until(() => lateWrite);
    await until(() => seen.length === 2);
    expect(seen.find((o) => o.route === '/slow')!.status).toBe(503);
    expect(s.stats().timedOut).toBe(1);
  });

  it('answers a timeout with a 503 of its own, without the headers the handler had set', async () => {
    const s = make({ timeouts: { routes: [{ prefix: '/slow', ms: 30 }] } });
    const url = await listen(
      wrapListener(s, async (req, res) => {
        if (req.url === '/slow') {
          res.statusMessage = 'Fine';
          res.setHeader('content-length', '1000');
          res.setHeader('content-encoding', 'gzip');
          res.setHeader('set-cookie', 'session=abc');
          res.setHeader('date', 'Thu, 01 Jan 1970 00:00:00 GMT');
          res.setHeader('connection', 'keep-alive');
          await sleep(100);
          res.end(Buffer.alloc(1000));
          return;
        }
        res.end('fast');
      }),
    );
    // One keep-alive connection: a 503 framed by the handler's `Content-Length` would leave the
    // client waiting for 1,000 bytes, and the next response would never be read.
    const client = await RawClient.open(url);
    const head = new Promise<string>((resolve) =>
      client.socket.once('data', (d: Buffer) => resolve(d.toString('latin1'))),
    );
    const within = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([
        p,
        sleep(1000).then(() => Promise.reject(new Error('response not framed as sent'))),
      ]);
    client.send('/slow');
    expect(await within(client.response())).toMatchObject({ status: 503 });
    const text = (await head).toLowerCase();
    expect(text).toMatch(/^http\/1\.1 503 service unavailable\r\n/);
    expect(text).not.toMatch(/content-encoding|set-cookie|fine|1970/);
    // Dropping the handler's `Date` and `Connection` leaves Node to send its own, as on any
    // response.
    expect(text).toContain('\r\ndate: ');
    expect(text).toContain('\r\nconnection: keep-alive');
    expect(text).toContain('retry-after: 1');
    client.send('/fast');
    expect(await within(client.response())).toMatchObject({ status: 200 });
    client.close();
  });

  it('makes every later header or write call of a timed-out handler a no-op', async () => {
    const s = make({ timeouts: { defaultMs: 20 } });
    const failures: unknown[] = [];
    const done: string[] = [];
    const url = await listen(
      wrapListener(s, async (req, res) => {
        await sleep(60); // answered 503 by now
        try {
          res.setHeader('x-a', '1');
          res.appendHeader('x-a', '2');
          res.setHeaders(new Map([['x-b', '1']]));
          res.removeHeader('x-a');
          res.writeEarlyHints({ link: '</a.css>; rel=preload' });
          res.writeContinue();
          res.writeProcessing();
          res.flushHeaders();
          res.addTrailers({ 'x-c': '1' });
          res.writeHead(200, { 'x-d': '1' });
          res.write('late');
          res.end('late');
          done.push(req.url ?? '');
        } catch (e) {
          failures.push(e);
        }
      }),
    );
    const r = await request(`${url}/a`);
    expect(r.status).toBe(503);
    expect(r.body).toContain('timed out');
    await until(() => done.length + failures.length === 1);
    expect(failures).toEqual([]);
  });

  it('calls back a timed-out handler that waits for its writes, as Node does after an answer', async () => {
    const s = make({ timeouts: { defaultMs: 20 } });
    const done: string[] = [];
    const url = await listen(
      wrapListener(s, async (req, res) => {
        await sleep(60); // answered 503 by now
        // Backpressure-aware streaming: each write awaited through its callback.
        await new Promise<void>((resolve) => res.write('late', () => resolve()));
        await new Promise<void>((resolve) => res.write('late', 'utf8', () => resolve()));
        await new Promise<void>((resolve) => res.writeEarlyHints({ link: '</a.css>' }, resolve));
        await new Promise<void>((resolve) => res.writeProcessing(resolve));
        await new Promise<void>((resolve) => res.writeContinue(resolve));
        await new Promise<void>((resolve) => res.end('late', resolve));
        await new Promise<void>((resolve) => res.end(resolve));
        done.push(req.url ?? '');
      }),
    );
    const r = await request(`${url}/a`);
    expect(r.status).toBe(503);
    await until(() => done.length === 1);
    expect(done).toEqual(['/a']);
  });

  it('refuses, when made, what is not a sidecar or a listener, instead of failing every request', () => {
    const s = make();
    const handler = (_req: IncomingMessage, res: ServerResponse): void => void res.end();
    const notSidecars: unknown[] = [{}, createSidecar, undefined, null, 'sidecar'];
    const makers: [string, (x: unknown) => unknown][] = [
      ['wrapListener', (x) => wrapListener(x as Sidecar, handler)],
      ['expressSidecar', (x) => expressSidecar(x as Sidecar)],
      ['fastifySidecar', (x) => fastifySidecar(x as Sidecar)],
    ];
    /** The issue paths of the `ConfigError` from `source` that `fn` throws, or what it threw. */
    const refusal = (fn: () => unknown, source: string): unknown => {
      try {
        fn();
      } catch (e) {
        if (isHomeostatError(e) && e.code === 'CONFIG_INVALID') {
          const c = e as ConfigError;
          return c.source === source ? c.issues.map((i) => i.path) : c;
        }
        return e;
      }
      return 'not refused';
    };
    for (const [source, makeWith] of makers) {
      for (const x of notSidecars) expect(refusal(() => makeWith(x), source)).toEqual(['sidecar']);
      expect(typeof makeWith(s)).toBe('function');
    }
    expect(
      refusal(() => wrapListener(s, undefined as unknown as typeof handler), 'wrapListener'),
    ).toEqual(['listener']);
  });

  it('reports a route resolver that throws, guesses that route, and frees the request’s place', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = make({ limiter: { initialLimit: 1, maxLimit: 1 } }, { onError });
    const seen = record(s);
    const route = (req: IncomingMessage): string => {
      if (req.url === '/bad') throw new Error('bad route fn');
      return req.url ?? '';
    };
    const url = await listen(wrapListener(s, ok, { route }));
    expect((await request(`${url}/bad`)).status).toBe(200);
    // With a limit of one, this one is admitted only if the first released its slot.
    expect((await request(`${url}/good`)).status).toBe(200);
    await until(() => seen.length === 2);
    expect(seen.map((o) => [o.route, o.status])).toEqual([
      ['/bad', 200],
      ['/good', 200],
    ]);
    expect(errors.map((e) => e.code)).toEqual(['SIDECAR_FAILED']);
    expect(s.stats()).toMatchObject({ inFlight: 0, observed: 2, internalErrors: 1 });
    expect(s.stats().limiter?.inFlight).toBe(0);
  });

  it('fails open when a host callback throws, reporting a SidecarError', async () => {
    const { onError, errors } = createRecordingOnError();
    const s = make(
      {},
      {
        onError,
        partition: () => {
          throw new Error('bad partition fn');
        },
      },
    );
    const url = await listen(wrapListener(s, ok));
    const r = await request(url);
    expect(r.status).toBe(200);
    expect(errors.map((e) => e.code)).toContain('SIDECAR_FAILED');
    expect(s.stats().internalErrors).toBe(1);
  });
});
