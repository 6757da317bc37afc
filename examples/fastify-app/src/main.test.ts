import { describe, expect, it } from 'vitest';
import { run } from './app.js';

describe('fastify-app example', () => {
  it('observes incoming requests by route template and the outgoing calls to inventory', async () => {
    const lines: string[] = [];
    const result = await run({ intervalMs: 500, requests: 10, log: (l) => lines.push(l) });

    // Incoming: ten checkouts under the Fastify route template.
    const checkouts = result.observations.filter(
      (o) => o.method === 'GET' && o.route === '/carts/:cartId/checkout',
    );
    expect(checkouts).toHaveLength(10);
    // Inventory fails every fifth call, and checkout answers those with 502.
    expect(checkouts.filter((o) => o.status === 502)).toHaveLength(2);
    expect(result.statuses.filter((s) => s === 502)).toHaveLength(2);

    // Outgoing: one DependencyObservation per inventory call, none for the example's own
    // requests to checkout (ignored target), errors set on the 503s.
    expect(result.outgoing).toHaveLength(10);
    for (const d of result.outgoing) {
      expect(d.service).toBe('checkout');
      expect(d.target).toBe(result.inventoryTarget);
      expect(d.error).toBe(d.status === 503);
    }
    expect(result.outgoing.filter((d) => d.status === 503)).toHaveLength(2);

    // Per-route samples: the 502s raise the route's error ratio in some window.
    const errorRatios = result.samples
      .filter((s) => s.series === 'checkout:GET /carts/:cartId/checkout:error_ratio')
      .map((s) => s.value);
    expect(Math.max(...errorRatios)).toBeGreaterThan(0);
    expect(result.metrics).toContain(
      'homeostat_http_requests_total{service="checkout",route="/carts/:cartId/checkout",method="GET",code="5xx"} 2',
    );
    expect(lines.some((l) => l.includes('10 calls, 2 errors'))).toBe(true);
  });
});
