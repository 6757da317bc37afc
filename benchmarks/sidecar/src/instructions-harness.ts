/**
 * A server that loads itself through a child process: a hello-world server (node:http, Express or
 * Fastify, with or without the sidecar) and a closed-loop load generator of `connections` raw
 * keep-alive connections, run in a child process, until `requests` responses have arrived.
 * Run under valgrind by `instructions.ts`, which counts the instructions of two such runs of
 * different lengths; valgrind does not follow the child, so the count is the server's alone.
 *
 * Usage: `node harness.mjs <node|express|express-app|fastify|fastify-async>
 * <bare|channel|noop|sidecar> <requests> [connections]`
 *
 * `express` runs the sidecar as Express middleware, `express-app` wrapping the whole app;
 * `noop` (Express only) is the bare app with a middleware that only calls `next()`. The
 * benchmark does not count Express in its full run (see `CountedFramework`); these are for
 * counting by hand.
 *
 * `fastify-async` is Fastify with the idiomatic `async` handler that returns its body: Fastify
 * sends the reply in a reaction to the handler's promise, after the handler has returned, so
 * the sidecar watches the response's end through Node's finish channel.
 *
 * `channel` is the bare server with a subscriber that does nothing on Node's
 * `http.server.response.finish` diagnostics channel: Node publishes a message for every
 * finished response only while that channel has a subscriber, so this variant counts what the
 * channel costs. The sidecar subscribes only while responses outlive their handlers (these do
 * not), so that is a reference figure, not part of the sidecar's (until 2026-12-06 it was).
 *
 * Everything that makes the instruction count vary from run to run is kept out: the client
 * counts whole responses by size (every response of one server has the same size) instead of
 * parsing them, nothing is timed, and the sidecar's aggregation interval is an hour. Under
 * valgrind the server runs some fifty times slower in wall-clock time, so a one-second
 * interval would fire fifty times more often per request than it does in a real server.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import dc from 'node:diagnostics_channel';
import net, { type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import Fastify from 'fastify';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSidecar, fastifySidecar, wrapListener } from '@homeostat/sidecar';

/** What one harness run does. */
export interface HarnessConfig {
  /**
   * `express`: Express with the sidecar as middleware; `express-app`: Express with the sidecar
   * wrapping the whole app (the same server when bare). `fastify-async`: Fastify, the handler
   * an `async` function that returns the body.
   */
  readonly framework: HarnessFramework;
  /**
   * `channel`: bare, with a no-op subscriber on `http.server.response.finish`. `noop`: bare
   * with a middleware that only calls `next()` (Express only: Express's own cost of a layer).
   */
  readonly variant: 'bare' | 'channel' | 'noop' | 'sidecar';
  /** Responses to wait for. */
  readonly requests: number;
  /** Keep-alive connections, each with one request outstanding. */
  readonly connections: number;
}

/** The servers the harness can run. */
export type HarnessFramework = 'node' | 'express' | 'express-app' | 'fastify' | 'fastify-async';
const HARNESS_FRAMEWORKS: readonly string[] = [
  'node',
  'express',
  'express-app',
  'fastify',
  'fastify-async',
] satisfies readonly HarnessFramework[];

const BODY = 'hello world';

/** Parses the harness's command line; throws naming the bad argument. */
export function parseHarnessArgs(argv: readonly string[]): HarnessConfig {
  const [framework, variant, requests, connections = '32'] = argv;
  if (framework === undefined || !HARNESS_FRAMEWORKS.includes(framework)) {
    throw new Error(
      `instructions harness: framework must be one of ${HARNESS_FRAMEWORKS.join(', ')}, got ${framework}`,
    );
  }
  if (variant !== 'bare' && variant !== 'channel' && variant !== 'noop' && variant !== 'sidecar') {
    throw new Error(
      `instructions harness: variant must be bare, channel, noop or sidecar, got ${variant}`,
    );
  }
  if (variant === 'noop' && framework !== 'express') {
    throw new Error(`instructions harness: the noop variant is Express's alone, got ${framework}`);
  }
  const n = Number(requests);
  const c = Number(connections);
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`instructions harness: requests must be a positive integer, got ${requests}`);
  }
  if (!Number.isInteger(c) || c < 1) {
    throw new Error(
      `instructions harness: connections must be a positive integer, got ${connections}`,
    );
  }
  return { framework: framework as HarnessFramework, variant, requests: n, connections: c };
}

