/**
 * A Fastify service (`checkout`) wrapped in the Homeostat sidecar that calls a second local
 * server (`inventory`, plain node:http). The sidecar turns incoming requests into
 * `RequestObservation`s and per-route samples; `observeOutgoing` turns the calls to inventory into
 * `DependencyObservation`s through `diagnostics_channel`, without patching anything.
 *
 * `run()` starts both servers on 127.0.0.1 (free ports), sends checkout real requests, prints
 * what was observed and returns it for the smoke test.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { createSidecar, fastifySidecar, observeOutgoing, type Sidecar } from '@homeostat/sidecar';
import type { DependencyObservation, RequestObservation, Sample } from '@homeostat/core';

/** Options of {@link run}. */
export interface RunOptions {
  /** Aggregation window of the sidecar's samples, in ms (default 1000). */
  readonly intervalMs?: number;
  /** Checkout requests to send (default 20). */
  readonly requests?: number;
  /** Where lines are printed (default `console.log`). */
  readonly log?: (line: string) => void;
  /** Keep both servers up after the run (the caller closes them with `result.close()`). */
  readonly serve?: boolean;
}

/** What {@link run} saw. */
export interface RunResult {
  readonly checkoutUrl: string;
  readonly inventoryUrl: string;
  /** `host:port` of the inventory server, as outgoing observations name it. */
  readonly inventoryTarget: string;
  readonly observations: readonly RequestObservation[];
  readonly outgoing: readonly DependencyObservation[];
  readonly samples: readonly Sample[];
  /** Statuses checkout answered, in order. */
  readonly statuses: readonly number[];
  /** `/metrics` of checkout. */
  readonly metrics: string;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The inventory dependency: answers stock levels; every fifth call fails with 503 and every
 * seventh takes 80 ms.
 */
export function createInventory(): http.Server {
  let calls = 0;
  return http.createServer((req, res) => {
    calls++;
    const n = calls;
    const answer = (): void => {
      if (n % 5 === 0) {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'inventory database unavailable' }));
        return;
      }
      const sku = req.url?.split('/').pop() ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sku, inStock: 3 + (n % 4) }));
    };
    if (n % 7 === 0) setTimeout(answer, 80);
    else answer();
  });
}

/** The checkout service: the sidecar plugin first, then a route that calls inventory. */
export async function createCheckout(
  sidecar: Sidecar,
  inventoryUrl: string,
): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(fastifySidecar(sidecar));
  app.get<{ Params: { cartId: string } }>('/carts/:cartId/checkout', async (request, reply) => {
    const res = await fetch(`${inventoryUrl}/stock/sku-${request.params.cartId}`);
    if (!res.ok) {
      await res.arrayBuffer();
      return reply.code(502).send({ error: `inventory answered ${res.status}` });
    }
    const stock = (await res.json()) as { inStock: number };
    return { cart: request.params.cartId, reserved: Math.min(1, stock.inStock) };
  });
  app.get('/ping', () => ({ pong: true }));
  return app;
}

/** Starts inventory and checkout, sends traffic, prints and returns what was observed. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const intervalMs = options.intervalMs ?? 1000;
  const requests = options.requests ?? 20;

  const inventory = createInventory();
  await new Promise<void>((r) => inventory.listen(0, '127.0.0.1', r));
  const inventoryPort = (inventory.address() as AddressInfo).port;
  const inventoryUrl = `http://127.0.0.1:${inventoryPort}`;
  const inventoryTarget = `127.0.0.1:${inventoryPort}`;

  const sidecar = createSidecar({ service: 'checkout', intervalMs, overload: false });
  const observations: RequestObservation[] = [];
  const outgoing: DependencyObservation[] = [];
  const samples: Sample[] = [];
  const subs = [
    sidecar.observations$.subscribe((o) => {
      observations.push(o);
      log(
        `  in   ${o.method} ${o.route.padEnd(24)} ${o.status} ${o.latencyMs.toFixed(1).padStart(6)} ms`,
      );
    }),
    sidecar.samples$.subscribe((s) => samples.push(s)),
  ];

  const app = await createCheckout(sidecar, inventoryUrl);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const checkoutPort = (app.server.address() as AddressInfo).port;
  const checkoutUrl = `http://127.0.0.1:${checkoutPort}`;
  log(`inventory on ${inventoryUrl}, checkout on ${checkoutUrl}`);

  // Outgoing calls of this process. This process also sends the example's traffic to checkout
  // with fetch, so checkout's own address is ignored: only checkout → inventory is reported.
  subs.push(
    observeOutgoing({
      service: 'checkout',
      ignoreTargets: [`127.0.0.1:${checkoutPort}`],
    }).subscribe((d) => {
      outgoing.push(d);
      log(
        `  out  ${d.service ?? '?'} → ${d.target} ${d.method ?? ''} ${d.status ?? '-'} ${d.latencyMs.toFixed(1).padStart(6)} ms${d.error ? '  (error)' : ''}`,
      );
    }),
  );

  log(`\nsending ${requests} checkouts (4 at a time):`);
  const statuses: number[] = [];
  for (let i = 0; i < requests; i += 4) {
    const batch = [];
    for (let j = i; j < Math.min(requests, i + 4); j++) {
      batch.push(
        fetch(`${checkoutUrl}/carts/${100 + j}/checkout`).then(async (res) => {
          await res.arrayBuffer();
          statuses.push(res.status);
        }),
      );
    }
    await Promise.all(batch);
  }

  // Wait for the first window that closes after the traffic, so every request is in a sample.
  const trafficDone = Date.now();
  const covered = (): boolean => samples.some((s) => s.t >= trafficDone);
  const deadline = Date.now() + intervalMs * 3 + 1000;
  while (!covered() && Date.now() < deadline) await sleep(50);
  await sleep(20);

  const errors = outgoing.filter((d) => d.error).length;
  const latencies = outgoing.map((d) => d.latencyMs).sort((a, b) => a - b);
  const median = latencies[Math.floor(latencies.length / 2)] ?? 0;
  log(
    `\ncheckout → inventory: ${outgoing.length} calls, ${errors} errors, median ${median.toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(1)} ms`,
  );
  log(`checkout samples, one line per ${intervalMs} ms window:`);
  const route = 'checkout:GET /carts/:cartId/checkout';
  const windows = [...new Set(samples.filter((s) => s.series.startsWith(route)).map((s) => s.t))];
  for (const t of windows) {
    const value = (metric: string): string =>
      samples.find((s) => s.t === t && s.series === `${route}:${metric}`)?.value.toFixed(2) ?? '-';
    log(
      `  rate ${value('rate').padStart(6)}/s  error_ratio ${value('error_ratio')}  p50 ${value('latency_p50').padStart(7)} ms  p99 ${value('latency_p99').padStart(7)} ms`,
    );
  }
  const metrics = await (await fetch(`${checkoutUrl}/metrics`)).text();
  log('/metrics (request counters):');
  for (const line of metrics.split('\n')) {
    if (line.startsWith('homeostat_http_requests_total{')) log(`  ${line}`);
  }

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const s of subs) s.unsubscribe();
    sidecar.close();
    await app.close();
    inventory.closeAllConnections();
    await new Promise<void>((r) => inventory.close(() => r()));
  };
  if (!options.serve) await close();
  return {
    checkoutUrl,
    inventoryUrl,
    inventoryTarget,
    observations,
    outgoing,
    samples,
    statuses,
    metrics,
    close,
  };
}
