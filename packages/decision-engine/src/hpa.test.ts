import { describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { createHpaCalculator, metricReplicas, type HpaOptions } from './hpa.js';

const S = 1000;

describe('metricReplicas: desired = ceil(current × value / target) with a 10 % tolerance', () => {
  it.each([
    // Kubernetes docs: 200m against a 100m target doubles; 50m halves.
    [1, 200, 100, 2],
    [4, 200, 100, 8],
    [4, 50, 100, 2],
    // Within tolerance: no change.
    [10, 105, 100, 10],
    [10, 109, 100, 10],
    [10, 91, 100, 10],
    [10, 90, 100, 10],
    // Just outside tolerance.
    [10, 111, 100, 12],
    [10, 89, 100, 9],
    [3, 0, 100, 0],
    [7, 250, 100, 18],
  ])('current %i, value %f, target %f → %i', (currentReplicas, value, target, expected) => {
    expect(metricReplicas({ currentReplicas, value, target })).toBe(expected);
  });

  it('honours a custom tolerance', () => {
    expect(metricReplicas({ currentReplicas: 10, value: 120, target: 100 }, 0.25)).toBe(10);
    expect(metricReplicas({ currentReplicas: 10, value: 105, target: 100 }, 0)).toBe(11);
  });

  it('refuses impossible inputs', () => {
    expect(() => metricReplicas({ currentReplicas: 1, value: 1, target: 0 })).toThrow(/target/);
    expect(() => metricReplicas({ currentReplicas: 1, value: Number.NaN, target: 1 })).toThrow(
      /value/,
    );
    expect(() => metricReplicas({ currentReplicas: 1.5, value: 1, target: 1 })).toThrow(
      /currentReplicas/,
    );
  });
});

describe('createHpaCalculator: Kubernetes behaviour', () => {
  const noDownWindow: HpaOptions['behavior'] = { scaleDown: { stabilizationWindowSeconds: 0 } };

  it('doubles and halves per the documented example, with the default policies', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100, behavior: noDownWindow });
    expect(
      hpa.recommend({ currentReplicas: 4, value: 200, target: 100, t: 0 }).desiredReplicas,
    ).toBe(8);
    expect(
      hpa.recommend({ currentReplicas: 8, value: 50, target: 100, t: 60 * S }).desiredReplicas,
    ).toBe(4);
  });

  it('does nothing within tolerance and says so', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100 });
    const r = hpa.recommend({ currentReplicas: 10, value: 108, target: 100, t: 0 });
    expect(r.desiredReplicas).toBe(10);
    expect(r.limitedBy).toBe('WithinTolerance');
    expect(r.rationale[0]).toMatch(/within tolerance 0\.1/);
  });

  it('default scale-up: the larger of 100 % and 4 pods per 15 s', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100 });
    const a = hpa.recommend({ currentReplicas: 1, value: 2000, target: 100, t: 0 }); // asks 20
    expect([a.rawReplicas, a.desiredReplicas, a.limitedBy]).toEqual([20, 5, 'ScaleUpLimit']); // max(2, 1 + 4)
    // Five seconds later the period still counts the +4: start of period = 1 → limit 5 again.
    expect(
      hpa.recommend({ currentReplicas: 5, value: 2000, target: 100, t: 5 * S }).desiredReplicas,
    ).toBe(5);
    // After the 15 s period: max(10, 9) = 10, then max(20, 14) = 20.
    expect(
      hpa.recommend({ currentReplicas: 5, value: 2000, target: 100, t: 16 * S }).desiredReplicas,
    ).toBe(10);
    expect(
      hpa.recommend({ currentReplicas: 10, value: 2000, target: 100, t: 32 * S }).desiredReplicas,
    ).toBe(20);
  });

  it('documented scale-down policies: 4 pods or 10 % per minute, whichever removes more', () => {
    const hpa = createHpaCalculator({
      minReplicas: 1,
      maxReplicas: 100,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 10, periodSeconds: 60 },
          ],
        },
      },
    });
    // 80 replicas, target asks for 10: first step removes 8 (10 % of 80).
    const step1 = hpa.recommend({ currentReplicas: 80, value: 12.5, target: 100, t: 0 });
    expect([step1.rawReplicas, step1.desiredReplicas, step1.limitedBy]).toEqual([
      10,
      72,
      'ScaleDownLimit',
    ]);
    // Within the same minute nothing more may go.
    expect(
      hpa.recommend({ currentReplicas: 72, value: 13.9, target: 100, t: 30 * S }).desiredReplicas,
    ).toBe(72);
    // Next minute: 10 % of 72 is 7.2, rounded up to 8 pods removed → 64.
    expect(
      hpa.recommend({ currentReplicas: 72, value: 13.9, target: 100, t: 61 * S }).desiredReplicas,
    ).toBe(64);
    // At 40 replicas or fewer the Pods policy (4) removes more than 10 %.
    const small = createHpaCalculator({
      maxReplicas: 100,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 60 },
            { type: 'Percent', value: 10, periodSeconds: 60 },
          ],
        },
      },
    });
    expect(
      small.recommend({ currentReplicas: 30, value: 10, target: 100, t: 0 }).desiredReplicas,
    ).toBe(26);
  });

  it('selectPolicy Min picks the smallest change', () => {
    const hpa = createHpaCalculator({
      maxReplicas: 100,
      behavior: { scaleUp: { selectPolicy: 'Min' } },
    });
    expect(
      hpa.recommend({ currentReplicas: 1, value: 2000, target: 100, t: 0 }).desiredReplicas,
    ).toBe(2); // min(2, 5)
  });

  it('selectPolicy Disabled stops scaling in that direction', () => {
    const hpa = createHpaCalculator({
      maxReplicas: 100,
      behavior: { scaleDown: { selectPolicy: 'Disabled', stabilizationWindowSeconds: 0 } },
    });
    expect(
      hpa.recommend({ currentReplicas: 10, value: 10, target: 100, t: 0 }).desiredReplicas,
    ).toBe(10);
    expect(
      hpa.recommend({ currentReplicas: 10, value: 200, target: 100, t: 20 * S }).desiredReplicas,
    ).toBe(20);
  });

  it('a Pods policy limits scale-down to 5 per 10 minutes', () => {
    const hpa = createHpaCalculator({
      maxReplicas: 100,
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: 'Pods', value: 5, periodSeconds: 600 }],
        },
      },
    });
    expect(
      hpa.recommend({ currentReplicas: 20, value: 10, target: 100, t: 0 }).desiredReplicas,
    ).toBe(15);
    expect(
      hpa.recommend({ currentReplicas: 15, value: 10, target: 100, t: 300 * S }).desiredReplicas,
    ).toBe(15);
    expect(
      hpa.recommend({ currentReplicas: 15, value: 10, target: 100, t: 601 * S }).desiredReplicas,
    ).toBe(10);
  });

  it('Percent scale-up rounds up so a small count can still grow', () => {
    const hpa = createHpaCalculator({
      maxReplicas: 100,
      behavior: { scaleUp: { policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] } },
    });
    expect(
      hpa.recommend({ currentReplicas: 3, value: 300, target: 100, t: 0 }).desiredReplicas,
    ).toBe(4); // ceil(3.3)
  });

  it('scale-down stabilization (300 s): the highest recommendation in the window wins', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100 });
    // The window is seeded with the current count on first sight, as the controller does.
    const r0 = hpa.recommend({ currentReplicas: 10, value: 50, target: 100, t: 0 });
    expect([r0.rawReplicas, r0.desiredReplicas, r0.limitedBy]).toEqual([
      5,
      10,
      'ScaleDownStabilized',
    ]);
    expect(
      hpa.recommend({ currentReplicas: 10, value: 80, target: 100, t: 100 * S }).desiredReplicas,
    ).toBe(10); // 8
    expect(
      hpa.recommend({ currentReplicas: 10, value: 30, target: 100, t: 200 * S }).desiredReplicas,
    ).toBe(10); // 3
    // At 300 s the t=0 entries leave the window; the highest left is 8 (t = 100 s).
    expect(
      hpa.recommend({ currentReplicas: 10, value: 30, target: 100, t: 300 * S }).desiredReplicas,
    ).toBe(8);
    // At 401 s only 3 and 3 remain.
    expect(
      hpa.recommend({ currentReplicas: 8, value: 30, target: 100, t: 401 * S }).desiredReplicas,
    ).toBe(3);
  });

  it('a flapping metric does not flap the replicas', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100 });
    let current = 10;
    const seen: number[] = [];
    for (let i = 0; i < 20; i++) {
      const value = i % 2 === 0 ? 100 : 40;
      current = hpa.recommend({
        currentReplicas: current,
        value,
        target: 100,
        t: i * 15 * S,
      }).desiredReplicas;
      seen.push(current);
    }
    expect(new Set(seen)).toEqual(new Set([10]));
  });

  it('scale-up stabilization: the lowest recommendation in the window wins', () => {
    const hpa = createHpaCalculator({
      maxReplicas: 100,
      behavior: { scaleUp: { stabilizationWindowSeconds: 60 } },
    });
    expect(
      hpa.recommend({ currentReplicas: 4, value: 100, target: 100, t: 0 }).desiredReplicas,
    ).toBe(4);
    const r = hpa.recommend({ currentReplicas: 4, value: 300, target: 100, t: 30 * S });
    expect([r.rawReplicas, r.desiredReplicas, r.limitedBy]).toEqual([12, 4, 'ScaleUpStabilized']);
    expect(
      hpa.recommend({ currentReplicas: 4, value: 300, target: 100, t: 61 * S }).desiredReplicas,
    ).toBe(8);
  });

  it('min/max: clamps, and a current count outside the range is brought in', () => {
    const hpa = createHpaCalculator({ minReplicas: 2, maxReplicas: 6, behavior: noDownWindow });
    const up = hpa.recommend({ currentReplicas: 4, value: 1000, target: 100, t: 0 });
    expect([up.desiredReplicas, up.limitedBy]).toEqual([6, 'TooManyReplicas']);
    const down = hpa.recommend({ currentReplicas: 4, value: 1, target: 100, t: 100 * S });
    expect([down.desiredReplicas, down.limitedBy]).toEqual([2, 'TooFewReplicas']);
    expect(
      hpa.recommend({ currentReplicas: 9, value: 100, target: 100, t: 200 * S }),
    ).toMatchObject({ desiredReplicas: 6, limitedBy: 'TooManyReplicas' });
    expect(
      hpa.recommend({ currentReplicas: 1, value: 100, target: 100, t: 300 * S }),
    ).toMatchObject({ desiredReplicas: 2, limitedBy: 'TooFewReplicas' });
    expect(
      hpa.recommend({ currentReplicas: 0, value: 100, target: 100, t: 400 * S }),
    ).toMatchObject({ desiredReplicas: 0, limitedBy: 'ScalingDisabled' });
  });

  it('without autoRecord, scale events come only from recordScale', () => {
    const hpa = createHpaCalculator({ maxReplicas: 100 }, { autoRecord: false });
    expect(
      hpa.recommend({ currentReplicas: 1, value: 2000, target: 100, t: 0 }).desiredReplicas,
    ).toBe(5);
    expect(
      hpa.recommend({ currentReplicas: 5, value: 2000, target: 100, t: 1 * S }).desiredReplicas,
    ).toBe(10);
    hpa.recordScale(5, 10, 1 * S);
    expect(
      hpa.recommend({ currentReplicas: 10, value: 2000, target: 100, t: 2 * S }).desiredReplicas,
    ).toBe(10);
  });

  it('uses the clock when an input has no time, and bounds its history', () => {
    const clock = createManualClock(0);
    const hpa = createHpaCalculator({ maxReplicas: 100, maxHistory: 2 }, { clock });
    for (let i = 0; i < 5; i++) {
      clock.advance(S);
      hpa.recommend({ currentReplicas: 10, value: 50, target: 100 });
    }
    expect(hpa.stats.recommendations).toBe(5);
    expect(hpa.stats.historyDropped).toBeGreaterThan(0);
  });

  it('refuses bad options and inputs', () => {
    expect(() => createHpaCalculator({ minReplicas: 5, maxReplicas: 2 })).toThrow(
      /maxReplicas must be ≥ minReplicas/,
    );
    expect(() => createHpaCalculator({} as HpaOptions)).toThrow(/maxReplicas/);
    expect(() =>
      createHpaCalculator({
        maxReplicas: 3,
        behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } },
      }),
    ).toThrow(/behavior\.scaleUp\.policies\.0\.value/);
    const hpa = createHpaCalculator({ maxReplicas: 3 });
    expect(() => hpa.normalize({ currentReplicas: -1, rawReplicas: 1 })).toThrow(/currentReplicas/);
  });
});

