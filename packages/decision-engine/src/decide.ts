import { isolate, type Decision, type Incident, type OperatorDeps } from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import {
  createDecisionEngine,
  type DecisionEngine,
  type DecisionEngineDeps,
} from './decision-engine.js';
import type { PolicyInput, PolicySet } from './policy.js';

/** Capabilities of {@link decide}: operator deps plus the engine's (used when given policies). */
export interface DecideDeps extends OperatorDeps, Omit<DecisionEngineDeps, 'clock'> {}

/**
 * The Plan stage as an operator: every incident in, one {@link Decision} out (with its
 * rationale). Pass a {@link DecisionEngine} to configure thresholds and safety and to feed
 * outcomes back; pass policies to get an engine with default options whose clock is
 * `deps.scheduler` (default: the system clock).
 *
 * @remarks A throw while deciding one incident is reported through `deps.onError` and that
 * incident skipped; in practice the engine escalates instead of throwing.
 * @throws {ConfigError} when given policies that do not compile.
 * @example
 * ```ts
 * const engine = createDecisionEngine(await loadPolicies('policies.yaml'));
 * incidents$.pipe(decide(engine)).subscribe((d) => console.log(d.verdict, d.rationale));
 * ```
 */
export function decide(
  policies: DecisionEngine | PolicySet | readonly PolicyInput[],
  deps: DecideDeps = {},
): OperatorFunction<Incident, Decision> {
  const engine =
    'decide' in policies && typeof policies.decide === 'function'
      ? policies
      : createDecisionEngine(
          policies as PolicySet | readonly PolicyInput[],
          {},
          {
            ...deps,
            ...(deps.scheduler ? { clock: deps.scheduler } : {}),
          },
        );
  return isolate('decide', () => (incident: Incident) => engine.decide(incident), deps);
}
