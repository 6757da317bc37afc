/**
 * The load generator, in a worker thread so its own requests are neither observed by the
 * service's sidecar nor compete with the service's event loop. Open-loop: requests start at the
 * configured rate whether or not earlier ones have finished (bounded by `maxInFlight`).
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

// Plain JavaScript: worker threads do not go through the TypeScript loader. Message shapes are
// declared in load.ts (LoadCommand, LoadReport).

/** @type {{ baseUrl: string, routes: { path: string, weight: number }[], rps: number, maxInFlight: number }} */
const config = workerData;
const url = new URL(config.baseUrl);
const agent = new http.Agent({ keepAlive: true, maxSockets: config.maxInFlight });
const totalWeight = config.routes.reduce((a, r) => a + r.weight, 0);
let rps = config.rps;
let inFlight = 0;
let sent = 0;
let ok = 0;
let shed = 0;
let errors = 0;
/** @type {number[]} */
let latencies = [];
let stopped = false;
let seed = 12345;
const rnd = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;

function pickRoute() {
  let x = rnd() * totalWeight;
  for (const r of config.routes) {
    x -= r.weight;
    if (x <= 0) return r.path;
  }
  return config.routes[0].path;
}

function fire() {
  if (inFlight >= config.maxInFlight) {
    errors++; // the client gave up: counts as a failed request
    return;
  }
  inFlight++;
  sent++;
  const start = performance.now();
  const req = http.request(
    { host: url.hostname, port: url.port, path: pickRoute(), method: 'GET', agent, timeout: 5_000 },
    (res) => {
      res.resume();
      res.on('end', () => {
        inFlight--;
        latencies.push(performance.now() - start);
        const status = res.statusCode ?? 0;
        if (status === 503 && res.headers['retry-after'] !== undefined) shed++;
        else if (status >= 500) errors++;
        else ok++;
      });
    },
  );
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', () => {
    inFlight--;
    errors++;
  });
  req.end();
}

// Ticks every 10 ms and fires as many requests as the rate says are due.
let due = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  due += ((now - last) / 1000) * rps;
  last = now;
  while (due >= 1 && !stopped) {
    due -= 1;
    fire();
  }
}, 10);

const reporter = setInterval(() => {
  latencies.sort((a, b) => a - b);
  const q = (p) =>
    latencies.length
      ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
      : 0;
  const report = {
    type: 'report',
    t: Date.now(),
    sent,
    ok,
    shed,
    errors,
    p50: q(0.5),
    p99: q(0.99),
    rps,
  };
  parentPort?.postMessage(report);
  sent = ok = shed = errors = 0;
  latencies = [];
}, 1_000);

parentPort?.on('message', (cmd) => {
  if (cmd.type === 'rate') rps = cmd.rps;
  else {
    stopped = true;
    clearInterval(ticker);
    clearInterval(reporter);
    agent.destroy();
    parentPort?.close();
  }
});
