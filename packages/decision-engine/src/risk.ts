import { z } from 'zod';
import { ConfigError, parseOptions, type Incident, type Issue } from '@homeostat/core';
import { createFreezeCalendar, type FreezeCalendarOptions } from './cron.js';
import type { CompiledPolicy } from './policy.js';

/** What a risk factor may look at. */
export interface RiskContext {
  /** The incident being decided. */
  readonly incident: Incident;
  /** The policy that matched. */
  readonly policy: CompiledPolicy;
  /** Id of the runbook the policy chose. */
  readonly runbook: string;
  /** Runbook parameters after templates (and the runbook's schema, when given). */
  readonly params: Readonly<Record<string, unknown>>;
  /** What the action touches (the policy's rendered target). */
  readonly target: string;
  /** Decision time. */
  readonly now: number;
  /** Actions started and not yet finished: in total, on this target, and of this runbook. */
  readonly inFlight: {
    /** Actions in flight in the whole engine. */
    readonly total: number;
    /** Actions in flight on this target. */
    readonly sameTarget: number;
    /** Actions in flight of this runbook. */
    readonly sameRunbook: number;
  };
  /** Failures of this runbook (any target) since `since` (epoch ms). */
  failuresSince(since: number): number;
}

/** One risk factor's verdict: a score in [0, 1] (1 = riskiest) and why. */
export interface RiskAssessment {
  /** Risk in [0, 1], 1 the riskiest (out-of-range values are clamped; NaN counts as 1). */
  readonly score: number;
  /** Why, in words, for the rationale. */
  readonly reason: string;
}

/** A pluggable risk factor. */
export interface RiskFactor {
  /** Name of the factor, shown in `RiskResult.factors` and the rationale. */
  readonly name: string;
  /**
   * Weight in the weighted mean (finite, > 0). `createDecisionEngine` refuses any other; given
   * to {@link assessRisk} directly, such a factor counts with weight 1 and score 1 (fail safe).
   */
  readonly weight: number;
  /** When true, this factor's score is also a floor for the total (a freeze cannot be averaged away). */
  readonly hard?: boolean;
  /** Scores one action. A throw or a non-number score counts as 1 (fail safe). */
  assess(context: RiskContext): RiskAssessment;
}

/** The aggregated risk with every factor's part. */
export interface RiskResult {
  /** In [0, 1]: Σ wᵢ·sᵢ / Σ wᵢ, raised to the largest `hard` factor's score. */
  readonly risk: number;
  /** Every factor's verdict, in the order given, with its name and weight. */
  readonly factors: readonly (RiskAssessment & {
    /** Name of the factor. */
    readonly name: string;
    /** Weight of the factor in the mean. */
    readonly weight: number;
    /** True for a factor whose score is a floor of the total. */
    readonly hard: boolean;
  })[];
}

const clamp01 = (x: number): number => (Number.isNaN(x) ? 1 : x < 0 ? 0 : x > 1 ? 1 : x);

/**
 * Scores every factor and aggregates: the weighted mean of the scores, raised to the score of
 * any `hard` factor. A factor that throws or returns a non-number scores 1 (fail safe) with the
 * error as its reason; so does one whose weight is not a finite number above 0, which then
 * counts with weight 1 (a bad weight must not average the other factors away).
 *
 * @example
 * ```ts
 * const { risk, factors } = assessRisk(defaultRiskFactors(), context);
 * ```
 */
export function assessRisk(factors: readonly RiskFactor[], context: RiskContext): RiskResult {
  let sum = 0;
  let wsum = 0;
  let floor = 0;
  const out: (RiskAssessment & { name: string; weight: number; hard: boolean })[] = [];
  for (const f of factors) {
    let a: RiskAssessment;
    let w = f.weight;
    if (!validWeight(w)) {
      a = { score: 1, reason: `has weight ${String(w)}, not a finite number > 0; counted as 1` };
      w = 1;
    } else {
      try {
        a = f.assess(context);
        if (typeof a?.score !== 'number' || Number.isNaN(a.score))
          a = { score: 1, reason: `returned no valid score; counted as 1` };
      } catch (e) {
        a = {
          score: 1,
          reason: `failed (${e instanceof Error ? e.message : String(e)}); counted as 1`,
        };
      }
    }
    const s = clamp01(a.score);
    sum += w * s;
    wsum += w;
    if (f.hard && s > floor) floor = s;
    out.push({ name: f.name, weight: w, hard: f.hard === true, score: s, reason: a.reason });
  }
  const mean = wsum > 0 ? sum / wsum : 0;
  return { risk: clamp01(Math.max(mean, floor)), factors: out };
}

function validWeight(w: unknown): w is number {
  return typeof w === 'number' && Number.isFinite(w) && w > 0;
}

