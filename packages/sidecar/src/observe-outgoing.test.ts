import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import {
  dependencyObservationSchema,
  isHomeostatError,
  type DependencyObservation,
} from '@homeostat/core';
import { createRecordingOnError } from '@homeostat/core/testing';
import { observeOutgoing } from './observe-outgoing.js';
import { closeAll, listen, until } from './internal/test-http.js';
import type { Subscription } from 'rxjs';

let sub: Subscription | undefined;
afterEach(async () => {
  sub?.unsubscribe();
  sub = undefined;
  await closeAll();
});

function upstream(): Promise<string> {
  return listen((req, res) => {
    res.statusCode = req.url === '/broken' ? 503 : 200;
    res.end('x');
  });
}

function httpGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('observeOutgoing (end to end)', () => {
  it('observes fetch calls with target, method, status and latency', async () => {
    const base = await upstream();
    const seen: DependencyObservation[] = [];
    sub = observeOutgoing({ service: 'web', http: false }).subscribe((d) => seen.push(d));
    const r = await fetch(`${base}/ok`, { method: 'POST', body: 'x' });
    await r.text();
    const bad = await fetch(`${base}/broken`);
    await bad.text();
    await until(() => seen.length === 2);
    const target = base.replace('http://', '');
    expect(seen[0]).toMatchObject({
      service: 'web',
      target,
      method: 'POST',
      status: 200,
      error: false,
    });
    expect(seen[1]).toMatchObject({ target, status: 503, error: true });
    expect(seen.every((d) => dependencyObservationSchema.safeParse(d).success)).toBe(true);
  });

  it('observes http.request calls, including network errors', async () => {
    const base = await upstream();
    const seen: DependencyObservation[] = [];
    sub = observeOutgoing({ undici: false }).subscribe((d) => seen.push(d));
    expect(await httpGet(`${base}/ok`)).toBe(200);
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({
      target: base.replace('http://', ''),
      method: 'GET',
      status: 200,
      error: false,
    });
    // A port that was just closed refuses the connection.
    const dead = await listen(() => {});
    await closeAll();
    await expect(httpGet(`${dead}/x`)).rejects.toThrow(/ECONNREFUSED/);
    await until(() => seen.length === 2);
    expect(seen[1]).toMatchObject({ target: dead.replace('http://', ''), error: true });
    expect(seen[1]!.status).toBeUndefined();
  });

  it('observes fetch network errors', async () => {
    const dead = await listen(() => {});
    await closeAll();
    const seen: DependencyObservation[] = [];
    sub = observeOutgoing({ http: false }).subscribe((d) => seen.push(d));
    await expect(fetch(`${dead}/x`)).rejects.toThrow();
    await until(() => seen.length === 1);
    expect(seen[0]).toMatchObject({ target: dead.replace('http://', ''), error: true });
  });

  it('gives every subscription, of one observable or of several, every call', async () => {
    const base = await upstream();
    const a: DependencyObservation[] = [];
    const b: DependencyObservation[] = [];
    const c: DependencyObservation[] = [];
    const out$ = observeOutgoing({ service: 'x' });
    sub = out$.subscribe((d) => a.push(d));
    sub.add(out$.subscribe((d) => b.push(d)));
    sub.add(observeOutgoing({ service: 'y' }).subscribe((d) => c.push(d)));
    await (await fetch(`${base}/ok`)).text();
    await (await fetch(`${base}/broken`)).text();
    expect(await httpGet(`${base}/ok`)).toBe(200);
    await until(() => a.length === 3 && b.length === 3 && c.length === 3);
    for (const seen of [a, b, c]) {
      expect(seen.map((d) => d.status).sort()).toEqual([200, 200, 503]);
    }
    expect(c.every((d) => d.service === 'y')).toBe(true);
  });

  it('skips ignored targets and stops observing on unsubscribe', async () => {
    const base = await upstream();
    const target = base.replace('http://', '');
    const seen: DependencyObservation[] = [];
    sub = observeOutgoing({ ignoreTargets: [target] }).subscribe((d) => seen.push(d));
    await (await fetch(base)).text();
    await httpGet(base);
    sub.unsubscribe();
    sub = observeOutgoing().subscribe((d) => seen.push(d));
    sub.unsubscribe();
    await (await fetch(base)).text();
    expect(seen).toEqual([]);
  });

  it('reports a failing subscriber-side build through onError without breaking the call', async () => {
    const base = await upstream();
    const { onError, errors } = createRecordingOnError();
    let calls = 0;
    const clock = {
      now: () => {
        calls++;
        if (calls === 1) throw new Error('clock broke');
        return 0;
      },
    };
    sub = observeOutgoing({ http: false }, { onError, clock }).subscribe();
    const r = await fetch(base);
    expect(r.status).toBe(200);
    await r.text();
    expect(errors.map((e) => e.code)).toEqual(['SIDECAR_FAILED']);
  });

  it('rejects bad options', () => {
    try {
      observeOutgoing({ ignoreTargets: [''] });
      expect.unreachable();
    } catch (e) {
      expect(isHomeostatError(e) && e.code === 'CONFIG_INVALID').toBe(true);
    }
  });
});
