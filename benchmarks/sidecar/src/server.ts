/**
 * The server side of the sidecar benchmark, run in a child process so that the load generator
 * and the server never share an event loop. Configured by one JSON argument; reports its port
 * (and, on request, the sidecar's counters) over IPC.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { expressListener } from './express-app.js';
import underPressure from '@fastify/under-pressure';
import {
  createSidecar,
  fastifySidecar,
  wrapListener,
  type SidecarOptions,
} from '@homeostat/sidecar';

export interface ServerConfig {
  readonly framework: 'node' | 'express' | 'fastify';
  /**
   * `noop-middleware`: Express with one middleware that only calls `next()` (the framework's
   * own cost of a middleware). `sidecar-wrapped-app`: Express with the sidecar wrapping the
   * whole app (`wrapListener(sidecar, app, { route: expressRoute })`) instead of middleware.
   */
  readonly variant:
    'bare' | 'sidecar' | 'sidecar-wrapped-app' | 'under-pressure' | 'noop-middleware';
  /** Milliseconds of synchronous CPU work per request. */
  readonly workMs: number;
  readonly sidecar?: SidecarOptions;
  readonly underPressure?: Record<string, unknown>;
  /**
   * Also host a bare server of the same framework in this process, on its own port, so that
   * the two can be compared under the same process's conditions (JIT, memory layout, core).
   */
  readonly withBaseline?: boolean;
}

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;

/** Handler calls per hosted server: `[variant, baseline]`. */
const served = [0, 0];
function work(ms: number, server: number): void {
  served[server]!++;
  if (ms <= 0) return;
  const end = performance.now() + ms;
  while (performance.now() < end);
}

const body = 'hello world';
/** Whether a variant runs with the sidecar (as middleware/plugin, or wrapping the app). */
const usesSidecar = (variant: ServerConfig['variant']): boolean =>
  variant === 'sidecar' || variant === 'sidecar-wrapped-app';
const sidecar = usesSidecar(config.variant)
  ? createSidecar({ service: 'bench', ...config.sidecar })
  : undefined;
let observed = 0;
// A consumer of the observations and samples, as a host's loop would have.
sidecar?.observations$.subscribe(() => observed++);
sidecar?.samples$.subscribe(() => {});

/** Starts one server of `config.framework` as `variant`; resolves its port. */
async function start(variant: ServerConfig['variant'], index: number): Promise<number> {
  const withSidecar = usesSidecar(variant) ? sidecar : undefined;
  if (config.framework === 'node') {
    const handler = (_req: IncomingMessage, res: ServerResponse): void => {
      work(config.workMs, index);
      res.setHeader('content-type', 'text/plain');
      res.end(body);
    };
    const server = http.createServer(withSidecar ? wrapListener(withSidecar, handler) : handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  if (config.framework === 'express') {
    const mount =
      withSidecar === undefined
        ? variant === 'noop-middleware'
          ? 'noop'
          : 'bare'
        : variant === 'sidecar-wrapped-app'
          ? 'wrapped'
          : 'middleware';
    const server = http.createServer(
      expressListener({
        mount,
        sidecar: withSidecar,
        body,
        onRequest: () => work(config.workMs, index),
      }),
    );
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  if (withSidecar) await app.register(fastifySidecar(withSidecar));
  if (variant === 'under-pressure') await app.register(underPressure, config.underPressure ?? {});
  app.get('/', (_req, reply) => {
    work(config.workMs, index);
    void reply.type('text/plain').send(body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

process.on('message', (msg: unknown) => {
  if (msg !== 'stats') return;
  // CPU time of this process and handler calls: CPU per request is far less sensitive to other
  // processes competing for the cores than requests per second or latency are.
  const cpu = process.cpuUsage();
  const base = {
    observed,
    served: served[0],
    ...(config.withBaseline === true ? { baselineServed: served[1] } : {}),
    cpuMicros: cpu.user + cpu.system,
  };
  process.send?.({ stats: sidecar ? { ...sidecar.stats(), ...base } : base });
});
process.on('disconnect', () => process.exit(0));

(async () => {
  const port = await start(config.variant, 0);
  const baselinePort = config.withBaseline === true ? await start('bare', 1) : undefined;
  return { port, baselinePort };
})().then(
  (ports) => process.send?.(ports),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