/**
 * Checks risk factors given to `createDecisionEngine`: each needs a non-empty `name`, a finite
 * `weight` above 0 and an `assess` function.
 *
 * @throws {ConfigError} naming every bad factor and field (`riskFactors.2.weight`).
 * @internal
 */
export function checkRiskFactors(factors: readonly RiskFactor[]): void {
  const issues: Issue[] = [];
  if (!Array.isArray(factors)) {
    throw new ConfigError([{ path: 'riskFactors', message: 'must be an array of risk factors' }], {
      source: 'createDecisionEngine',
    });
  }
  factors.forEach((f: Partial<RiskFactor> | undefined, i) => {
    const at = `riskFactors.${i}`;
    if (f === null || typeof f !== 'object') {
      issues.push({ path: at, message: 'must be an object with name, weight and assess' });
      return;
    }
    if (typeof f.name !== 'string' || f.name === '')
      issues.push({ path: `${at}.name`, message: 'must be a non-empty string' });
    if (!validWeight(f.weight))
      issues.push({
        path: `${at}.weight`,
        message: `must be a finite number > 0, got ${String(f.weight)}`,
      });
    if (typeof f.assess !== 'function')
      issues.push({ path: `${at}.assess`, message: 'must be a function' });
  });
  if (issues.length > 0) throw new ConfigError(issues, { source: 'createDecisionEngine' });
}

const weight = z.number().positive().finite();

const blastRadiusSchema = z.strictObject({
  /** Weight of the factor in the risk's weighted mean (finite, > 0). Default 0.3. */
  weight: weight.default(0.3),
  /** Number of affected components at which the score reaches 1 (> 0). Default 10. */
  saturateAt: z.number().positive().default(10),
});

/**
 * Blast radius: how many components the action could affect, from an impact function the host
 * passes (for example the knowledge graph's). Score = min(1, affected / saturateAt).
 *
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * blastRadiusRisk((target) => graph.impact(target).length, { saturateAt: 20 });
 * ```
 */
export function blastRadiusRisk(
  impact: (target: string, incident: Incident) => number,
  options: z.input<typeof blastRadiusSchema> = {},
): RiskFactor {
  const o = parseOptions(blastRadiusSchema, options, { source: 'blastRadiusRisk' });
  return {
    name: 'blast-radius',
    weight: o.weight,
    assess(ctx) {
      const n = impact(ctx.target, ctx.incident);
      if (!Number.isFinite(n) || n < 0)
        return { score: 1, reason: `impact function returned ${n}; counted as 1` };
      const score = Math.min(1, n / o.saturateAt);
      return {
        score,
        reason: `${n} component(s) affected by ${ctx.target} (saturates at ${o.saturateAt})`,
      };
    },
  };
}

const criticalitySchema = z.strictObject({
  /** Weight of the factor in the risk's weighted mean (finite, > 0). Default 0.2. */
  weight: weight.default(0.2),
  /** The incident label holding the criticality tier. Default `'criticality'`. */
  label: z.string().min(1).default('criticality'),
  /**
   * Score of each tier, in [0, 1]. Default critical 1, high 0.75, medium 0.4, low 0.1; tier
   * names match exactly.
   */
  levels: z
    .record(z.string(), z.number().min(0).max(1))
    .default({ critical: 1, high: 0.75, medium: 0.4, low: 0.1 }),
  /** Score when the label is absent or its value unknown, in [0, 1]. Default 0.5. */
  unknown: z.number().min(0).max(1).default(0.5),
});

/**
 * Business criticality from a label (default `criticality`: critical 1, high 0.75, medium 0.4,
 * low 0.1, otherwise 0.5).
 *
 * @throws {ConfigError} on bad options.
 */
export function criticalityRisk(options: z.input<typeof criticalitySchema> = {}): RiskFactor {
  const o = parseOptions(criticalitySchema, options, { source: 'criticalityRisk' });
  return {
    name: 'criticality',
    weight: o.weight,
    assess(ctx) {
      const tier = ctx.incident.labels[o.label];
      if (tier !== undefined && Object.hasOwn(o.levels, tier))
        return { score: o.levels[tier]!, reason: `${o.label}=${tier}` };
      return {
        score: o.unknown,
        reason: tier === undefined ? `no ${o.label} label` : `unknown ${o.label}=${tier}`,
      };
    },
  };
}

const rollbackSchema = z.strictObject({
  /** Weight of the factor in the risk's weighted mean (finite, > 0). Default 0.15. */
  weight: weight.default(0.15),
  /** Score when nobody says whether a rollback exists, in [0, 1]. Default 0.5. */
  unknown: z.number().min(0).max(1).default(0.5),
});