describe('HPA invariants (property)', () => {
  it('stays within [min, max] and within the default scale-up rate', async () => {
    const fc = (await import('fast-check')).default;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 5, max: 60 }),
        fc.array(
          fc.record({
            ratio: fc.double({ min: 0, max: 10, noNaN: true }),
            dt: fc.integer({ min: 0, max: 120 }),
          }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
        (min, max, steps) => {
          const hpa = createHpaCalculator({ minReplicas: min, maxReplicas: max });
          let current = Math.max(1, min);
          let t = 0;
          // Scale events of the last 15 s: the default policies limit growth relative to the
          // count at the start of that period (current − ups + downs), as Kubernetes does, so a
          // scale-down followed by a scale-up within 15 s may add more than 2× the current count.
          const events: { t: number; change: number }[] = [];
          for (const s of steps) {
            t += s.dt * S;
            const r = hpa.recommend({
              currentReplicas: current,
              value: 100 * s.ratio,
              target: 100,
              t,
            });
            expect(r.desiredReplicas).toBeGreaterThanOrEqual(min);
            expect(r.desiredReplicas).toBeLessThanOrEqual(max);
            // Never more than max(100 %, 4 pods) above the count at the start of the 15 s period.
            let periodStart = current;
            for (const e of events) if (e.t > t - 15 * S) periodStart -= e.change;
            expect(r.desiredReplicas).toBeLessThanOrEqual(
              Math.max(2 * periodStart, periodStart + 4),
            );
            if (r.desiredReplicas !== current)
              events.push({ t, change: r.desiredReplicas - current });
            current = r.desiredReplicas;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
