import { z } from 'zod';
import { KeyedStore, parseOptions, systemClock, type Clock } from '@homeostat/core';

/** zod schema of the safety constraints applied across decisions. */
export const safetyOptionsSchema = z.strictObject({
  /**
   * Global rate limit: at most `maxActions` started per `perMs` (sliding). Default 20 per
   * 60,000 ms.
   */
  rateLimit: z
    .strictObject({
      /** Most actions started within any `perMs` (integer ≥ 1). Default 20. */
      maxActions: z.number().int().min(1).default(20),
      /** Length of the sliding window, in ms (> 0). Default 60,000. */
      perMs: z.number().positive().default(60_000),
    })
    .default({ maxActions: 20, perMs: 60_000 }),
  /**
   * No new action on a target within this long of the previous one, in ms. 0 disables. Default
   * 300,000 (5 min).
   */
  cooldownMs: z.number().min(0).default(300_000),
  /** Most actions in flight at once (integer ≥ 1). Default 5. */
  maxConcurrent: z.number().int().min(1).default(5),
  /**
   * Refuse automatic actions when the host's error budget (remaining fraction) is below this, in
   * [0, 1]. Default 0.1.
   */
  minErrorBudget: z.number().min(0).max(1).default(0.1),
  /**
   * Most targets remembered for cooldowns (least recently used forgotten, and counted). Default
   * 10,000.
   */
  maxTargets: z.number().int().min(1).default(10_000),
  /**
   * An action with no outcome after this long, in ms, is presumed finished (and counted). Default
   * 900,000 (15 min).
   */
  inFlightTimeoutMs: z.number().positive().default(900_000),
});

/** Safety options (all optional). */
export type SafetyOptions = z.input<typeof safetyOptionsSchema>;

/** Capabilities of the safety guard. */
export interface SafetyDeps {
  /** Time source. Default: `systemClock`. */
  readonly clock?: Clock;
  /** Remaining error budget of the service in [0, 1]; the error-budget gate is off without it. */
  readonly errorBudget?: () => number;
}

/** Result of a safety check. */
export interface SafetyCheck {
  /** True when every constraint passed. */
  readonly ok: boolean;
  /** One reason per constraint that failed (empty when ok). */
  readonly reasons: readonly string[];
}

/** Counters the host can read. */
export interface SafetyStats {
  /** Actions admitted (reserved). */
  admitted: number;
  /** Checks that failed at least one constraint. */
  refused: number;
  /** Targets forgotten because `maxTargets` was reached. */
  targetsEvicted: number;
  /** In-flight actions dropped after `inFlightTimeoutMs` with no outcome. */
  inFlightExpired: number;
  /** In-flight actions dropped because `admit` was called with the cap already reached. */
  inFlightDropped: number;
}

/** Safety constraints shared by every decision of an engine. */
export interface SafetyGuard {
  /** Checks every constraint for an action on `target`, without reserving anything. */
  check(target: string): SafetyCheck;
  /** Records that an action started (call only after a passing check). */
  admit(action: { readonly id: string; readonly target: string; readonly runbook: string }): void;
  /** Records that an action ended; unknown ids are ignored. */
  finish(id: string): void;
  /** Actions in flight: in total, on a target, of a runbook. */
  inFlight(
    target: string,
    runbook: string,
  ): {
    /** Actions in flight in total. */
    total: number;
    /** Actions in flight on `target`. */
    sameTarget: number;
    /** Actions in flight of `runbook`. */
    sameRunbook: number;
  };
  /** Counters updated in place, readable by the host. */
  readonly stats: SafetyStats;
}

/**
 * Creates the cross-decision safety constraints: a global action rate limit (sliding window),
 * per-target cooldowns, one action at a time per target, a cap on concurrent actions, and an
 * error-budget gate.
 *
 * @remarks Memory is bounded: the rate window holds at most `maxActions` times, the cooldown map
 * `maxTargets` targets, the in-flight set `maxConcurrent` actions (older entries expire after
 * `inFlightTimeoutMs`). Time comes from `deps.clock`.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * const guard = createSafetyGuard({ cooldownMs: 60_000 }, { clock });
 * if (guard.check('checkout').ok) guard.admit({ id: 'd1', target: 'checkout', runbook: 'restart' });
 * ```
 */
