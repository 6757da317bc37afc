import { z } from 'zod';
import type { Verdict } from '@homeostat/core';
import { f2 } from './internal/format.js';

const unit = z.number().min(0).max(1);

/** zod schema of the gate thresholds. */
export const gateOptionsSchema = z
  .strictObject({
    /** Act alone when confidence > minConfidence and risk < maxRisk. */
    execute: z
      .strictObject({
        /**
         * Confidence must be strictly above this to act alone, in [0, 1]; not below
         * `approve.minConfidence`. Default 0.8.
         */
        minConfidence: unit.default(0.8),
        /**
         * Risk must be strictly below this to act alone, in [0, 1]; not above `approve.maxRisk`.
         * Default 0.3.
         */
        maxRisk: unit.default(0.3),
      })
      .default({ minConfidence: 0.8, maxRisk: 0.3 }),
    /** Ask a person when confidence > minConfidence and risk < maxRisk; otherwise escalate. */
    approve: z
      .strictObject({
        /** Confidence must be strictly above this to ask a person, in [0, 1]. Default 0.6. */
        minConfidence: unit.default(0.6),
        /** Risk must be strictly below this to ask a person, in [0, 1]. Default 0.5. */
        maxRisk: unit.default(0.5),
      })
      .default({ minConfidence: 0.6, maxRisk: 0.5 }),
  })
  .refine((g) => g.approve.minConfidence <= g.execute.minConfidence, {
    message: 'approve.minConfidence must not be above execute.minConfidence',
    path: ['approve', 'minConfidence'],
  })
  .refine((g) => g.approve.maxRisk >= g.execute.maxRisk, {
    message: 'approve.maxRisk must not be below execute.maxRisk',
    path: ['approve', 'maxRisk'],
  });

/** Gate thresholds (all optional). */
export type GateOptions = z.input<typeof gateOptionsSchema>;
/** Parsed gate thresholds. */
export type GateThresholds = z.output<typeof gateOptionsSchema>;

/** The gate's verdict and the reason for it. */
export interface GateResult {
  /** `execute`, `approve` or `escalate`. */
  readonly verdict: Extract<Verdict, 'execute' | 'approve' | 'escalate'>;
  /** The comparison that decided it, in words. */
  readonly reason: string;
}

/**
 * The confidence/risk gate: `execute` when confidence > execute.minConfidence and risk <
 * execute.maxRisk (defaults 0.8, 0.3); `approve` when confidence > approve.minConfidence and
 * risk < approve.maxRisk (0.6, 0.5); otherwise `escalate`. Comparisons are strict, and a NaN
 * input escalates.
 *
 * @example
 * ```ts
 * gateDecision({ confidence: 0.9, risk: 0.1 }, gateOptionsSchema.parse({})).verdict; // 'execute'
 * ```
 */
export function gateDecision(
  scores: { readonly confidence: number; readonly risk: number },
  thresholds: GateThresholds,
): GateResult {
  const { confidence: c, risk: r } = scores;
  const e = thresholds.execute;
  const a = thresholds.approve;
  const cs = f2(c);
  const rs = f2(r);
  if (c > e.minConfidence && r < e.maxRisk)
    return {
      verdict: 'execute',
      reason: `gate: confidence ${cs} > ${e.minConfidence} and risk ${rs} < ${e.maxRisk} → execute`,
    };
  if (c > a.minConfidence && r < a.maxRisk)
    return {
      verdict: 'approve',
      reason: `gate: confidence ${cs} > ${a.minConfidence} and risk ${rs} < ${a.maxRisk}, short of execute (> ${e.minConfidence}, < ${e.maxRisk}) → approve`,
    };
  return {
    verdict: 'escalate',
    reason: `gate: confidence ${cs} (needs > ${a.minConfidence}) or risk ${rs} (needs < ${a.maxRisk}) outside approval bounds → escalate`,
  };
}
