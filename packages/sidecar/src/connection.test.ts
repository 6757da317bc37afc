// How the sidecar learns that responses ended (internal/connection.ts), end to end: real
// servers, raw client connections, so that keep-alive, pipelining and aborts are exact.
import { afterEach, describe, expect, it } from 'vitest';
import type { IncomingMessage, ServerResponse } from 'node:http';
import http, { type Server } from 'node:http';
import http2 from 'node:http2';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { RequestObservation } from '@homeostat/core';
import { createSidecar, type Sidecar, type SidecarOptions } from './create-sidecar.js';
import { wrapListener } from './wrap-listener.js';
import { emitsAllTo, writtenBytes } from './internal/connection.js';
import {
  closeAll,
  exchange,
  gatedListener,
  listen,
  RawClient,
  sleep,
  subscribed,
  until,
} from './internal/test-http.js';

const sidecars: Sidecar[] = [];
afterEach(async () => {
  for (const s of sidecars.splice(0)) s.close();
  await closeAll();
});

function make(options: SidecarOptions = {}): { s: Sidecar; seen: RequestObservation[] } {
  const s = createSidecar({ overload: false, ...options });
  sidecars.push(s);
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  return { s, seen };
}

/** Answers `/size/N` with N bytes of body, `/stream/N` with N one-byte chunks, else `ok`. */
function sized(_req: IncomingMessage, res: ServerResponse): void {
  const url = _req.url ?? '/';
  const n = Number(url.split('/')[2] ?? 0);
  if (url.startsWith('/size/')) {
    res.end('x'.repeat(n));
  } else if (url.startsWith('/stream/')) {
    for (let i = 0; i < n; i++) res.write('y');
    res.end();
  } else {
    res.end('ok');
  }
}

/**
 * `sized`, plus `/nocontent` (204) and `/declared/N` (a `Content-Length` of N given to
 * `writeHead`, then N bytes, the way Fastify sends).
 */
function framed(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  if (url === '/nocontent') {
    res.statusCode = 204;
    res.end();
  } else if (url.startsWith('/declared/')) {
    const n = Number(url.split('/')[2]);
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(n) });
    res.end('z'.repeat(n));
  } else sized(req, res);
}

/**
 * Splits what a connection received into its responses' sizes, an interim `1xx` response
 * counted with the response it precedes; `bodies[i]` is false where response i has no body
 * whatever its head says (an answer to `HEAD`, a 204).
 */
function responseSizes(received: Buffer, bodies: readonly boolean[]): number[] {
  const sizes: number[] = [];
  let at = 0;
  let interim = 0;
  while (sizes.length < bodies.length) {
    const end = received.indexOf('\r\n\r\n', at);
    if (end < 0) throw new Error(`incomplete head after ${at} bytes`);
    const head = received.toString('latin1', at, end);
    let next = end + 4;
    if (/^HTTP\/1\.1 1\d\d/.test(head)) {
      interim += next - at;
      at = next;
      continue;
    }
    if (bodies[sizes.length]!) {
      const length = /\r\ncontent-length: (\d+)/i.exec(head);
      if (length !== null) next += Number(length[1]);
      else next = received.indexOf('\r\n0\r\n\r\n', end) + 7;
    }
    sizes.push(interim + next - at);
    interim = 0;
    at = next;
  }
  expect(at).toBe(received.length);
  return sizes;
}

/** Serves `answer` wrapped with `s`; `socket()` is the server's side of the last connection. */
async function listenWithSocket(
  s: Sidecar,
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; socket: () => Socket }> {
  let socket: Socket | undefined;
  const url = await listen(
    wrapListener(s, (req, res) => {
      socket = req.socket;
      answer(req, res);
    }),
  );
  return { url, socket: () => socket! };
}

/** `sized`, answering in a later event-loop turn (after the handler has returned). */
function sizedLater(req: IncomingMessage, res: ServerResponse): void {
  setImmediate(() => sized(req, res));
}

/** `sized`, answering in the first microtask after the handler returns (an async handler's). */
function sizedSoon(req: IncomingMessage, res: ServerResponse): void {
  void Promise.resolve().then(() => sized(req, res));
}

/** `sized`, answering three microtasks after the handler returns, still in the same turn. */
function sizedFewMicrotasksLater(req: IncomingMessage, res: ServerResponse): void {
  void Promise.resolve()
    .then(() => undefined)
    .then(() => undefined)
    .then(() => sized(req, res));
}