export function createSafetyGuard(options: SafetyOptions = {}, deps: SafetyDeps = {}): SafetyGuard {
  const o = parseOptions(safetyOptionsSchema, options, { source: 'safety' });
  const clock = deps.clock ?? systemClock;
  const stats: SafetyStats = {
    admitted: 0,
    refused: 0,
    targetsEvicted: 0,
    inFlightExpired: 0,
    inFlightDropped: 0,
  };
  // Start times of the last maxActions actions, as a ring.
  const starts = new Float64Array(o.rateLimit.maxActions).fill(Number.NEGATIVE_INFINITY);
  let head = 0;
  const lastAction = new KeyedStore<{ t: number }>(
    { maxKeys: o.maxTargets },
    { create: () => ({ t: Number.NEGATIVE_INFINITY }), onEvict: () => void stats.targetsEvicted++ },
  );
  const flying = new Map<string, { target: string; runbook: string; t: number }>();

  const expire = (now: number): void => {
    for (const [id, a] of flying) {
      if (now - a.t >= o.inFlightTimeoutMs) {
        flying.delete(id);
        stats.inFlightExpired++;
      }
    }
  };

  return {
    stats,
    check(target) {
      const now = clock.now();
      expire(now);
      const reasons: string[] = [];
      // The oldest of the last maxActions starts is at `head`; the window is full if it is recent.
      const oldest = starts[head]!;
      if (now - oldest < o.rateLimit.perMs)
        reasons.push(
          `rate limit: ${o.rateLimit.maxActions} action(s) already started in the last ${o.rateLimit.perMs} ms`,
        );
      const last = lastAction.peek(target);
      if (o.cooldownMs > 0 && last !== undefined && now - last.t < o.cooldownMs)
        reasons.push(
          `cooldown: ${target} was acted on ${Math.round(now - last.t)} ms ago (cooldown ${o.cooldownMs} ms)`,
        );
      for (const a of flying.values())
        if (a.target === target) {
          reasons.push(`busy: an action (${a.runbook}) is already running on ${target}`);
          break;
        }
      if (flying.size >= o.maxConcurrent)
        reasons.push(`concurrency: ${flying.size} action(s) in flight (cap ${o.maxConcurrent})`);
      if (deps.errorBudget) {
        let budget: number;
        try {
          budget = deps.errorBudget();
        } catch {
          budget = Number.NaN;
        }
        if (!(budget >= o.minErrorBudget))
          reasons.push(
            Number.isNaN(budget)
              ? 'error budget: unknown (the budget function failed); automatic action refused'
              : `error budget: ${budget.toFixed(3)} remaining is below ${o.minErrorBudget}`,
          );
      }
      if (reasons.length > 0) stats.refused++;
      return { ok: reasons.length === 0, reasons };
    },
    admit(action) {
      const now = clock.now();
      starts[head] = now;
      head = (head + 1) % starts.length;
      lastAction.getOrCreate(action.target, now, undefined).t = now;
      if (flying.size >= o.maxConcurrent && !flying.has(action.id)) {
        // admit() without a passing check: keep the set bounded by dropping the oldest.
        const oldestId = flying.keys().next().value;
        if (oldestId !== undefined) flying.delete(oldestId);
        stats.inFlightDropped++;
      }
      flying.set(action.id, { target: action.target, runbook: action.runbook, t: now });
      stats.admitted++;
    },
    finish(id) {
      flying.delete(id);
    },
    inFlight(target, runbook) {
      expire(clock.now());
      let sameTarget = 0;
      let sameRunbook = 0;
      for (const a of flying.values()) {
        if (a.target === target) sameTarget++;
        if (a.runbook === runbook) sameRunbook++;
      }
      return { total: flying.size, sameTarget, sameRunbook };
    },
  };
}
