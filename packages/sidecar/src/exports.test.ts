import { describe, expect, it } from 'vitest';
import * as sidecar from './index.js';

describe('public surface', () => {
  it('exports the documented functions and classes', () => {
    for (const name of [
      'createSidecar',
      'wrapListener',
      'expressSidecar',
      'fastifySidecar',
      'createConcurrencyLimiter',
      'createRateLimiter',
      'LatencySketch',
      'observeOutgoing',
      'SidecarError',
    ] as const) {
      expect(typeof sidecar[name]).toBe('function');
    }
  });

  it('exports option schemas that apply the documented defaults', () => {
    const o = sidecar.sidecarOptionsSchema.parse({});
    expect(o).toMatchObject({
      intervalMs: 10_000,
      maxRoutes: 200,
      quantiles: [0.5, 0.9, 0.99],
      retryAfterSeconds: 1,
      endpoints: {
        liveness: '/healthz',
        readiness: '/readyz',
        metrics: '/metrics',
        protect: ['metrics'],
      },
      limiter: { initialLimit: 20, minLimit: 1, maxLimit: 1000 },
      overload: {
        checkIntervalMs: 100,
        maxEventLoopDelayMs: 50,
        maxTurnDelayMs: 100,
        maxHeapRatio: 0.95,
      },
    });
    expect(o.faults).toBeUndefined();
    expect(o.rateLimit).toBeUndefined();
    expect(sidecar.concurrencyLimiterOptionsSchema.parse({}).tolerance).toBe(1.5);
    expect(sidecar.rateLimiterOptionsSchema.parse({ ratePerSecond: 5 }).maxKeys).toBe(10_000);
    expect(sidecar.latencySketchOptionsSchema.parse({}).relativeAccuracy).toBe(0.01);
    expect(sidecar.observeOutgoingOptionsSchema.parse({})).toEqual({
      undici: true,
      http: true,
      ignoreTargets: [],
    });
  });

  it('SidecarError carries its code, stage and cause', () => {
    const cause = new Error('inner');
    const e = new sidecar.SidecarError('observe', { cause });
    expect(e.code).toBe('SIDECAR_FAILED');
    expect(e.stage).toBe('observe');
    expect(e.cause).toBe(cause);
    expect(e.name).toBe('SidecarError');
    expect(e.message).toContain('inner');
  });
});