/**
 * Responses ended while their handler runs are observed when it returns; those ended in a
 * microtask queued before it returned, once that has run; the others (a few microtasks later
 * among them) through Node's finish channel. All must charge every response exactly its own
 * bytes.
 */
const timings = [
  { when: 'ended while the handler runs', answer: sized },
  { when: 'ended in the microtask after the handler returned', answer: sizedSoon },
  { when: 'ended a few microtasks after the handler returned', answer: sizedFewMicrotasksLater },
  { when: 'ended after the handler returned', answer: sizedLater },
];

describe.each(timings)('response sizes, $when', ({ answer }) => {
  it('charges each response on a keep-alive connection exactly its own bytes', async () => {
    const { s, seen } = make();
    const url = await listen(wrapListener(s, answer));
    const sizes = await exchange(url, [
      '/size/10',
      '/size/5000',
      '/stream/7',
      '/size/0',
      '/size/10',
    ]);
    await until(() => seen.length === 5);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
    expect(seen.map((o) => o.route)).toEqual([
      '/size/:id',
      '/size/:id',
      '/stream/:id',
      '/size/:id',
      '/size/:id',
    ]);
    expect(seen.every((o) => o.status === 200)).toBe(true);
  });

  it('charges bodiless answers, declared lengths and interim 100 Continue answers exactly', async () => {
    const { s, seen } = make();
    const url = await listen(
      wrapListener(s, answer === sized ? framed : (q, r) => setImmediate(() => framed(q, r))),
    );
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const requests = [
      ['HEAD /size/10 HTTP/1.1\r\nHost: t\r\n\r\n', false],
      ['GET /nocontent HTTP/1.1\r\nHost: t\r\n\r\n', false],
      ['GET /declared/4 HTTP/1.1\r\nHost: t\r\n\r\n', true],
      [
        'POST /size/3 HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nab',
        true,
      ],
      ['GET /stream/3 HTTP/1.1\r\nHost: t\r\n\r\n', true],
      ['GET /size/10 HTTP/1.1\r\nHost: t\r\n\r\n', true],
    ] as const;
    for (const [i, [text]] of requests.entries()) {
      socket.write(text);
      await until(() => seen.length === i + 1);
    }
    // Every response has been handed to the socket; give the last bytes time to arrive.
    const total = seen.reduce((sum, o) => sum + (o.bytesOut ?? 0), 0);
    await until(() => received.length >= total);
    socket.destroy();
    expect(seen.map((o) => o.bytesOut)).toEqual(
      responseSizes(
        received,
        requests.map((r) => r[1]),
      ),
    );
    expect(seen.map((o) => o.status)).toEqual([200, 204, 200, 200, 200, 200]);
    expect(received.toString('latin1')).toContain('HTTP/1.1 100 Continue');
  });

  it('does not charge a watched response for responses on its connection that it did not watch', async () => {
    const { s, seen } = make();
    const wrapped = wrapListener(s, answer);
    // Only /watched/… goes through the sidecar; the host answers everything else itself.
    const url = await listen((req, res) => {
      if (req.url?.startsWith('/watched/') === true) {
        req.url = req.url.slice('/watched'.length);
        void wrapped(req, res);
      } else {
        answer(req, res);
      }
    });
    const client = await RawClient.open(url);
    const watched: number[] = [];
    for (const path of [
      '/size/3000',
      '/watched/size/20',
      '/size/777',
      '/size/1',
      '/watched/size/9',
    ]) {
      client.send(path);
      const r = await client.response();
      if (path.startsWith('/watched/')) watched.push(r.bytes);
    }
    client.close();
    await until(() => seen.length === 2);
    expect(seen.map((o) => o.bytesOut)).toEqual(watched);
  });

  it('observes pipelined requests in order, each with its own bytes', async () => {
    const { s, seen } = make();
    const url = await listen(
      wrapListener(s, async (req, res) => {
        if (req.url === '/size/40') await sleep(30); // the second answer waits behind the first
        answer(req, res);
      }),
    );
    const sizes = await exchange(url, ['/size/40', '/size/3', '/stream/4'], true);
    await until(() => seen.length === 3);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
    expect(seen.map((o) => o.route)).toEqual(['/size/:id', '/size/:id', '/stream/:id']);
  });

  it('observes pipelined requests answered as soon as they run, in order, each with its own bytes', async () => {
    const { s, seen } = make();
    const url = await listen(wrapListener(s, answer));
    const sizes = await exchange(url, ['/size/40', '/size/3', '/stream/4', '/size/0'], true);
    await until(() => seen.length === 4);
    // In the order sent, each with the route and size of its own response.
    const expected = ['/size/:id', '/size/:id', '/stream/:id', '/size/:id'];
    expect(seen.map((o) => `${o.route} ${o.bytesOut}`)).toEqual(
      expected.map((route, i) => `${route} ${sizes[i]}`),
    );
    expect(s.stats().inFlight).toBe(0);
  });

  it('lets two sidecars wrapped around one listener each observe every request once', async () => {
    const outer = make();
    const inner = make();
    const url = await listen(wrapListener(outer.s, wrapListener(inner.s, answer)));
    const client = await RawClient.open(url);
    const sizes: number[] = [];
    for (const path of ['/size/100', '/size/1']) {
      client.send(path);
      sizes.push((await client.response()).bytes);
    }
    client.close();
    await until(() => outer.seen.length === 2 && inner.seen.length === 2);
    expect(outer.seen.map((o) => o.bytesOut)).toEqual(sizes);
    expect(inner.seen.map((o) => o.bytesOut)).toEqual(sizes);
  });

  it('charges responses by their own bytes when those ended in and after the handler alternate', async () => {
    const { s, seen } = make({ intervalMs: 10 });
    let n = 0;
    // Every other response outlives its handler; ticks in between give the channel up.
    const url = await listen(
      wrapListener(s, (req, res) => ((n++ & 1) === 0 ? answer : sizedLater)(req, res)),
    );
    const client = await RawClient.open(url);
    const sizes: number[] = [];
    for (const path of ['/size/10', '/size/300', '/stream/5', '/size/0', '/size/2000', '/size/1']) {
      client.send(path);
      sizes.push((await client.response()).bytes);
      await sleep(25);
    }
    client.close();
    await until(() => seen.length === 6);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
  });
});

