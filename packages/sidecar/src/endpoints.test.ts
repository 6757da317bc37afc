import { afterEach, describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { Registry, collectDefaultMetrics } from 'prom-client';
import * as promClient from 'prom-client';
import {
  isHomeostatError,
  sampleSchema,
  type BreakerState,
  type ConfigError,
  type Sample,
} from '@homeostat/core';
import {
  createSidecar,
  type Sidecar,
  type SidecarDeps,
  type SidecarOptions,
} from './create-sidecar.js';
import { wrapListener } from './wrap-listener.js';
import { closeAll, listen, request, until } from './internal/test-http.js';

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

/** A strict reader of the Prometheus text format: every line is HELP, TYPE or a sample. */
function parseProm(text: string): {
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
} {
  const types = new Map<string, string>();
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.trimEnd().split('\n')) {
    if (line.startsWith('# HELP ')) {
      expect(line).toMatch(/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+$/);
      continue;
    }
    const t = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(
      line,
    );
    if (t) {
      types.set(t[1]!, t[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    expect(m, `bad line: ${line}`).not.toBeNull();
    const labels: Record<string, string> = {};
    for (const lm of (m![2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[lm[1]!] = lm[2]!;
    samples.push({ name: m![1]!, labels, value: Number(m![3]) });
  }
  return { types, samples };
}

describe('endpoints and metrics (end to end)', () => {
  it('serves liveness and readiness at configurable paths', async () => {
    const s = make({ endpoints: { liveness: '/live', readiness: '/ops/ready', metrics: false } });
    const url = await listen(wrapListener(s, (_q, r) => r.end('app')));
    const live = await request(`${url}/live`);
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });
    expect((await request(`${url}/ops/ready?verbose=1`)).status).toBe(200);
    expect((await request(`${url}/metrics`)).body).toBe('app'); // turned off → the app's route
    expect((await request(`${url}/healthz`)).body).toBe('app');
  });

  it('protects endpoints with a bearer token', async () => {
    const s = make({ endpoints: { token: 's3cret', protect: ['metrics', 'readiness'] } });
    const url = await listen(wrapListener(s, (_q, r) => r.end()));
    expect((await request(`${url}/metrics`)).status).toBe(401);
    expect(
      (await request(`${url}/metrics`, { headers: { authorization: 'Bearer wrong!' } })).status,
    ).toBe(401);
    expect(
      (await request(`${url}/metrics`, { headers: { authorization: 'Bearer s3cret' } })).status,
    ).toBe(200);
    expect((await request(`${url}/readyz`)).status).toBe(401);
    expect((await request(`${url}/healthz`)).status).toBe(200);
  });

  it('reflects open breakers in readiness', async () => {
    let states: Record<string, BreakerState> = { payments: 'closed' };
    const s = make({}, { breakerStates: () => states });
    const url = await listen(wrapListener(s, (_q, r) => r.end()));
    expect((await request(`${url}/readyz`)).status).toBe(200);
    states = { payments: 'open', search: 'half-open' };
    const r = await request(`${url}/readyz`);
    expect(r.status).toBe(503);
    const body = JSON.parse(r.body) as { reasons: string[]; breakers: Record<string, string> };
    expect(body.reasons).toEqual(['breaker payments is open']);
    expect(body.breakers).toEqual(states);
  });

  it('writes valid Prometheus text with per-route counters and quantiles', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 1000);
    const s = make({ service: 'shop', intervalMs: 1000 }, { scheduler });
    const url = await listen(
      wrapListener(s, (req, res) => {
        res.statusCode = req.url === '/fail' ? 500 : 200;
        res.end();
      }),
    );
    for (let i = 0; i < 3; i++) await request(`${url}/items/${i + 100}`);
    await request(`${url}/fail`);
    await until(() => s.stats().observed === 4);
    scheduler.flush(); // closes one aggregation window
    const r = await request(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain; version=0.0.4');
    const { types, samples } = parseProm(r.body);
    expect(types.get('homeostat_http_requests_total')).toBe('counter');
    expect(types.get('homeostat_http_in_flight')).toBe('gauge');
    const find = (name: string, labels: Record<string, string>): number | undefined =>
      samples.find(
        (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
      )?.value;
    expect(
      find('homeostat_http_requests_total', {
        service: 'shop',
        route: '/items/:id',
        method: 'GET',
        code: '2xx',
      }),
    ).toBe(3);
    expect(find('homeostat_http_requests_total', { route: '/fail', code: '5xx' })).toBe(1);
    expect(find('homeostat_http_request_duration_seconds_count', { route: '/items/:id' })).toBe(3);
    expect(
      find('homeostat_http_request_latency_seconds', { route: '/items/:id', quantile: '0.99' }),
    ).toBeGreaterThanOrEqual(0);
    expect(find('homeostat_ready', {})).toBe(1);
  });

  it('escapes label values in the text format', async () => {
    const s = make();
    const url = await listen(
      wrapListener(s, (_q, r) => r.end(), { route: () => '/we"ird\\path\nx' }),
    );
    await request(`${url}/x`);
    await until(() => s.stats().observed === 1);
    const text = s.metricsText();
    expect(text).toContain('route="/we\\"ird\\\\path\\nx"');
    parseProm(text);
  });

  it('registers in a prom-client registry when given one, next to the host metrics', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const s = make({}, { prometheus: { client: promClient, registry } });
    const url = await listen(wrapListener(s, (_q, r) => r.end('x')));
    await request(`${url}/a`);
    await until(() => s.stats().observed === 1);
    const r = await request(`${url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.body).toContain('process_cpu_user_seconds_total');
    expect(r.body).toMatch(
      /homeostat_http_requests_total\{route="\/a",method="GET",code="2xx"\} 1/,
    );
    expect(r.body).toMatch(/# TYPE homeostat_http_requests_total counter/);
  });

  it('emits per-route samples on each interval of the injected scheduler', async () => {
    const scheduler = new VirtualTimeScheduler(undefined, 2000);
    const s = make(
      { intervalMs: 1000, service: 'api' },
      { scheduler, monotonic: { now: () => scheduler.now() } },
    );
    const samples: Sample[] = [];
    s.samples$.subscribe((x) => samples.push(x));
    const url = await listen(
      wrapListener(s, (req, res) => {
        res.statusCode = req.url === '/e/1' ? 503 : 200;
        res.end();
      }),
    );
    await request(`${url}/e/1`);
    for (let i = 0; i < 3; i++) await request(`${url}/e/2`);
    await until(() => s.stats().observed === 4);
    scheduler.flush(); // two windows: one with traffic, one idle
    expect(samples.every((x) => sampleSchema.safeParse(x).success)).toBe(true);
    const at = (series: string): number[] =>
      samples.filter((x) => x.series === series).map((x) => x.value);
    expect(at('api:GET /e/:id:rate')).toEqual([4, 0]);
    expect(at('api:GET /e/:id:error_ratio')).toEqual([0.25, 0]);
    expect(at('api:GET /e/:id:latency_p99')).toHaveLength(1);
    expect(at('api:in_flight')).toEqual([0, 0]);
    expect(samples.find((x) => x.series === 'api:GET /e/:id:rate')!.labels).toEqual({
      metric: 'rate',
      service: 'api',
      route: '/e/:id',
      method: 'GET',
    });
  });

  it('bounds the routes it tracks and counts the overflow', async () => {
    const s = make({ maxRoutes: 2 });
    const url = await listen(wrapListener(s, (_q, r) => r.end(), { route: (req) => req.url }));
    for (const p of ['/a', '/b', '/c', '/c', '/d', '/a']) await request(url + p);
    await until(() => s.stats().observed === 6);
    // Every observation past the bound is counted, repeats of one route included.
    expect(s.stats()).toMatchObject({ routes: 2, routesOverflowed: 3 });
    expect(s.metricsText()).toContain('route="(other)"');
  });

  it('rejects timer options longer than Node.js timers can be, naming each', () => {
    const over = 2 ** 31;
    try {
      createSidecar({
        intervalMs: over,
        overload: { checkIntervalMs: over },
        timeouts: { defaultMs: over, routes: [{ prefix: '/a', ms: over }] },
      });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      const issues = (e as ConfigError).issues;
      expect(issues.map((i) => i.path)).toEqual([
        'intervalMs',
        'overload.checkIntervalMs',
        'timeouts.defaultMs',
        'timeouts.routes.0.ms',
      ]);
      for (const i of issues) expect(i.message).toContain('2147483647');
    }
    const max = 2 ** 31 - 1;
    createSidecar({
      intervalMs: max,
      overload: { checkIntervalMs: max },
      timeouts: { defaultMs: max, routes: [{ prefix: '/a', ms: max }] },
    }).close();
  });

  it('rejects repeated quantiles and quantiles that would share a sample series, naming each', () => {
    try {
      createSidecar({ quantiles: [0.5, 0.999, 0.5, 0.9991, 0.9] });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      const issues = (e as ConfigError).issues;
      expect(issues.map((i) => i.path)).toEqual(['quantiles.2', 'quantiles.3']);
      expect(issues[0]!.message).toContain('0.5');
      expect(issues[1]!.message).toContain('latency_p99_9');
    }
    createSidecar({ overload: false, quantiles: [0.5, 0.999, 0.998, 0.9] }).close();
  });

  it('rejects a token that no Authorization header could match', () => {
    for (const token of ['pässwörd', ' padded ', 'two words', '']) {
      try {
        createSidecar({ overload: false, endpoints: { token } });
        expect.unreachable();
      } catch (e) {
        expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
        const issues = (e as ConfigError).issues;
        expect(issues.map((i) => i.path)).toEqual(['endpoints.token']);
        expect(issues[0]!.message).toContain('visible ASCII');
      }
    }
    createSidecar({ overload: false, endpoints: { token: 'A-z_0.9~+/=!#' } }).close();
  });

  it('rejects bad options with every issue named, and close() is idempotent', () => {
    try {
      createSidecar({
        intervalMs: 1,
        endpoints: { metrics: 'metrics' },
        faults: { error: { percent: 120 } },
      });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
      const msg = String(e);
      expect(msg).toContain('intervalMs');
      expect(msg).toContain('endpoints.metrics');
      expect(msg).toContain('faults.error.percent');
    }
    const s = createSidecar();
    let completed = 0;
    s.observations$.subscribe({ complete: () => completed++ });
    s.close();
    s.close();
    expect(completed).toBe(1);
    expect(s.ready()).toMatchObject({ ready: false, reasons: ['sidecar closed'] });
  });
});
