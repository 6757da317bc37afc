import { afterEach, describe, expect, it } from 'vitest';
import type { RequestObservation } from '@homeostat/core';
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

async function serve(
  options: SidecarOptions,
  deps: SidecarDeps = {},
): Promise<{ url: string; s: Sidecar; seen: RequestObservation[]; calls: () => number }> {
  const s = createSidecar({ overload: false, ...options }, deps);
  sidecars.push(s);
  const seen: RequestObservation[] = [];
  s.observations$.subscribe((o) => seen.push(o));
  let n = 0;
  const url = await listen(
    wrapListener(s, (_q, r) => {
      n++;
      r.end('real');
    }),
  );
  return { url, s, seen, calls: () => n };
}

describe('fault injection (end to end)', () => {
  it('is off unless configured: fault headers are ignored', async () => {
    const { url, calls } = await serve({});
    const r = await request(url, {
      headers: { 'x-fault': 'error=503', 'x-homeostat-fault': 'abort' },
    });
    expect(r.status).toBe(200);
    expect(calls()).toBe(1);
  });

  it('injects an error status by header, without running the handler', async () => {
    const { url, s, seen, calls } = await serve({ faults: { header: 'X-Fault' } });
    const r = await request(url, { headers: { 'x-fault': 'error=502' } });
    expect(r.status).toBe(502);
    expect(r.body).toContain('Injected fault');
    expect(calls()).toBe(0);
    expect((await request(url)).status).toBe(200); // no header, no fault
    await until(() => seen.length === 2);
    expect(seen[0]!.status).toBe(502);
    expect(s.stats().faultsInjected).toBe(1);
  });

  it('injects latency by header, then runs the handler', async () => {
    const { url, seen, calls } = await serve({ faults: { header: 'x-fault' } });
    const r = await request(url, { headers: { 'x-fault': 'latency=120' } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('real');
    expect(calls()).toBe(1);
    await until(() => seen.length === 1);
    expect(seen[0]!.latencyMs).toBeGreaterThanOrEqual(100);
  });

  it('aborts the connection by header and observes it as a server error', async () => {
    const { url, seen, calls } = await serve({ faults: { header: 'x-fault' } });
    await expect(request(url, { headers: { 'x-fault': 'abort' } })).rejects.toThrow(
      /socket hang up|ECONNRESET/,
    );
    expect(calls()).toBe(0);
    await until(() => seen.length === 1);
    expect(seen[0]!.status).toBe(500);
  });

  it('injects by percentage, only on the configured routes, never on endpoints', async () => {
    const { url, calls } = await serve(
      { faults: { routes: ['/chaos'], error: { percent: 50, status: 500 } } },
      {
        random: (() => {
          let i = 0;
          return () => (i++ % 2 === 0 ? 0.1 : 0.9);
        })(),
      },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(`${url}/chaos/x`)).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
    expect((await request(`${url}/safe`)).status).toBe(200);
    expect((await request(`${url}/healthz`)).status).toBe(200);
    expect(calls()).toBe(3);
  });

  it('injects nothing at 0 % and always at 100 %', async () => {
    const zero = await serve({ faults: { error: { percent: 0 } } });
    for (let i = 0; i < 5; i++) expect((await request(zero.url)).status).toBe(200);
    const all = await serve({ faults: { error: { percent: 100, status: 503 } } });
    for (let i = 0; i < 5; i++) expect((await request(all.url)).status).toBe(503);
  });
});