describe('response ends, seen through the finish channel', () => {
  it('observes a client that leaves before its answer as 499, and frees its slot', async () => {
    const { s, seen } = make();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const url = await listen(
      wrapListener(s, async (req, res) => {
        if (req.url === '/slow') await gate;
        res.end('late');
      }),
    );
    const client = await RawClient.open(url);
    client.send('/fast');
    await client.response();
    client.send('/slow');
    await until(() => s.stats().inFlight === 1);
    client.close();
    await until(() => seen.length === 2);
    expect(seen[1]).toMatchObject({ route: '/slow', status: 499, bytesOut: 0 });
    expect(s.stats().inFlight).toBe(0);
    expect(s.stats().limiter?.inFlight).toBe(0);
    release();
  });

  it('observes pipelined answers that never went out as 499 when the client leaves, and the one being sent with its status', async () => {
    const { s, seen } = make();
    const url = await listen(
      wrapListener(s, (req, res) => {
        if (req.url === '/part') {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial'); // headers and some body sent; never ended
          return;
        }
        res.end('buffered'); // ended in its handler, but waiting behind `/part`
      }),
    );
    const client = await RawClient.open(url);
    const first = new Promise<void>((resolve) => client.socket.once('data', () => resolve()));
    client.send('/part', '/a', '/b');
    await first;
    await until(() => s.stats().inFlight === 3);
    client.close();
    await until(() => seen.length === 3);
    expect(seen.map((o) => [o.route, o.status, (o.bytesOut ?? 0) > 0])).toEqual([
      ['/part', 200, true],
      ['/a', 499, false],
      ['/b', 499, false],
    ]);
    expect(s.stats().inFlight).toBe(0);
  });

  it('subscribes to the channel only while responses outlive their handlers, and leaves other servers alone', async () => {
    // Nothing else in this file holds the channel between tests.
    expect(subscribed()).toBe(false);
    const { s, seen } = make({ intervalMs: 10 });
    expect(subscribed()).toBe(false);
    let later = false;
    const plain = await listen(sizedLater);
    const wrapped = await listen(
      wrapListener(s, (req, res) => (later ? sizedLater : sized)(req, res)),
    );
    const ask = async (url: string): Promise<void> => {
      const client = await RawClient.open(url);
      client.send('/size/12');
      expect((await client.response()).status).toBe(200);
      client.close();
    };

    await ask(wrapped); // ended by its handler: no channel needed
    await until(() => seen.length === 1);
    expect(subscribed()).toBe(false);
    const soon = await listen(wrapListener(s, sizedSoon));
    await ask(soon); // ended in the microtask after its handler: none either
    await until(() => seen.length === 2);
    expect(seen[1]).toMatchObject({ status: 200, bytesOut: seen[0]!.bytesOut });
    expect(subscribed()).toBe(false);
    seen.splice(1, 1);

    later = true;
    await ask(wrapped);
    await until(() => seen.length === 2);
    expect(seen[1]).toMatchObject({ status: 200, bytesOut: seen[0]!.bytesOut });
    await ask(plain); // while subscribed: another server's responses are not observed
    await sleep(20);
    expect(seen).toHaveLength(2);
    // Given up once a whole interval passed without such a response.
    await until(() => !subscribed());

    await ask(wrapped);
    await until(() => seen.length === 3);
    expect(subscribed()).toBe(true);
    s.close();
    sidecars.splice(sidecars.indexOf(s), 1);
    expect(subscribed()).toBe(false);
    await ask(wrapped);
    await sleep(20);
    expect(seen).toHaveLength(3);
  });

  it('leaves nothing waiting on a connection whose responses ended in the microtask after their handler', async () => {
    const { s, seen } = make();
    const { url, socket } = await listenWithSocket(s, sizedSoon);
    const client = await RawClient.open(url);
    for (let i = 0; i < 5; i++) {
      client.send('/size/7');
      await client.response();
    }
    await until(() => seen.length === 5);
    expect(subscribed()).toBe(false);
    // The sidecar's record of the connection (a symbol-keyed property of the socket).
    const key = Object.getOwnPropertySymbols(socket()).find(
      (k) => k.description === 'homeostat.sidecar.connection',
    );
    const record = (socket() as unknown as Record<symbol, { head: unknown } | undefined>)[key!];
    expect(record).toBeDefined();
    expect(record!.head).toBeUndefined();
    client.close();
  });

  it('observes an answer ended in the microtask after its handler but still being written then', async () => {
    const { s, seen } = make();
    // More than a socket's send buffer holds (4 MB at most by Linux's defaults): written over
    // many turns, after the second look.
    const url = await listen(wrapListener(s, sizedSoon));
    const sizes = await exchange(url, ['/size/8000000', '/size/5']);
    await until(() => seen.length === 2);
    expect(seen.map((o) => o.bytesOut)).toEqual(sizes);
    expect(sizes[0]).toBeGreaterThan(8_000_000);
    expect(s.stats().inFlight).toBe(0);
    // Its end was left to the channel, still held (for an aggregation interval).
    expect(subscribed()).toBe(true);
  });

  it('keeps the channel while a response is in flight, however many intervals it takes', async () => {
    const { s, seen } = make({ intervalMs: 10 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const url = await listen(
      wrapListener(s, async (req, res) => {
        await gate;
        sized(req, res);
      }),
    );
    const client = await RawClient.open(url);
    client.send('/size/321');
    await until(() => s.stats().inFlight === 1);
    await sleep(60); // several aggregation intervals
    expect(subscribed()).toBe(true);
    release();
    const bytes = (await client.response()).bytes;
    client.close();
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ status: 200, bytesOut: bytes });
    await until(() => !subscribed());
  });

  it('sees the end of responses in flight when it closes, freeing their places, then gives up the channel', async () => {
    const { s } = make({ limiter: { initialLimit: 1, minLimit: 1, maxLimit: 1 } });
    const { listener, release } = gatedListener();
    const url = await listen(wrapListener(s, listener));
    const client = await RawClient.open(url);
    client.send('/slow');
    await until(() => s.stats().inFlight === 1);
    s.close(); // on shutdown, say, with the connection still open
    release();
    expect((await client.response()).status).toBe(200);
    await until(() => s.stats().inFlight === 0);
    expect(s.stats().limiter?.inFlight).toBe(0);
    expect(subscribed()).toBe(false);
    // Requests still reaching the closed sidecar run as before: its one place is free.
    client.send('/fast');
    expect((await client.response()).status).toBe(200);
    expect(s.stats()).toMatchObject({ inFlight: 0, observed: 2, shed: 0 });
    client.close();
  });

  it('sees the end of a closed sidecar’s later responses itself, not through another sidecar’s hold on the channel', async () => {
    const { s: closed } = make();
    const { s: other } = make({ intervalMs: 10 });
    closed.close();
    let releaseOther!: () => void;
    const otherGate = new Promise<void>((r) => (releaseOther = r));
    const otherUrl = await listen(
      wrapListener(other, async (_req, res) => {
        await otherGate;
        res.end('other');
      }),
    );
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const url = await listen(
      wrapListener(closed, async (_req, res) => {
        await gate;
        res.end('done');
      }),
    );
    const otherClient = await RawClient.open(otherUrl);
    otherClient.send('/x');
    await until(() => subscribed()); // the open sidecar holds the channel
    const client = await RawClient.open(url);
    client.send('/slow');
    await until(() => closed.stats().inFlight === 1);
    releaseOther();
    await otherClient.response();
    await until(() => !subscribed()); // and gives it up an interval later
    release();
    expect((await client.response()).status).toBe(200);
    await until(() => closed.stats().inFlight === 0);
    expect(closed.stats().limiter?.inFlight).toBe(0);
    client.close();
    otherClient.close();
  });

  it('sees the end of a response left for a second look when the sidecar closes before it', async () => {
    const { s } = make();
    const wrapped = wrapListener(s, sizedFewMicrotasksLater);
    const url = await listen((req, res) => {
      void wrapped(req, res);
      s.close(); // on shutdown, say: after the handler returned, before the second look
    });
    const client = await RawClient.open(url);
    client.send('/size/5');
    expect((await client.response()).status).toBe(200);
    await until(() => s.stats().inFlight === 0);
    expect(s.stats().limiter?.inFlight).toBe(0);
    expect(subscribed()).toBe(false);
    client.close();
  });

  it('delivers observations at the end of the event-loop turn, not inside the response', async () => {
    const { s, seen } = make();
    let seenWhenFinished = -1;
    const url = await listen(
      wrapListener(s, (_req, res) => {
        res.on('finish', () => (seenWhenFinished = seen.length));
        res.end('ok');
      }),
    );
    const client = await RawClient.open(url);
    client.send('/');
    await client.response();
    client.close();
    await until(() => seen.length === 1);
    expect(seenWhenFinished).toBe(0);
  });

  it('delivers each observation once when a subscriber reads the metrics while responses of the same turn wait', async () => {
    const { s } = make();
    const seen: RequestObservation[] = [];
    const counts: string[] = [];
    s.observations$.subscribe((o) => {
      seen.push(o);
      // Folds the turn's other ended requests into the aggregates from inside the delivery.
      counts.push(/homeostat_http_requests_total\{[^}]*\} (\d+)/.exec(s.metricsText())?.[1] ?? '');
    });
    const held: ServerResponse[] = [];
    const url = await listen(
      wrapListener(s, (req, res) => {
        held.push(res);
        // The four responses end together, so that they finish in one event-loop turn.
        if (held.length === 4) for (const r of held.splice(0)) r.end(req.url);
      }),
    );
    const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.open(url)));
    clients.forEach((c, i) => c.send(`/c/${i}`));
    await Promise.all(clients.map((c) => c.response()));
    for (const c of clients) c.close();
    await until(() => seen.length >= 4);
    await sleep(20);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
    // The first delivery's metrics already counted all four (the rest were folded in then).
    expect(counts).toEqual(['4', '4', '4', '4']);
  });

  it('gives the limiter each finished request’s latency', async () => {
    const { s, seen } = make();
    const url = await listen(wrapListener(s, (_req, res) => void setTimeout(() => res.end(), 5)));
    const client = await RawClient.open(url);
    client.send('/');
    await client.response();
    client.close();
    await until(() => seen.length === 1);
    const limiter = s.stats().limiter!;
    expect(limiter.inFlight).toBe(0);
    // A fresh limiter's averages start at its first sample.
    expect(seen[0]!.latencyMs).toBeGreaterThanOrEqual(4);
    expect(limiter.recentMs).toBeCloseTo(seen[0]!.latencyMs, 9);
    expect(limiter.baselineMs).toBeCloseTo(seen[0]!.latencyMs, 9);
  });

  it('falls back to the response’s own close for HTTP/2 (compatibility API)', async () => {
    const { s, seen } = make();
    // HTTP/2's compatibility objects are not node:http's types; a host can still pass them on.
    const listener = wrapListener(s, (_req, res) => res.end('h2'));
    const server = http2.createServer((req, res) => void listener(req as never, res as never));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const session = http2.connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const stream = session.request({ ':path': '/orders/7' });
      stream.resume();
      await new Promise((resolve) => stream.on('close', resolve));
      session.close();
      await until(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ route: '/orders/:id', status: 200 });
      // An HTTP/2 request may carry a body without declaring its length: its size is unknown.
      expect(seen[0]!.bytesIn).toBeUndefined();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

/**
 * On a server that emits every request to the wrapped listener, a response's bytes begin where
 * the previous response's ended; these are the requests that end without the sidecar seeing them.
 */
describe('where a response’s bytes begin on a connection', () => {
  async function exchange(client: RawClient, paths: string[], raw?: string): Promise<number[]> {
    const sizes: number[] = [];
    for (const path of paths) {
      if (path === 'raw') client.socket.write(raw!);
      else client.send(path);
      sizes.push((await client.response()).bytes);
    }
    return sizes;
  }

  it('does not count the sidecar’s own endpoints with the next response', async () => {
    const { s, seen } = make();
    const url = await listen(wrapListener(s, sized));
    const client = await RawClient.open(url);
    const paths = ['/size/10', '/healthz', '/size/300', '/readyz', '/healthz', '/size/7'];
    const sizes = await exchange(client, paths);
    client.close();
    await until(() => seen.length === 3);
    expect(sizes[1]).toBeGreaterThan(10); // the endpoints did answer, on the same connection
    expect(seen.map((o) => o.bytesOut)).toEqual([sizes[0], sizes[2], sizes[5]]);
  });

  it('does not count a request the sidecar failed to admit with the next response', async () => {
    let failNext = false;
    const errors: unknown[] = [];
    const s = createSidecar(
      { overload: false },
      {
        monotonic: {
          now: () => {
            if (failNext) {
              failNext = false;
              throw new Error('clock broke');
            }
            return performance.now();
          },
        },
        onError: (e) => errors.push(e),
      },
    );
    sidecars.push(s);
    const seen: RequestObservation[] = [];
    s.observations$.subscribe((o) => seen.push(o));
    const url = await listen(wrapListener(s, sized));
    const client = await RawClient.open(url);
    const sizes = await exchange(client, ['/size/10']);
    failNext = true; // the next request's start fails before it has a state: it runs unobserved
    sizes.push(...(await exchange(client, ['/size/2000', '/size/3'])));
    client.close();
    await until(() => seen.length === 2);
    expect(errors).toHaveLength(1);
    expect(seen.map((o) => o.bytesOut)).toEqual([sizes[0], sizes[2]]);
  });

  it('reads the count again where requests with expectations go to a listener of the host', async () => {
    const { s, seen } = make();
    const server: Server = http.createServer(wrapListener(s, sized));
    // The host answers some such requests itself; the sidecar never sees them.
    server.on('checkExpectation', (req, res) => {
      if (req.url === '/own') res.end('answered by the host');
      else server.emit('request', req, res);
    });
    const url = await listen(server);
    const client = await RawClient.open(url);
    const own = 'GET /own HTTP/1.1\r\nHost: test\r\nExpect: x-own\r\n\r\n';
    const sizes = await exchange(client, ['/size/10', 'raw', '/size/40'], own);
    client.close();
    await until(() => seen.length === 2);
    expect(sizes[1]).toBeGreaterThan(20);
    expect(seen.map((o) => o.bytesOut)).toEqual([sizes[0], sizes[2]]);
  });
});

describe('emitsAllTo', () => {
  it('is true only for a `request` listener of a server that has no 100-continue listeners', () => {
    const listener = (): void => {};
    const other = (): void => {};
    const one = http.createServer(listener);
    const two = http.createServer(other);
    two.on('request', listener);
    const withContinue = http.createServer(listener);
    withContinue.on('checkContinue', other);
    const withExpectation = http.createServer(listener);
    withExpectation.on('checkExpectation', other);
    expect(emitsAllTo(one, listener)).toBe(true);
    expect(emitsAllTo(two, listener)).toBe(true);
    expect(emitsAllTo(two, (): void => {})).toBe(false);
    expect(emitsAllTo(http.createServer(other), listener)).toBe(false);
    expect(emitsAllTo(withContinue, listener)).toBe(false);
    expect(emitsAllTo(withExpectation, listener)).toBe(false);
    expect(emitsAllTo(undefined, listener)).toBe(false);
    expect(emitsAllTo({}, listener)).toBe(false);
  });
});

describe('writtenBytes', () => {
  it('reads the bytes a real socket handed to the OS from its handle, not through `_handle`', async () => {
    const { s } = make();
    const served = await listenWithSocket(s, sized);
    const client = await RawClient.open(served.url);
    client.send('/size/3000');
    await client.response();
    const socket = served.socket();
    const real = socket.bytesWritten;
    expect(real).toBeGreaterThan(3000);
    expect(writtenBytes(socket)).toBe(real);
    // A `_handle` of the instance's own that lies: the count still comes from the real handle.
    Object.defineProperty(socket, '_handle', { value: { bytesWritten: 1 }, configurable: true });
    expect(writtenBytes(socket)).toBe(real);
    delete (socket as unknown as { _handle?: unknown })._handle;
    client.close();
    await until(() => socket.destroyed);
    // Once the handle is gone, the socket's own final count.
    expect(writtenBytes(socket)).toBe(socket.bytesWritten);
  });

  it('falls back to `_handle`, then to `bytesWritten`, for sockets not made by `net`', () => {
    const byHandle = { _handle: { bytesWritten: 42 }, bytesWritten: 7 } as unknown as Socket;
    const closed = { _handle: null, bytesWritten: 7 } as unknown as Socket;
    const bare = {} as unknown as Socket;
    expect(writtenBytes(byHandle)).toBe(42);
    expect(writtenBytes(closed)).toBe(7);
    expect(writtenBytes(bare)).toBe(0);
    expect(writtenBytes(null)).toBe(0);
    expect(writtenBytes(undefined)).toBe(0);
  });
});

describe('many requests of every kind on shared connections', () => {
  it('observes each once with its own bytes, and leaves nothing in flight', async () => {
    const { s, seen } = make({ intervalMs: 10 });
    // /now/N is answered in the handler, /soon/N in the microtask after it returned, /later/N
    // after it returned, /timer/N after 0–2 ms, /stream/N in chunks after it returned: responses
    // seen at the handler's return, after its microtasks and through the channel, on the same
    // connections, while the channel is given up and taken again.
    const url = await listen(
      // Each observation's route is its request's path, so a failure names the request.
      wrapListener(
        s,
        (req, res) => {
          const [, kind, n] = (req.url ?? '/').split('/');
          const size = Number(n);
          const answer = (): void => {
            if (kind !== 'stream') return void res.end('x'.repeat(size));
            for (let i = 0; i < size % 20; i++) res.write('y');
            res.end();
          };
          if (kind === 'now') answer();
          else if (kind === 'soon') void Promise.resolve().then(answer);
          else if (kind === 'timer') setTimeout(answer, size % 3);
          else if (kind === 'slow') setTimeout(answer, 500);
          else setImmediate(answer);
        },
        { route: (req) => req.url ?? '?' },
      ),
    );
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const kinds = ['now', 'soon', 'later', 'timer', 'stream'];
    /** `path bytes` of every answer the clients received. */
    const received: string[] = [];
    const clients = await Promise.all([0, 1, 2, 3].map(() => RawClient.open(url)));
    await Promise.all(
      clients.map(async (client) => {
        for (let i = 0; i < 40; i++) {
          // One to three requests at a time: pipelined when more than one.
          const paths = Array.from(
            { length: 1 + Math.floor(random() * 3) },
            () => `/${kinds[Math.floor(random() * kinds.length)]}/${Math.floor(random() * 3000)}`,
          );
          client.send(...paths);
          for (const path of paths) received.push(`${path} ${(await client.response()).bytes}`);
          if (i % 10 === 9) await sleep(25); // a few aggregation intervals
        }
        client.close();
      }),
    );
    // A client that leaves while its answer is pending.
    const leaving = await RawClient.open(url);
    leaving.send('/slow/1');
    await until(() => s.stats().inFlight === 1);
    leaving.close();

    await until(() => seen.length === received.length + 1);
    // Only the client that left is not answered; on failure this lists every other one whole.
    expect(seen.filter((o) => o.status !== 200)).toEqual([
      expect.objectContaining({ status: 499, route: '/slow/1' }),
    ]);
    // Each answer observed once, with the bytes its client received (a failure names the path).
    const answered = seen.filter((o) => o.status === 200).map((o) => `${o.route} ${o.bytesOut}`);
    expect(answered.sort()).toEqual(received.sort());
    expect(s.stats().inFlight).toBe(0);
    expect(s.stats().limiter?.inFlight).toBe(0);
  });
});
