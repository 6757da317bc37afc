import { describe, expect, expectTypeOf, it } from 'vitest';
import type { OperatorFunction } from 'rxjs';
import type { Decision, Forecast, Incident, Sample } from '@homeostat/core';
import { decide, recommendScaling, type ScalingRecommendation } from './index.js';

// expectTypeOf is checked by `tsc` (pnpm typecheck); the runtime assertions keep vitest honest.
describe('operator types', () => {
  it('decide maps incidents to decisions', () => {
    const op = decide([]);
    expectTypeOf(op).toEqualTypeOf<OperatorFunction<Incident, Decision>>();
    expect(typeof op).toBe('function');
  });
  it('recommendScaling maps samples and forecasts to recommendations', () => {
    const op = recommendScaling(
      { hpa: { maxReplicas: 3 }, target: 1 },
      { currentReplicas: () => 1 },
    );
    expectTypeOf(op).toEqualTypeOf<OperatorFunction<Sample | Forecast, ScalingRecommendation>>();
    expect(typeof op).toBe('function');
  });
});
