import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model, ModelState } from './model.js';
import { checkHistory, checkHorizon } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import {
  candidateNameSchema,
  makeCandidate,
  rankOnHoldout,
  type CandidateName,
} from './internal/candidates.js';
import { ForecastInputError } from './model.js';

/** Options of {@link createEnsemble}. */
export const ensembleOptionsSchema = z
  .object({
    ...baseModelShape,
    /** Seasonal periods in steps (hourly data: `[24, 168]`). Default `[24, 168]`. */
    periods: z.array(periodSchema).min(1).max(4).default([24, 168]),
    /**
     * The members (at least one). Default `snaive`, `hw-additive`, `hw-long`,
     * `mstl`, `mstl-adaptive`, `theta`.
     */
    members: z
      .array(candidateNameSchema)
      .min(1)
      .default(['snaive', 'hw-additive', 'hw-long', 'mstl', 'mstl-adaptive', 'theta']),
    /** Keep only the `top` most accurate members on the inner holdout. Default 2. */
    top: z.number().int().min(1).default(2),
    /** Length of the inner holdout used for the initial weights. Default 48. */
    holdout: z.number().int().min(1).default(48),
    /**
     * Per-update decay of the running error that re-weights members as data arrives. Default 0.99.
     */
    decay: z.number().gt(0).lt(1).default(0.99),
  })
  .strict();
/** Options of {@link createEnsemble} (all optional). */
export type EnsembleOptions = z.input<typeof ensembleOptionsSchema>;

/** A {@link Model} combining members; `weights` shows the current weight of each. */
export interface Ensemble extends Model {
  /** Member name → weight (sums to 1). */
  readonly weights: Readonly<Record<string, number>>;
}

interface Member {
  readonly name: CandidateName;
  readonly model: Model;
  /** Running mean absolute one-step error. */
  err: number;
}

/**
 * An ensemble weighted by recent accuracy: members are ranked on an inner holdout (the last
 * `holdout` values of the history), the best `top` kept with weights inversely proportional to
 * their holdout error, and every `update` re-weights them by an exponentially decaying mean of
 * their one-step errors.
 *
 * @remarks The interval is the weighted average of the members' bounds. With a history too
 * short for the holdout, every member gets the same weight. Only the last `maxHistory` values
 * of a history are used, for the ranking as for the fits, so a model restored from `toJSON()`
 * (which keeps those values) starts with the same members and weights.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createEnsemble({ members: ['snaive', 'mstl', 'theta'] });
 * model.fit(hourly);
 * model.forecast(48);
 * ```
 */
export function createEnsemble(options: EnsembleOptions = {}): Ensemble {
  const o = parseOptions(ensembleOptionsSchema, options, { source: 'createEnsemble' });
  const ctx = { periods: o.periods, level: o.level, maxHistory: o.maxHistory };
  let members: Member[] = [];
  let kept: number[] = [];
  const weightsOf = (): number[] => {
    const inv = members.map((m) => 1 / Math.max(m.err, 1e-12));
    const total = inv.reduce((a, b) => a + b, 0);
    return inv.map((v) => (Number.isFinite(total) && total > 0 ? v / total : 1 / members.length));
  };
  const model: Ensemble = {
    name: 'ensemble',
    get weights() {
      const w = weightsOf();
      return Object.fromEntries(members.map((m, i) => [m.name, w[i]!]));
    },
    fit(history: ArrayLike<number>): void {
      // Only the last maxHistory values are used, for ranking as for the fit, so that a model
      // restored from toJSON() (which holds those values) makes the same choice.
      const h = checkHistory('ensemble', history).slice(-o.maxHistory);
      kept = [...h];
      const min = Math.min(...o.periods);
      let chosen: { name: CandidateName; mae: number }[];
      if (h.length >= o.holdout + 2 * min) {
        chosen = rankOnHoldout(o.members, ctx, {
          train: h.slice(0, -o.holdout),
          test: h.slice(-o.holdout),
        }).slice(0, o.top);
      } else {
        chosen = o.members.slice(0, o.top).map((name) => ({ name, mae: 1 }));
      }
      const next: Member[] = [];
      for (const c of chosen) {
        const m = makeCandidate(c.name, ctx);
        m.fit(h);
        next.push({ name: c.name, model: m, err: c.mae });
      }
      members = next;
    },
    update(value: number, t?: number): void {
      if (members.length === 0) {
        model.fit([value]);
        return;
      }
      if (!Number.isFinite(value)) {
        throw new ForecastInputError(
          'ensemble',
          `update value is ${String(value)}; it must be finite`,
        );
      }
      for (const m of members) {
        const f = m.model.forecast(1).mean[0]!;
        m.err = o.decay * m.err + (1 - o.decay) * Math.abs(value - f);
        m.model.update(value, t);
      }
      kept.push(value);
      if (kept.length > o.maxHistory) kept.shift();
    },
    toJSON(): ModelState {
      return { model: 'ensemble', history: [...kept] };
    },
    forecast(h: number): ForecastResult {
      checkHorizon('ensemble', h);
      if (members.length === 0)
        throw new ForecastInputError('ensemble', 'forecast() called before fit()');
      const w = weightsOf();
      const parts = members.map((m) => m.model.forecast(h));
      const combine = (key: 'mean' | 'lower' | 'upper'): number[] =>
        Array.from({ length: h }, (_, j) => parts.reduce((s, p, i) => s + w[i]! * p[key][j]!, 0));
      return {
        mean: combine('mean'),
        lower: combine('lower'),
        upper: combine('upper'),
        level: o.level,
      };
    },
  };
  return model;
}
