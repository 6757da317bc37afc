import { isolate, type OperatorDeps, type Outcome } from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';

/** Anything that learns from outcomes; {@link IncidentMemory} is one. */
export interface OutcomeLearner {
  /** Learns from one outcome; whatever it returns is ignored by {@link learn}. */
  recordOutcome(outcome: Outcome): unknown;
}

/**
 * Operator for the end of the loop: records each outcome in `store` (success counts per
 * signature and runbook, incident memory) and passes the outcome on unchanged.
 *
 * @remarks A throw while recording one outcome is reported through `deps.onError`, and that
 * outcome is not passed on; upstream errors and completion pass through.
 * @example
 * ```ts
 * outcomes$.pipe(learn(memory)).subscribe();
 * ```
 */
export function learn(
  store: OutcomeLearner,
  deps: OperatorDeps = {},
): OperatorFunction<Outcome, Outcome> {
  return isolate(
    'learn',
    () => (outcome: Outcome) => {
      store.recordOutcome(outcome);
      return outcome;
    },
    deps,
  );
}
