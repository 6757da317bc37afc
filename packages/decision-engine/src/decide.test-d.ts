import { describe, expectTypeOf, it } from 'vitest';
import type { OperatorFunction } from 'rxjs';
import type { Decision, Forecast, Incident, Sample } from '@homeostat/core';
import { decide, recommendScaling, type ScalingRecommendation } from './index.js';

describe('operator types', () => {
  it('decide maps incidents to decisions', () => {
    expectTypeOf(decide([])).toEqualTypeOf<OperatorFunction<Incident, Decision>>();
  });
  it('recommendScaling maps samples and forecasts to recommendations', () => {
    expectTypeOf(
      recommendScaling({ hpa: { maxReplicas: 3 }, target: 1 }, { currentReplicas: () => 1 }),
    ).toEqualTypeOf<OperatorFunction<Sample | Forecast, ScalingRecommendation>>();
  });
});
