/**
 * An Express 5 service wrapped in the Homeostat sidecar: every request becomes a
 * `RequestObservation` with its route template, per-route aggregates come out as `Sample`s every
 * window, and the sidecar answers `/healthz`, `/readyz` and `/metrics` itself.
 *
 * `run()` starts the service on 127.0.0.1 (a free port), sends it real requests, prints what the
 * sidecar saw and returns it, so the smoke test can assert on the same run.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { createSidecar, expressSidecar, type Sidecar } from '@homeostat/sidecar';
import type { RequestObservation, Sample } from '@homeostat/core';

/** Options of {@link run}. */
export interface RunOptions {
  /** Aggregation window of the sidecar's samples, in ms (default 1000). */
  readonly intervalMs?: number;
  /** Requests sent to each route (default 12). */
  readonly requestsPerRoute?: number;
  /** Where lines are printed (default `console.log`). */
  readonly log?: (line: string) => void;
  /** Keep the server up after the run (the caller closes it with `result.close()`). */
  readonly serve?: boolean;
}

/** What {@link run} saw. */
export interface RunResult {
  /** Base URL of the service. */
  readonly url: string;
  /** Every observation the sidecar emitted. */
  readonly observations: readonly RequestObservation[];
  /** Per-route samples of the first window(s) that covered the traffic. */
  readonly samples: readonly Sample[];
  /** HTTP status of every request sent, by route label. */
  readonly statuses: Readonly<Record<string, readonly number[]>>;
  /** `/metrics` body (fetched with the bearer token). */
  readonly metrics: string;
  /** Status of `/metrics` without the token (401). */
  readonly metricsWithoutToken: number;
  /** `/healthz` and `/readyz` statuses. */
  readonly health: { readonly liveness: number; readonly readiness: number };
  /** Stops the server and the sidecar (already done unless `serve` was set). */
  close(): Promise<void>;
}

/** The bearer token protecting `/metrics` in this example. */
export const METRICS_TOKEN = 'example-token';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds the Express app: the sidecar first, then the routes. */
export function createApp(sidecar: Sidecar): express.Express {
  const app = express();
  app.use(expressSidecar(sidecar));
  app.use(express.json());

  const users = new Map([
    ['1', { id: '1', name: 'Ada' }],
    ['2', { id: '2', name: 'Grace' }],
  ]);
  app.get('/users/:id', (req, res) => {
    const user = users.get(req.params.id);
    if (user) res.json(user);
    else res.status(404).json({ error: 'no such user' });
  });

  // Slow: a report that takes 100–200 ms to build.
  app.get('/reports/daily', async (_req, res) => {
    await sleep(100 + Math.random() * 100);
    res.json({ report: 'daily', rows: 42 });
  });

  // Fails sometimes: every fourth order hits a (simulated) payment outage and throws; Express's
  // error handler answers 500 and the sidecar records it as such.
  let orders = 0;
  app.post('/orders', (req, res) => {
    orders++;
    if (orders % 4 === 0) throw new Error('payment provider unavailable');
    res.status(201).json({ order: orders, items: (req.body as { items?: unknown })?.items ?? [] });
  });

  app.use(
    // Express recognises an error handler by its four parameters.
    // eslint-disable-next-line max-params
    (_err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).json({ error: 'internal error' });
    },
  );
  return app;
}

/** Starts the service, sends it traffic, prints and returns what the sidecar observed. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const intervalMs = options.intervalMs ?? 1000;
  const perRoute = options.requestsPerRoute ?? 12;

  // Overload shedding is off so that a busy laptop or CI box doesn't turn requests into 503s;
  // everything else is the sidecar's default (including the adaptive concurrency limit).
  const sidecar = createSidecar({
    service: 'shop',
    intervalMs,
    overload: false,
    endpoints: { token: METRICS_TOKEN },
  });
  const observations: RequestObservation[] = [];
  const samples: Sample[] = [];
  const obsSub = sidecar.observations$.subscribe((o) => {
    observations.push(o);
    log(
      `  observed ${o.method.padEnd(4)} ${o.route.padEnd(16)} ${o.status} ${o.latencyMs.toFixed(1).padStart(6)} ms  in flight ${o.inFlight}`,
    );
  });
  const sampleSub = sidecar.samples$.subscribe((s) => samples.push(s));

  const server: Server = await new Promise((resolve) => {
    const s = createApp(sidecar).listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log(`shop listening on ${url}`);

  const statuses: Record<string, number[]> = {};
  const send = async (label: string, path: string, init?: RequestInit): Promise<void> => {
    const res = await fetch(url + path, init);
    await res.arrayBuffer();
    (statuses[label] ??= []).push(res.status);
  };

  log(`\nsending ${perRoute} requests to each route (4 at a time):`);
  for (let i = 0; i < perRoute; i += 4) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(perRoute, i + 4); j++) {
      batch.push(send('GET /users/:id', `/users/${(j % 3) + 1}`));
      batch.push(send('GET /reports/daily', '/reports/daily'));
      batch.push(
        send('POST /orders', '/orders', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ items: [j] }),
        }),
      );
    }
    await Promise.all(batch);
  }
  await send('GET /nope', '/nope');

  const routesSeen = new Set(observations.map((o) => `${o.method} ${o.route}`));
  // Wait for the first window that closes after the traffic, so every request is in a sample.
  const trafficDone = Date.now();
  const covered = (): boolean => samples.some((s) => s.t >= trafficDone);
  const deadline = Date.now() + intervalMs * 3 + 1000;
  while (!covered() && Date.now() < deadline) await sleep(50);
  await sleep(20);

  log(`\nper-route samples (last ${intervalMs} ms window of each route):`);
  const byRoute = new Map<string, Map<string, number[]>>();
  for (const s of samples) {
    const parts = s.series.split(':');
    const metric = parts.pop()!;
    const route = parts.slice(1).join(':');
    if (!routesSeen.has(route)) continue;
    const m = byRoute.get(route) ?? new Map<string, number[]>();
    (m.get(metric) ?? m.set(metric, []).get(metric)!).push(s.value);
    byRoute.set(route, m);
  }
  for (const [route, metrics] of byRoute) {
    const last = (name: string): string => {
      const v = metrics.get(name);
      return v === undefined ? '-' : v[v.length - 1]!.toFixed(name === 'rate' ? 1 : 3);
    };
    log(
      `  ${route.padEnd(22)} rate ${last('rate').padStart(5)}/s  errors ${last('error_ratio')}  p50 ${last('latency_p50')} ms  p99 ${last('latency_p99')} ms`,
    );
  }

  const liveness = (await fetch(`${url}/healthz`)).status;
  const readiness = (await fetch(`${url}/readyz`)).status;
  const unauth = await fetch(`${url}/metrics`);
  await unauth.arrayBuffer();
  const metrics = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  ).text();
  log(
    `\n/healthz → ${liveness}, /readyz → ${readiness}, /metrics without token → ${unauth.status}`,
  );
  log('/metrics (request counters):');
  for (const line of metrics.split('\n')) {
    if (line.startsWith('homeostat_http_requests_total{')) log(`  ${line}`);
  }

  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    obsSub.unsubscribe();
    sampleSub.unsubscribe();
    sidecar.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  if (!options.serve) await close();
  return {
    url,
    observations,
    samples,
    statuses,
    metrics,
    metricsWithoutToken: unauth.status,
    health: { liveness, readiness },
    close,
  };
}
