import { isolate, type DependencyObservation, type OperatorDeps } from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import type { DependencyGraph } from './dependency-graph.js';

/**
 * Operator: learns `calls` edges from the sidecar's outgoing-call observations
 * ({@link DependencyGraph.observe}) and passes each observation on unchanged.
 *
 * @remarks An invalid observation is reported through `deps.onError` and skipped. Observations
 * dropped because the graph's `maxLearnedEdges` was reached still pass on, and are counted in
 * `graph.stats().droppedObservations`.
 * @example
 * ```ts
 * calls$.pipe(learnDependencies(graph)).subscribe();
 * graph.impact('payments.internal:443').size;
 * ```
 */
export function learnDependencies(
  graph: DependencyGraph,
  deps: OperatorDeps = {},
): OperatorFunction<DependencyObservation, DependencyObservation> {
  return isolate(
    'learnDependencies',
    () => (obs: DependencyObservation) => {
      graph.observe(obs);
      return obs;
    },
    deps,
  );
}
