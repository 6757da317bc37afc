import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import type { ForecastResult, Model, ModelState } from './model.js';
import { checkHistory } from './internal/base.js';
import { baseModelShape, periodSchema } from './internal/options.js';
import {
  candidateNameSchema,
  makeCandidate,
  rankOnHoldout,
  widen,
  type CandidateName,
} from './internal/candidates.js';

/** Options of {@link createAutoModel}. */
export const autoModelOptionsSchema = z
  .object({
    ...baseModelShape,
    /**
     * Seasonal periods in steps (hourly data: `[24, 168]`). The shortest is the main one. Default
     * `[24, 168]`.
     */
    periods: z.array(periodSchema).min(1).max(4).default([24, 168]),
    /**
     * The models to choose from (at least one). Default `snaive`, `hw-additive`,
     * `hw-long`, `mstl`, `mstl-adaptive`, `theta`.
     */
    candidates: z
      .array(candidateNameSchema)
      .min(1)
      .default(['snaive', 'hw-additive', 'hw-long', 'mstl', 'mstl-adaptive', 'theta']),
    /**
     * Length of the inner holdout cut from the end of the history to compare candidates. Default
     * 48.
     */
    holdout: z.number().int().min(1).default(48),
    /**
     * Number of holdout windows (each `holdout` long, going back from the end) whose scores are
     * added up; more windows make the choice less noisy and cost one more fit per candidate.
     * Default 1.
     */
    origins: z.number().int().min(1).max(10).default(1),
    /**
     * Candidate used when the history is too short to hold out (`holdout` + 2 shortest periods).
     * Default `'snaive'`.
     */
    fallback: candidateNameSchema.default('snaive'),
    /**
     * Widen the chosen model's interval by how much it under-covered the inner holdout
     * (at most 3×), so that the stated level holds better out of sample. Default `true`.
     */
    calibrate: z.boolean().default(true),
  })
  .strict();
/** Options of {@link createAutoModel} (all optional). */
export type AutoModelOptions = z.input<typeof autoModelOptionsSchema>;

/** A {@link Model} that chose one of several candidates; `selected` names the choice. */
export interface AutoModel extends Model {
  /** The candidate chosen at the last `fit`. */
  readonly selected: CandidateName | undefined;
}

/**
 * Automatic model selection: every candidate is fitted on the history minus its last `holdout`
 * values and scored on those (sMAPE and MAE relative to the best candidate); the winner is then
 * refitted on the whole history, and its interval widened by as much as it under-covered the
 * inner holdout (`calibrate`, at most 3×).
 *
 * @remarks The values you will score on are never seen by the selection. With a history
 * shorter than `holdout` plus two periods, `fallback` is used without selection. `update` feeds
 * the chosen model; selection runs again only on `fit`. Only the last `maxHistory` values of a
 * history are used, for the selection as for the fit, so a model restored from `toJSON()`
 * (which keeps those values) makes the same choice.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const model = createAutoModel({ periods: [24, 168] });
 * model.fit(hourly);
 * model.forecast(48);
 * model.selected; // e.g. 'mstl'
 * ```
 */
export function createAutoModel(options: AutoModelOptions = {}): AutoModel {
  const o = parseOptions(autoModelOptionsSchema, options, { source: 'createAutoModel' });
  const ctx = { periods: o.periods, level: o.level, maxHistory: o.maxHistory };
  let inner: Model | undefined;
  let selected: CandidateName | undefined;
  let widenBy = 1;
  let kept: number[] = [];
  const model: AutoModel = {
    name: 'auto',
    get selected() {
      return selected;
    },
    fit(history: ArrayLike<number>): void {
      // Only the last maxHistory values are used, for ranking as for the fit, so that a model
      // restored from toJSON() (which holds those values) makes the same choice.
      const h = checkHistory('auto', history).slice(-o.maxHistory);
      kept = [...h];
      const min = Math.min(...o.periods);
      let choice: CandidateName = o.fallback;
      let factor = 1;
      if (h.length >= o.holdout + 2 * min) {
        const total = new Map<CandidateName, { score: number; windows: number }>();
        const widenings = new Map<CandidateName, number>();
        let windows = 0;
        for (let k = 0; k < o.origins; k++) {
          const end = h.length - k * o.holdout;
          if (end - o.holdout < 2 * min) break;
          windows++;
          const ranked = rankOnHoldout(o.candidates, ctx, {
            train: h.slice(0, end - o.holdout),
            test: h.slice(end - o.holdout, end),
          });
          for (const r of ranked) {
            const t = total.get(r.name) ?? { score: 0, windows: 0 };
            total.set(r.name, { score: t.score + r.score, windows: t.windows + 1 });
            // Calibration uses the most recent window only.
            if (k === 0) widenings.set(r.name, r.widen);
          }
        }
        // A candidate that failed on any window is not chosen.
        const best = [...total]
          .filter(([, t]) => t.windows === windows)
          .sort((a, b) => a[1].score - b[1].score)[0];
        if (best) {
          choice = best[0];
          factor = o.calibrate ? (widenings.get(choice) ?? 1) : 1;
        }
      }
      const next = makeCandidate(choice, ctx);
      next.fit(h);
      inner = next;
      selected = choice;
      widenBy = factor;
    },
    update(value: number, t?: number): void {
      if (!inner) {
        model.fit([value]);
        return;
      }
      inner.update(value, t);
      kept.push(value);
      if (kept.length > o.maxHistory) kept.shift();
    },
    toJSON(): ModelState {
      return { model: 'auto', history: [...kept] };
    },
    forecast(h: number): ForecastResult {
      if (!inner) return makeCandidate(o.fallback, ctx).forecast(h); // throws the unfitted error
      return widen(inner.forecast(h), widenBy);
    },
  };
  return model;
}
