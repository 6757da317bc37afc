import type { ModelFactory } from './model.js';
import { createDampedTrend, createHolt, createHoltWinters, createSes } from './ets-models.js';
import { createSeasonalNaive } from './create-seasonal-naive.js';
import { createNaive2 } from './create-naive2.js';
import { createTheta } from './create-theta.js';
import { createMstl } from './create-mstl.js';
import { createLinearTrend } from './create-linear-trend.js';
import { createAutoModel } from './create-auto-model.js';
import { createEnsemble } from './create-ensemble.js';

/**
 * Every model of the package with its defaults for hourly data (daily period 24, weekly 168,
 * 95 % intervals), by name. The M4 benchmark runs each of them; `auto` is the default.
 *
 * @example
 * ```ts
 * const model = modelRegistry['mstl']!();
 * model.fit(hourly);
 * ```
 */
export const modelRegistry: Readonly<Record<string, ModelFactory>> = {
  auto: () => createAutoModel(),
  ensemble: () => createEnsemble(),
  snaive: () => createSeasonalNaive({ period: 24 }),
  'snaive-weekly': () => createSeasonalNaive({ period: 168 }),
  naive2: () => createNaive2({ period: 24 }),
  // As the M4 benchmarks: on the seasonally adjusted series when it tests seasonal.
  ses: () => createSes({ adjustPeriod: 24 }),
  holt: () => createHolt({ adjustPeriod: 24 }),
  damped: () => createDampedTrend({ adjustPeriod: 24 }),
  'hw-additive': () => createHoltWinters({ period: 24, trend: 'damped' }),
  'hw-multiplicative': () =>
    createHoltWinters({ period: 24, season: 'multiplicative', trend: 'damped' }),
  'hw-weekly': () => createHoltWinters({ period: 168, trend: 'none' }),
  mstl: () => createMstl({ periods: [24, 168] }),
  theta: () => createTheta({ period: 24 }),
  linear: () => createLinearTrend(),
};

/** Name of the default model in {@link modelRegistry}. */
export const DEFAULT_MODEL = 'auto';
