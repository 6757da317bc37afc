/**
 * The demo's two real HTTP services on 127.0.0.1: `payments`, a dependency whose faults the
 * script switches on and off, and `checkout`, wrapped in the sidecar, calling payments through a
 * circuit breaker. Every fault here is real behaviour of a real server: slow or failing responses,
 * retained memory, CPU work per request, error paths.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createCircuitBreaker,
  createTimeout,
  wrap,
  type CircuitBreaker,
} from '@homeostat/circuit-breaker';
import { wrapListener, type Sidecar } from '@homeostat/sidecar';

/** What the payments dependency is doing. */
export type PaymentsFault = 'none' | 'slow' | 'fail';

/** A running payments server. */
export interface Payments {
  readonly url: string;
  fault: PaymentsFault;
  close(): Promise<void>;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts the payments dependency. */
export async function startPayments(): Promise<Payments> {
  const state: { fault: PaymentsFault } = { fault: 'none' };
  const server = http.createServer((req, res) => {
    req.resume();
    const base = 3 + Math.random() * 4;
    if (state.fault === 'fail') {
      setTimeout(() => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"ledger unavailable"}');
      }, 20);
      return;
    }
    const delay = state.fault === 'slow' ? base + 250 : base;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }, delay);
  });
  server.keepAliveTimeout = 60_000;
  const url = await listen(server);
  return {
    url,
    get fault() {
      return state.fault;
    },
    set fault(f: PaymentsFault) {
      state.fault = f;
    },
    close: () => close(server),
  };
}

/** Knobs of the checkout service that faults and runbooks turn. */
export interface CheckoutState {
  /** Simulated replicas: CPU work per request is divided among them. */
  replicas: number;
  /** When true, a failed payment is deferred (202-like 200) instead of failing the checkout. */
  deferPayments: boolean;
  /** The leaky code path (per-request buffers that are never released). */
  recommendationsLeak: boolean;
  /** Feature flag runbooks can turn off. */
  recommendationsEnabled: boolean;
  /** A corrupted catalog cache: a share of /catalog requests fail. */
  catalogCorrupted: boolean;
  /** A bad deploy of /search: a share of requests fail. No runbook covers it. */
  searchBroken: boolean;
}

/** A running checkout service. */
export interface Checkout {
  readonly url: string;
  readonly state: CheckoutState;
  readonly breaker: CircuitBreaker;
  /** Bytes held by the leak. */
  retainedBytes(): number;
  /** Releases what the leak holds (what a worker recycle does). */
  recycleWorker(): void;
  close(): Promise<void>;
}

/** CPU work of one request at one replica, in milliseconds. */
const CPU_MS = 7;

function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  if (x < 0) console.log(x); // keeps the loop from being optimised away
}

/** Starts checkout behind the sidecar. */
export async function startCheckout(options: {
  sidecar: Sidecar;
  paymentsUrl: string;
}): Promise<Checkout> {
  const state: CheckoutState = {
    replicas: 1,
    deferPayments: false,
    recommendationsLeak: false,
    recommendationsEnabled: true,
    catalogCorrupted: false,
    searchBroken: false,
  };
  const breaker = createCircuitBreaker({
    name: 'payments',
    window: { type: 'count', size: 20 },
    minimumCalls: 10,
    failureRateThreshold: 0.5,
    slowCallDurationMs: 200,
    slowCallRateThreshold: 0.8,
    openDurationMs: 2_000,
  });
  const payments = wrap(breaker, createTimeout({ timeoutMs: 400 }));
  let leaked: Buffer[] = [];
  let leakedBytes = 0;

  async function checkoutRoute(res: http.ServerResponse): Promise<void> {
    if (state.recommendationsEnabled && state.recommendationsLeak) {
      const b = Buffer.alloc(400 * 1024); // a per-request cache entry that is never evicted
      leaked.push(b);
      leakedBytes += b.length;
    }
    try {
      await payments.execute(async ({ signal }) => {
        const r = await fetch(`${options.paymentsUrl}/charge`, { method: 'POST', signal });
        await r.arrayBuffer();
        if (!r.ok) throw new Error(`payments answered ${r.status}`);
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"paid":true}');
    } catch {
      if (state.deferPayments) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"paid":false,"deferred":true}');
      } else {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end('{"error":"payment failed"}');
      }
    }
  }

  const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    burnCpu(CPU_MS / state.replicas);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/checkout') {
      void checkoutRoute(res);
      return;
    }
    if (path === '/catalog') {
      const fail = state.catalogCorrupted && Math.random() < 0.35;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
      res.end(fail ? '{"error":"corrupt cache entry"}' : '{"items":[]}');
      return;
    }
    if (path === '/search') {
      const fail = state.searchBroken && Math.random() < 0.3;
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
      res.end(fail ? '{"error":"index unavailable"}' : '{"hits":[]}');
      return;
    }
    res.writeHead(404).end();
  };

  const server = http.createServer(
    wrapListener(options.sidecar, listener, {
      route: (req) => (req.url ?? '/').split('?')[0] ?? '/',
    }),
  );
  server.keepAliveTimeout = 60_000;
  const url = await listen(server);
  return {
    url,
    state,
    breaker,
    retainedBytes: () => leakedBytes,
    recycleWorker() {
      leaked = [];
      leakedBytes = 0;
    },
    close: () => close(server),
  };
}
