import { z } from 'zod';
import { parseOptions, systemClock, type Clock } from '@homeostat/core';

const scalingPolicySchema = z
  .object({
    /**
     * `Pods`: `value` is a number of replicas; `Percent`: a percentage of the replicas at the
     * start of the period.
     */
    type: z.enum(['Pods', 'Percent']),
    /** Largest change allowed per `periodSeconds`, in pods or percent (integer > 0). */
    value: z.number().int().positive(),
    /** Length of the sliding period the limit applies to, in seconds (1–1800). */
    periodSeconds: z.number().int().positive().max(1800),
  })
  .strict();

const rulesSchema = (defaults: {
  stabilizationWindowSeconds: number;
  policies: z.input<typeof scalingPolicySchema>[];
}) =>
  z
    .object({
      /**
       * Look-back in seconds (0–3600) over past recommendations: scaling up uses the lowest of
       * them, scaling down the highest, which damps flapping. Default 0 for scale-up, 300 for
       * scale-down.
       */
      stabilizationWindowSeconds: z
        .number()
        .int()
        .min(0)
        .max(3600)
        .default(defaults.stabilizationWindowSeconds),
      /**
       * Which of the `policies` wins: `Max` the one allowing the largest change, `Min` the
       * smallest, `Disabled` no scaling in this direction. Default `'Max'`.
       */
      selectPolicy: z.enum(['Max', 'Min', 'Disabled']).default('Max'),
      /**
       * Rate limits on scaling in this direction (at least one). Default for scale-up: 100 % or
       * 4 pods per 15 s; for scale-down: 100 % per 15 s.
       */
      policies: z.array(scalingPolicySchema).min(1).default(defaults.policies),
    })
    .strict();

/** Kubernetes' default scale-up rules: no stabilization; 100 % or 4 pods per 15 s, whichever is more. */
const UP_DEFAULTS = {
  stabilizationWindowSeconds: 0,
  policies: [
    { type: 'Percent' as const, value: 100, periodSeconds: 15 },
    { type: 'Pods' as const, value: 4, periodSeconds: 15 },
  ],
};
/** Kubernetes' default scale-down rules: 300 s stabilization; 100 % per 15 s. */
const DOWN_DEFAULTS = {
  stabilizationWindowSeconds: 300,
  policies: [{ type: 'Percent' as const, value: 100, periodSeconds: 15 }],
};

/** zod schema of {@link createHpaCalculator}'s options (names follow the Kubernetes HPA spec). */
export const hpaOptionsSchema = z
  .object({
    /**
     * Fewest replicas recommended (integer ≥ 0). Default 1. Unless it is 0, a current count of 0
     * disables scaling, as in Kubernetes.
     */
    minReplicas: z.number().int().min(0).default(1),
    /** Most replicas recommended (integer ≥ 1, ≥ `minReplicas`). Required. */
    maxReplicas: z.number().int().min(1),
    /** No scaling while |value / target − 1| ≤ tolerance, a ratio in [0, 1]. Default 0.1. */
    tolerance: z.number().min(0).max(1).default(0.1),
    /** Stabilization windows and rate policies per direction, with the Kubernetes defaults. */
    behavior: z
      .object({
        /**
         * Rules for scaling up. Default: no stabilization; 100 % or 4 pods per 15 s, whichever
         * is more.
         */
        scaleUp: rulesSchema(UP_DEFAULTS).prefault({}),
        /** Rules for scaling down. Default: 300 s stabilization; 100 % per 15 s. */
        scaleDown: rulesSchema(DOWN_DEFAULTS).prefault({}),
      })
      .strict()
      .prefault({}),
    /**
     * Most recommendations and scale events remembered (older ones dropped, and counted). Default
     * 4,096.
     */
    maxHistory: z.number().int().min(1).default(4_096),
  })
  .strict()
  .refine((o) => o.maxReplicas >= o.minReplicas, {
    message: 'maxReplicas must be ≥ minReplicas',
    path: ['maxReplicas'],
  });

/** Options of {@link createHpaCalculator}. */
export type HpaOptions = z.input<typeof hpaOptionsSchema>;

/** Why the final replica count is what it is. */
export type HpaLimit =
  | 'DesiredWithinRange'
  | 'WithinTolerance'
  | 'ScaleUpStabilized'
  | 'ScaleDownStabilized'
  | 'ScaleUpLimit'
  | 'ScaleDownLimit'
  | 'TooManyReplicas'
  | 'TooFewReplicas'
  | 'ScalingDisabled';

