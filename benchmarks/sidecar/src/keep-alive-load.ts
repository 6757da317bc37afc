/**
 * A minimal closed-loop HTTP/1.1 load generator over persistent connections, for the
 * interleaved overhead measurement (`interleaved.ts`). Unlike an autocannon run, it can be
 * switched on and off many times a second without opening new connections, and it spends
 * less CPU per request than autocannon does, so the server it drives stays saturated.
 */
import net from 'node:net';

/** What {@link parseResponses} found in a buffer of response bytes. */
export interface ParsedResponses {
  /** Bytes taken by the complete responses found (the rest is the start of the next one). */
  readonly consumed: number;
  /** Status code of each complete response, in order. */
  readonly statuses: number[];
}

const HEAD_END = Buffer.from('\r\n\r\n');
/** A response head longer than this is not what the benchmark servers send. */
const MAX_HEAD = 16 * 1024;

/**
 * Splits complete HTTP/1.1 responses off the front of `buf`. Every response must carry a
 * `Content-Length` (the benchmark servers always send one); anything else is an error naming
 * what was received, since counting it as a response would be a guess.
 */
export function parseResponses(buf: Buffer): ParsedResponses {
  const statuses: number[] = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf(HEAD_END, at);
    if (end < 0) {
      if (buf.length - at > MAX_HEAD) {
        throw new Error(`keep-alive load: no end of response head within ${MAX_HEAD} bytes`);
      }
      break;
    }
    const head = buf.toString('latin1', at, end);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (status === null) {
      throw new Error(
        `keep-alive load: not an HTTP/1.1 status line: ${JSON.stringify(head.slice(0, 40))}`,
      );
    }
    const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(head);
    if (length === null) {
      throw new Error(
        `keep-alive load: response ${status[1]} has no Content-Length (chunked or close-delimited bodies are not supported)`,
      );
    }
    const next = end + HEAD_END.length + Number(length[1]);
    if (next > buf.length) break;
    statuses.push(Number(status[1]));
    at = next;
  }
  return { consumed: at, statuses };
}

/** One connection of a {@link KeepAliveLoad}. */
interface Conn {
  readonly socket: net.Socket;
  /** Bytes received and not yet parsed. */
  pending: Buffer | undefined;
  /** A request is out and its response not yet complete. */
  busy: boolean;
}

/**
 * `connections` persistent connections to one server, each sending `GET path` as soon as the
 * previous answer is complete while the load is on ({@link start}/{@link stop}).
 */
export class KeepAliveLoad {
  /** Complete responses received since the connections opened. */
  completed = 0;
  /** Of those, responses with a 2xx status. */
  ok = 0;
  /** Of those, responses with a status outside 2xx. */
  non2xx = 0;
  private on = false;
  private closed = false;
  private failure: Error | undefined;
  private readonly conns: Conn[] = [];
  private readonly request: Buffer;

  private constructor(
    readonly host: string,
    readonly port: number,
    path: string,
  ) {
    this.request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`, 'latin1');
  }

  /** Opens `connections` connections to `url` (an `http://host:port/path` URL). */
  static async open(url: string, connections: number): Promise<KeepAliveLoad> {
    const u = new URL(url);
    if (u.protocol !== 'http:') throw new Error(`keep-alive load: not an http URL: ${url}`);
    if (!(Number.isInteger(connections) && connections >= 1)) {
      throw new RangeError(
        `keep-alive load: connections must be an integer ≥ 1, got ${connections}`,
      );
    }
    const load = new KeepAliveLoad(u.hostname, Number(u.port || 80), u.pathname + u.search);
    await Promise.all(Array.from({ length: connections }, () => load.connect()));
    return load;
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(this.port, this.host);
      socket.setNoDelay(true);
      const conn: Conn = { socket, pending: undefined, busy: false };
      socket.once('connect', () => {
        this.conns.push(conn);
        resolve();
      });
      socket.on('error', (error) => {
        this.fail(
          new Error(
            `keep-alive load: connection to ${this.host}:${this.port} failed: ${error.message}`,
          ),
        );
        reject(error);
      });
      socket.on('end', () => {
        if (!this.closed)
          this.fail(new Error(`keep-alive load: ${this.host}:${this.port} closed a connection`));
      });
      socket.on('data', (data: Buffer) => this.receive(conn, data));
    });
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.on = false;
  }

  private receive(conn: Conn, data: Buffer): void {
    const buf = conn.pending === undefined ? data : Buffer.concat([conn.pending, data]);
    let parsed: ParsedResponses;
    try {
      parsed = parseResponses(buf);
    } catch (error) {
      this.fail(error as Error);
      conn.socket.destroy();
      return;
    }
    conn.pending = parsed.consumed < buf.length ? buf.subarray(parsed.consumed) : undefined;
    const n = parsed.statuses.length;
    if (n === 0) return;
    this.completed += n;
    for (const s of parsed.statuses) {
      if (s >= 200 && s <= 299) this.ok++;
      else this.non2xx++;
    }
    conn.busy = false;
    if (this.on) this.send(conn);
  }

  private send(conn: Conn): void {
    conn.busy = true;
    conn.socket.write(this.request);
  }

  /** Turns the load on: every idle connection sends, and keeps sending until {@link stop}. */
  start(): void {
    this.check();
    this.on = true;
    for (const c of this.conns) if (!c.busy) this.send(c);
  }

  /** Turns the load off: connections send nothing new (answers in flight still arrive). */
  stop(): void {
    this.on = false;
    this.check();
  }

  /** Throws the first failure seen on any connection (a closed connection, a bad response). */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Closes every connection. */
  close(): void {
    this.closed = true;
    this.on = false;
    for (const c of this.conns) c.socket.destroy();
  }
}
