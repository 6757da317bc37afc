// Test helpers: real servers on 127.0.0.1:0 and a small client. Used only by *.test.ts files.
import { hasSubscribers } from 'node:diagnostics_channel';
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Servers opened by {@link listen}; close them with {@link closeAll} in `afterEach`. */
const open = new Set<Server>();

/** Starts `server` (or a server around `listener`) on an ephemeral port; resolves its base URL. */
export async function listen(serverOrListener: Server | RequestListener): Promise<string> {
  const server =
    typeof serverOrListener === 'function' ? http.createServer(serverOrListener) : serverOrListener;
  open.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes every server opened by {@link listen}, dropping keep-alive connections. */
export async function closeAll(): Promise<void> {
  const servers = [...open];
  open.clear();
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** One request with a fresh connection (no agent), so tests never leak sockets. */
export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * A request listener that answers `done`, except to `/slow`, which it answers once `release()`
 * is called: a way to hold one request in flight.
 */
export function gatedListener(): {
  listener: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  release: () => void;
} {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const listener = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.url === '/slow') await gate;
    res.end('done');
  };
  return { listener, release };
}

/** Resolves after `ms` of real time. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A raw HTTP/1.1 client connection that reads whole responses, counting their bytes. */
export class RawClient {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      this.waiting?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  static async open(url: string): Promise<RawClient> {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  send(...paths: string[]): void {
    this.socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: test\r\n\r\n`).join(''));
  }

  /** The next complete response: its status and its size in bytes, head included. */
  async response(): Promise<{ status: number; bytes: number }> {
    for (;;) {
      const parsed = this.parse();
      if (parsed !== undefined) return parsed;
      if (this.closed) throw new Error('connection closed before a whole response');
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private parse(): { status: number; bytes: number } | undefined {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return undefined;
    const head = this.buffer.toString('latin1', 0, end);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)![1]);
    const length = /\r\ncontent-length: (\d+)/i.exec(head);
    let size: number;
    if (length !== null) {
      size = end + 4 + Number(length[1]);
    } else {
      // Chunked: find the terminating zero-length chunk.
      const last = this.buffer.indexOf('\r\n0\r\n\r\n', end);
      if (last < 0) return undefined;
      size = last + 7;
    }
    if (this.buffer.length < size) return undefined;
    this.buffer = this.buffer.subarray(size);
    return { status, bytes: size };
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Sends `paths` on one keep-alive connection, one after another or all at once (pipelined), and
 * returns the size of each response as the client received it.
 */
export async function exchange(
  url: string,
  paths: readonly string[],
  pipelined = false,
): Promise<number[]> {
  const client = await RawClient.open(url);
  const sizes: number[] = [];
  if (pipelined) client.send(...paths);
  for (const path of paths) {
    if (!pipelined) client.send(path);
    sizes.push((await client.response()).bytes);
  }
  client.close();
  return sizes;
}

/** Whether Node's finish channel has a subscriber (a sidecar holds it). */
export function subscribed(): boolean {
  return hasSubscribers('http.server.response.finish');
}

/**
 * Opens one connection per path to `server` (started here) and, once the server has accepted
 * them all, writes every request in one tick, so that the server reads them in one event-loop
 * turn (an in-process client can't send while the server blocks). Returns the connections and
 * what each has received so far, in path order.
 */
export async function sendTogether(
  server: Server,
  paths: readonly string[],
): Promise<{ sockets: net.Socket[]; received: () => string[] }> {
  let accepted = 0;
  server.on('connection', () => accepted++);
  const port = Number(new URL(await listen(server)).port);
  const sockets = await Promise.all(
    paths.map(
      () =>
        new Promise<net.Socket>((resolve) => {
          const c = net.connect(port, '127.0.0.1', () => resolve(c));
        }),
    ),
  );
  // A connection the server has not accepted yet would be read in a later turn.
  await until(() => accepted === paths.length, 5_000);
  const data = sockets.map(() => '');
  sockets.forEach((c, i) => {
    c.setEncoding('utf8');
    c.on('data', (d: string) => (data[i] += d));
    c.on('error', () => {});
  });
  sockets.forEach((c, i) => c.write(`GET ${paths[i]} HTTP/1.1\r\nHost: x\r\n\r\n`));
  return { sockets, received: () => [...data] };
}

/**
 * Runs `fn` with the process's `uncaughtException` listeners (vitest's among them) replaced by
 * one that records each error in the array `fn` is given; puts them back afterwards.
 */
export async function catchingUncaught<T>(fn: (uncaught: unknown[]) => Promise<T>): Promise<T> {
  const uncaught: unknown[] = [];
  const hooks = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', (e) => uncaught.push(e));
  try {
    return await fn(uncaught);
  } finally {
    process.removeAllListeners('uncaughtException');
    for (const h of hooks) process.on('uncaughtException', h);
  }
}

/** Does `ms` of CPU work, blocking the event loop. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
