import { describe, expect, it } from 'vitest';
import { run } from './app.js';

describe('express-app example', () => {
  it('turns real Express requests into observations with route templates, samples and metrics', async () => {
    const lines: string[] = [];
    const result = await run({ intervalMs: 500, requestsPerRoute: 8, log: (l) => lines.push(l) });

    // Every request the example sent shows up once, under its route template (never the raw URL).
    const routes = result.observations.map((o) => `${o.method} ${o.route}`);
    expect(routes.filter((r) => r === 'GET /users/:id')).toHaveLength(8);
    expect(routes.filter((r) => r === 'GET /reports/daily')).toHaveLength(8);
    expect(routes.filter((r) => r === 'POST /orders')).toHaveLength(8);
    expect(routes).toContain('GET (unmatched)');
    expect(routes.some((r) => /\/users\/\d/.test(r))).toBe(false);

    // The failing route: every fourth order is a 500, observed as such.
    const orders = result.observations.filter((o) => o.route === '/orders');
    expect(orders.filter((o) => o.status === 500)).toHaveLength(2);
    expect(result.statuses['POST /orders']?.filter((s) => s === 500)).toHaveLength(2);

    // The slow route is slow in the observations and in the per-route p50.
    const slow = result.observations.filter((o) => o.route === '/reports/daily');
    expect(Math.min(...slow.map((o) => o.latencyMs))).toBeGreaterThanOrEqual(95);
    const p50 = result.samples.find((s) => s.series === 'shop:GET /reports/daily:latency_p50');
    expect(p50?.value).toBeGreaterThanOrEqual(95);
    const errorRatios = result.samples
      .filter((s) => s.series === 'shop:POST /orders:error_ratio')
      .map((s) => s.value);
    expect(Math.max(...errorRatios)).toBeGreaterThan(0);

    // Endpoints answered by the sidecar; /metrics needs the token and counts the 5xx.
    expect(result.health).toEqual({ liveness: 200, readiness: 200 });
    expect(result.metricsWithoutToken).toBe(401);
    expect(result.metrics).toContain(
      'homeostat_http_requests_total{service="shop",route="/orders",method="POST",code="5xx"} 2',
    );
    expect(lines.some((l) => l.includes('/metrics without token → 401'))).toBe(true);
  });
});
