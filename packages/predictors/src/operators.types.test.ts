// Type assertions: checked by `pnpm typecheck` (tsc); at run time `expectTypeOf` is a no-op.
import { expectTypeOf, it } from 'vitest';
import type { OperatorFunction } from 'rxjs';
import type { ExhaustionForecast, Forecast, Sample } from '@homeostat/core';
import {
  createHoltWinters,
  forecast,
  timeToExhaustion,
  type Model,
  type ModelFactory,
} from './index.js';

interface TaggedSample extends Sample {
  readonly host: string;
}

it('operators infer their input and output types', () => {
  expectTypeOf(forecast<TaggedSample>(() => createHoltWinters())).toEqualTypeOf<
    OperatorFunction<TaggedSample, Forecast>
  >();
  expectTypeOf(timeToExhaustion({ limit: 1 })).toEqualTypeOf<
    OperatorFunction<Sample, ExhaustionForecast>
  >();
  expectTypeOf(createHoltWinters).returns.toEqualTypeOf<Model>();
  expectTypeOf<() => Model>().toExtend<ModelFactory>();
});