/** One recommendation with every intermediate value. */
export interface HpaRecommendation {
  /** The replica count given as input. */
  readonly currentReplicas: number;
  /** From the metric (or the predictive scaler), before stabilization and rate limits. */
  readonly rawReplicas: number;
  /** After the stabilization windows. */
  readonly stabilizedReplicas: number;
  /** Final: after rate policies and min/max. */
  readonly desiredReplicas: number;
  /** Which rule set the final count (Kubernetes' condition reasons). */
  readonly limitedBy: HpaLimit;
  /** Each step of the calculation, in words. */
  readonly rationale: readonly string[];
}

/** Input of {@link HpaCalculator.recommend}. */
export interface HpaInput {
  /** Replicas running now (an integer ≥ 0; 0 disables scaling unless `minReplicas` is 0). */
  readonly currentReplicas: number;
  /** Current metric value (average per replica, as Kubernetes uses it). */
  readonly value: number;
  /** Target metric value. */
  readonly target: number;
  /** Time of the observation (epoch ms). Default: the clock's now. */
  readonly t?: number;
}

/** Input of {@link HpaCalculator.normalize}: a raw replica count from any source. */
export interface HpaNormalizeInput {
  /** Replicas running now (an integer ≥ 0). */
  readonly currentReplicas: number;
  /** The replica count asked for, before stabilization, rate policies and min/max. */
  readonly rawReplicas: number;
  /** Time of the recommendation (epoch ms). Default: the clock's now. */
  readonly t?: number;
  /** Overrides the scale-down stabilization window for this call (seconds). */
  readonly scaleDownWindowSeconds?: number;
}

/** Counters of a calculator. */
export interface HpaStats {
  /** Recommendations made (calls to `recommend` and `normalize`). */
  recommendations: number;
  /** History entries dropped because `maxHistory` was reached. */
  historyDropped: number;
}

/** The Kubernetes HPA replica calculation as a plain stateful object (one per scaled target). */
export interface HpaCalculator {
  /** desired = ceil(current × value / target) with tolerance, then {@link HpaCalculator.normalize}. */
  recommend(input: HpaInput): HpaRecommendation;
  /** Stabilization windows, then scale-up/down rate policies and min/max, as Kubernetes applies them. */
  normalize(input: HpaNormalizeInput): HpaRecommendation;
  /** Records a scale that happened outside {@link HpaCalculator.recommend} (with `autoRecord` off or by hand). */
  recordScale(from: number, to: number, t?: number): void;
  /** Counters updated in place, readable by the host. */
  readonly stats: HpaStats;
}

/** Capabilities of {@link createHpaCalculator}. */
export interface HpaDeps {
  /** Time when an input has no `t`. Default: `systemClock`. */
  readonly clock?: Clock;
  /**
   * When true (default), a recommendation that differs from `currentReplicas` is assumed to be
   * applied and recorded as a scale event for the rate policies.
   */
  readonly autoRecord?: boolean;
}

interface Rec {
  readonly replicas: number;
  t: number;
}
interface ScaleEvent {
  readonly change: number;
  readonly t: number;
}

/**
 * Replica count a metric asks for, as the Kubernetes HPA computes it:
 * ceil(current × value / target), or `current` when |value / target − 1| ≤ tolerance.
 *
 * @throws {RangeError} when target ≤ 0, or a value is not finite, or current < 0.
 * @example
 * ```ts
 * metricReplicas({ currentReplicas: 3, value: 200, target: 100 }, 0.1); // 6
 * ```
 */
export function metricReplicas(
  input: { readonly currentReplicas: number; readonly value: number; readonly target: number },
  tolerance = 0.1,
): number {
  const { currentReplicas: c, value, target } = input;
  if (!(target > 0) || !Number.isFinite(target))
    throw new RangeError(`target must be a finite number > 0, got ${target}`);
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`value must be a finite number ≥ 0, got ${value}`);
  if (!Number.isInteger(c) || c < 0)
    throw new RangeError(`currentReplicas must be an integer ≥ 0, got ${c}`);
  const ratio = value / target;
  if (Math.abs(1 - ratio) <= tolerance) return c;
  return Math.ceil(ratio * c);
}

