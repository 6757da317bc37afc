import { expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import type * as S from './schemas.js';
import type * as E from './events.js';

// What a schema accepts must be usable as the event type it stands for.
test('schema outputs are assignable to the event types', () => {
  expectTypeOf<z.output<typeof S.sampleSchema>>().toMatchTypeOf<E.Sample>();
  expectTypeOf<z.output<typeof S.incidentSchema>>().toMatchTypeOf<E.Incident>();
  expectTypeOf<z.output<typeof S.decisionSchema>>().toMatchTypeOf<E.Decision>();
  expectTypeOf<z.output<typeof S.outcomeSchema>>().toMatchTypeOf<E.Outcome>();
  expectTypeOf<z.output<typeof S.forecastSchema>>().toMatchTypeOf<E.Forecast>();
  expectTypeOf<z.output<typeof S.exhaustionForecastSchema>>().toMatchTypeOf<E.ExhaustionForecast>();
  expectTypeOf<z.output<typeof S.breakerEventSchema>>().toMatchTypeOf<E.BreakerEvent>();
  expectTypeOf<z.output<typeof S.requestObservationSchema>>().toMatchTypeOf<E.RequestObservation>();
  expectTypeOf<
    z.output<typeof S.dependencyObservationSchema>
  >().toMatchTypeOf<E.DependencyObservation>();
  expectTypeOf<z.output<typeof S.anomalySchema>>().toMatchTypeOf<E.Anomaly>();
});