/**
 * Whether the action can be undone: 0 with a rollback, 1 without, `unknown` (0.5) when neither
 * the host's `hasRollback(runbook)` nor the policy's `rollback` says.
 *
 * @throws {ConfigError} on bad options.
 */
export function rollbackRisk(
  hasRollback?: (runbook: string) => boolean | undefined,
  options: z.input<typeof rollbackSchema> = {},
): RiskFactor {
  const o = parseOptions(rollbackSchema, options, { source: 'rollbackRisk' });
  return {
    name: 'rollback',
    weight: o.weight,
    assess(ctx) {
      const has = hasRollback?.(ctx.runbook) ?? ctx.policy.rollback;
      if (has === undefined)
        return { score: o.unknown, reason: `unknown whether ${ctx.runbook} can be rolled back` };
      return has
        ? { score: 0, reason: `${ctx.runbook} can be rolled back` }
        : { score: 1, reason: `${ctx.runbook} cannot be rolled back` };
    },
  };
}

/**
 * Change-freeze windows (cron or fixed intervals): 1 inside a window, 0 outside. A `hard`
 * factor, so a freeze lifts the total risk to 1 whatever the other factors say.
 *
 * @throws {ConfigError} on a malformed window.
 * @example
 * ```ts
 * changeFreezeRisk({ windows: [{ name: 'friday-evening', cron: '* 16-23 fri' }] });
 * ```
 */
export function changeFreezeRisk(options: FreezeCalendarOptions & { weight?: number }): RiskFactor {
  const { weight: w = 0.1, ...calendar } = options;
  const wParsed = parseOptions(weight, w, { source: 'changeFreezeRisk.weight' });
  const freeze = createFreezeCalendar(calendar);
  return {
    name: 'change-freeze',
    weight: wParsed,
    hard: true,
    assess(ctx) {
      const by = freeze.frozenBy(ctx.now);
      return by === undefined
        ? { score: 0, reason: 'no change freeze now' }
        : { score: 1, reason: `change freeze: ${by}` };
    },
  };
}

const recentFailuresSchema = z.strictObject({
  /** Weight of the factor in the risk's weighted mean (finite, > 0). Default 0.15. */
  weight: weight.default(0.15),
  /**
   * How far back failures of the runbook count, in ms (> 0). Default 3,600,000 (1 h). The engine
   * keeps at most `failureHistory` failure times per runbook.
   */
  windowMs: z.number().positive().default(3_600_000),
  /** Failures in the window at which the score reaches 1 (integer > 0). Default 3. */
  saturateAt: z.number().int().positive().default(3),
});

/**
 * Recent failures of the same runbook: min(1, failures in `windowMs` / saturateAt).
 *
 * @throws {ConfigError} on bad options.
 */
export function recentFailuresRisk(options: z.input<typeof recentFailuresSchema> = {}): RiskFactor {
  const o = parseOptions(recentFailuresSchema, options, { source: 'recentFailuresRisk' });
  return {
    name: 'recent-failures',
    weight: o.weight,
    assess(ctx) {
      const n = ctx.failuresSince(ctx.now - o.windowMs);
      return {
        score: Math.min(1, n / o.saturateAt),
        reason: `${n} failure(s) of ${ctx.runbook} in the last ${Math.round(o.windowMs / 60_000)} min`,
      };
    },
  };
}

const inFlightSchema = z.strictObject({
  /** Weight of the factor in the risk's weighted mean (finite, > 0). Default 0.1. */
  weight: weight.default(0.1),
  /** Actions in flight at which the score reaches 1 (integer > 0). Default 5. */
  saturateAt: z.number().int().positive().default(5),
});

/**
 * Actions already in flight: 1 when one is running on the same target, otherwise
 * min(1, in flight / saturateAt).
 *
 * @throws {ConfigError} on bad options.
 */
export function inFlightRisk(options: z.input<typeof inFlightSchema> = {}): RiskFactor {
  const o = parseOptions(inFlightSchema, options, { source: 'inFlightRisk' });
  return {
    name: 'in-flight',
    weight: o.weight,
    assess(ctx) {
      const f = ctx.inFlight;
      if (f.sameTarget > 0)
        return { score: 1, reason: `${f.sameTarget} action(s) already running on ${ctx.target}` };
      return {
        score: Math.min(1, f.total / o.saturateAt),
        reason: `${f.total} action(s) in flight`,
      };
    },
  };
}

/**
 * The factors used when the host names none: criticality (0.2), rollback (0.15), recent
 * failures (0.15) and in flight (0.1). Blast radius and change freeze need host input
 * (an impact function, a calendar) and are added by passing them.
 */
export function defaultRiskFactors(): RiskFactor[] {
  return [criticalityRisk(), rollbackRisk(), recentFailuresRisk(), inFlightRisk()];
}