/**
 * Creates a Kubernetes-HPA replica calculator for one scaled target: the 10 % tolerance,
 * min/max replicas, stabilization windows (scale-down default 300 s: the highest recommendation
 * in the window wins; scale-up default 0 s: the lowest wins), and scale-up/scale-down rate
 * policies (`Pods`/`Percent` per period, `selectPolicy` Max/Min/Disabled), with the Kubernetes
 * defaults (up: 100 % or 4 pods per 15 s; down: 100 % per 15 s).
 *
 * @remarks Follows the controller's order: current outside [min, max] → clamp; else metric
 * replicas → stabilization → rate limits and min/max. The first call seeds the scale-down
 * window with the current count, as the controller does on start. Time is event time (`t`)
 * or `deps.clock`. History is bounded by `maxHistory`.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const hpa = createHpaCalculator({ minReplicas: 2, maxReplicas: 20 });
 * hpa.recommend({ currentReplicas: 4, value: 90, target: 60, t: 0 }).desiredReplicas; // 6
 * ```
 */
export function createHpaCalculator(options: HpaOptions, deps: HpaDeps = {}): HpaCalculator {
  const o = parseOptions(hpaOptionsSchema, options, { source: 'createHpaCalculator' });
  const clock = deps.clock ?? systemClock;
  const autoRecord = deps.autoRecord ?? true;
  const up = o.behavior.scaleUp;
  const down = o.behavior.scaleDown;
  const longestPeriodMs =
    1000 *
    Math.max(
      ...up.policies.map((p) => p.periodSeconds),
      ...down.policies.map((p) => p.periodSeconds),
    );
  const recs: Rec[] = [];
  const upEvents: ScaleEvent[] = [];
  const downEvents: ScaleEvent[] = [];
  const stats: HpaStats = { recommendations: 0, historyDropped: 0 };
  let seeded = false;

  const changeInPeriod = (events: ScaleEvent[], periodSeconds: number, now: number): number => {
    const cutoff = now - periodSeconds * 1000;
    let n = 0;
    for (const e of events) if (e.t > cutoff) n += e.change;
    return n;
  };

  const prune = (events: ScaleEvent[], now: number): void => {
    while (events.length > 0 && events[0]!.t <= now - longestPeriodMs) events.shift();
    while (events.length > o.maxHistory) {
      events.shift();
      stats.historyDropped++;
    }
  };

  const scaleUpLimit = (current: number, now: number): number => {
    if (up.selectPolicy === 'Disabled') return current;
    let result = up.selectPolicy === 'Min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    for (const p of up.policies) {
      const start =
        current -
        changeInPeriod(upEvents, p.periodSeconds, now) +
        changeInPeriod(downEvents, p.periodSeconds, now);
      const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
      result = up.selectPolicy === 'Min' ? Math.min(result, proposed) : Math.max(result, proposed);
    }
    return result;
  };

  const scaleDownLimit = (current: number, now: number): number => {
    if (down.selectPolicy === 'Disabled') return current;
    let result = down.selectPolicy === 'Min' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (const p of down.policies) {
      const start =
        current -
        changeInPeriod(upEvents, p.periodSeconds, now) +
        changeInPeriod(downEvents, p.periodSeconds, now);
      const proposed =
        p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
      result =
        down.selectPolicy === 'Min' ? Math.max(result, proposed) : Math.min(result, proposed);
    }
    return result;
  };

  const recordScale = (from: number, to: number, t: number): void => {
    if (to > from) upEvents.push({ change: to - from, t });
    else if (to < from) downEvents.push({ change: from - to, t });
    prune(upEvents, t);
    prune(downEvents, t);
  };

  const normalize = (input: HpaNormalizeInput): HpaRecommendation => {
    const now = input.t ?? clock.now();
    const current = input.currentReplicas;
    if (!Number.isInteger(current) || current < 0)
      throw new RangeError(`currentReplicas must be an integer ≥ 0, got ${current}`);
    const raw = input.rawReplicas;
    stats.recommendations++;
    const rationale: string[] = [];
    const done = (stabilized: number, desired: number, limitedBy: HpaLimit): HpaRecommendation => {
      if (autoRecord && desired !== current) recordScale(current, desired, now);
      return {
        currentReplicas: current,
        rawReplicas: raw,
        stabilizedReplicas: stabilized,
        desiredReplicas: desired,
        limitedBy,
        rationale,
      };
    };
    if (current === 0 && o.minReplicas !== 0) {
      rationale.push(
        'current replicas is 0: autoscaling is disabled for this target (as in Kubernetes)',
      );
      return done(0, 0, 'ScalingDisabled');
    }
    if (current > o.maxReplicas) {
      rationale.push(`current ${current} > maxReplicas ${o.maxReplicas} → ${o.maxReplicas}`);
      return done(o.maxReplicas, o.maxReplicas, 'TooManyReplicas');
    }
    if (current < o.minReplicas) {
      rationale.push(`current ${current} < minReplicas ${o.minReplicas} → ${o.minReplicas}`);
      return done(o.minReplicas, o.minReplicas, 'TooFewReplicas');
    }
    if (!seeded) {
      seeded = true;
      recs.push({ replicas: current, t: now });
    }

    // Stabilization: lowest recommendation in the up window, highest in the down window.
    const upCutoff = now - up.stabilizationWindowSeconds * 1000;
    const downWindow = input.scaleDownWindowSeconds ?? down.stabilizationWindowSeconds;
    const downCutoff = now - downWindow * 1000;
    let upRec = raw;
    let downRec = raw;
    let oldIndex = -1;
    for (let i = 0; i < recs.length; i++) {
      const r = recs[i]!;
      if (r.t > upCutoff) upRec = Math.min(upRec, r.replicas);
      if (r.t > downCutoff) downRec = Math.max(downRec, r.replicas);
      if (oldIndex < 0 && r.t < upCutoff && r.t < downCutoff) oldIndex = i;
    }
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    // Record the unstabilized recommendation, reusing an entry older than both windows.
    if (oldIndex >= 0) recs[oldIndex] = { replicas: raw, t: now };
    else {
      recs.push({ replicas: raw, t: now });
      if (recs.length > o.maxHistory) {
        recs.shift();
        stats.historyDropped++;
      }
    }
    let limitedBy: HpaLimit = 'DesiredWithinRange';
    if (stabilized !== raw) {
      limitedBy = raw > stabilized ? 'ScaleUpStabilized' : 'ScaleDownStabilized';
      rationale.push(
        raw > stabilized
          ? `scale-up stabilization (${up.stabilizationWindowSeconds} s): lowest recent recommendation ${stabilized}`
          : `scale-down stabilization (${downWindow} s): highest recent recommendation ${stabilized}`,
      );
    }

    // Rate policies and min/max.
    let desired = stabilized;
    if (stabilized > current) {
      let limit = scaleUpLimit(current, now);
      if (limit < current) limit = current;
      let maxAllowed = o.maxReplicas;
      let reason: HpaLimit = 'TooManyReplicas';
      if (maxAllowed > limit) {
        maxAllowed = limit;
        reason = 'ScaleUpLimit';
      }
      if (stabilized > maxAllowed) {
        desired = maxAllowed;
        limitedBy = reason;
        rationale.push(
          reason === 'ScaleUpLimit'
            ? `scale-up policies (${up.selectPolicy}) allow at most ${maxAllowed} now`
            : `capped at maxReplicas ${maxAllowed}`,
        );
      }
    } else if (stabilized < current) {
      let limit = scaleDownLimit(current, now);
      if (limit > current) limit = current;
      let minAllowed = o.minReplicas;
      let reason: HpaLimit = 'TooFewReplicas';
      if (minAllowed < limit) {
        minAllowed = limit;
        reason = 'ScaleDownLimit';
      }
      if (stabilized < minAllowed) {
        desired = minAllowed;
        limitedBy = reason;
        rationale.push(
          reason === 'ScaleDownLimit'
            ? `scale-down policies (${down.selectPolicy}) allow at least ${minAllowed} now`
            : `floored at minReplicas ${minAllowed}`,
        );
      }
    }
    rationale.push(`${current} → ${desired} replicas`);
    return done(stabilized, desired, limitedBy);
  };

  return {
    stats,
    normalize,
    recommend(input) {
      const raw = metricReplicas(input, o.tolerance);
      const ratio = input.value / input.target;
      const within = raw === input.currentReplicas && Math.abs(1 - ratio) <= o.tolerance;
      const r = normalize({
        currentReplicas: input.currentReplicas,
        rawReplicas: raw,
        ...(input.t === undefined ? {} : { t: input.t }),
      });
      const head = within
        ? `metric ${input.value} vs target ${input.target}: ratio ${ratio.toFixed(3)} within tolerance ${o.tolerance}, no change asked`
        : `metric ${input.value} vs target ${input.target}: ceil(${input.currentReplicas} × ${ratio.toFixed(3)}) = ${raw}`;
      return {
        ...r,
        limitedBy: within && r.limitedBy === 'DesiredWithinRange' ? 'WithinTolerance' : r.limitedBy,
        rationale: [head, ...r.rationale],
      };
    },
    recordScale(from, to, t) {
      recordScale(from, to, t ?? clock.now());
    },
  };
}