/**
 * Runs one harness: serves `requests` requests sent by a load generator in a child process,
 * and resolves the number of requests its handler served once the load generator has
 * received every response and exited. Under valgrind (which does not follow children unless
 * told to) only the server's instructions are counted.
 */
export async function runHarness(config: HarnessConfig): Promise<number> {
  const sidecar =
    config.variant === 'sidecar'
      ? createSidecar({ service: 'bench', overload: false, intervalMs: 3_600_000 })
      : undefined;
  // A consumer of the observations and samples, as a host's loop would have.
  sidecar?.observations$.subscribe(() => {});
  sidecar?.samples$.subscribe(() => {});
  const noop = (): void => {};
  if (config.variant === 'channel') dc.subscribe('http.server.response.finish', noop);
  let served = 0;
  let port: number;
  let close: () => Promise<void>;
  if (
    config.framework === 'node' ||
    config.framework === 'express' ||
    config.framework === 'express-app'
  ) {
    let listener: (req: IncomingMessage, res: ServerResponse) => void;
    if (config.framework === 'node') {
      const handler = (_req: IncomingMessage, res: ServerResponse): void => {
        served++;
        res.setHeader('content-type', 'text/plain');
        res.end(BODY);
      };
      listener = sidecar ? wrapListener(sidecar, handler) : handler;
    } else {
      // The throughput benchmark's Express server. Loaded here, not at the top, so that the
      // other frameworks' runs load and allocate exactly what they did before Express joined
      // the harness (a heap laid out differently moves their counts).
      const { expressListener } = await import('./express-app.js');
      const mount =
        config.variant === 'noop'
          ? 'noop'
          : sidecar === undefined
            ? 'bare'
            : config.framework === 'express'
              ? 'middleware'
              : 'wrapped';
      listener = expressListener({ mount, sidecar, body: BODY, onRequest: () => served++ });
    }
    const server = http.createServer(listener);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close = () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
  } else {
    const app = Fastify({ logger: false });
    if (sidecar) await app.register(fastifySidecar(sidecar));
    if (config.framework === 'fastify-async') {
      app.get('/', async (_req, reply) => {
        served++;
        void reply.type('text/plain');
        return BODY;
      });
    } else {
      app.get('/', (_req, reply) => {
        served++;
        void reply.type('text/plain').send(BODY);
      });
    }
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
    close = () => app.close();
  }
  const request = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  const size = await responseSize(port, Buffer.from(request));
  served = 0;
  try {
    await runLoadGenerator({
      port,
      request,
      size,
      requests: config.requests,
      connections: config.connections,
    });
  } finally {
    sidecar?.close();
    if (config.variant === 'channel') dc.unsubscribe('http.server.response.finish', noop);
    await close();
  }
  return served;
}

/**
 * The load generator (`load-generator.mjs`, plain JavaScript beside this file; `instructions.ts`
 * copies it beside the bundle).
 */
const loadGeneratorFile = fileURLToPath(new URL('./load-generator.mjs', import.meta.url));

/** What the load generator is told: where, what to send, how much, how a response ends. */
interface LoadSpec {
  readonly port: number;
  readonly request: string;
  /** Bytes of one whole response. */
  readonly size: number;
  readonly requests: number;
  readonly connections: number;
}

/** Runs the load generator in a child process; resolves when it exits with status 0. */
function runLoadGenerator(spec: LoadSpec): Promise<void> {
  const args = [spec.port, spec.requests, spec.connections, spec.size].map(String);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [loadGeneratorFile, ...args, spec.request], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else {
        reject(
          new Error(
            `instructions harness: load generator exited with ${code ?? signal}: ${stderr.trim()}`,
          ),
        );
      }
    });
  });
}

/** The size of one whole response of the server (head and body), from one request. */
function responseSize(port: number, request: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let received = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.toString('latin1', 0, end));
      if (length === null) {
        socket.destroy();
        reject(new Error('instructions harness: the server answered without Content-Length'));
        return;
      }
      const size = end + 4 + Number(length[1]);
      if (received.length >= size) {
        socket.destroy();
        resolve(size);
      }
    });
  });
}

// Run as a program (the bundle `instructions.ts` builds), not when imported.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runHarness(parseHarnessArgs(process.argv.slice(2))).then(
    (done) => {
      process.stdout.write(`${done}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
