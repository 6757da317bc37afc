import { expectTypeOf, test } from 'vitest';
import type { OperatorFunction } from 'rxjs';
import type { DependencyObservation, Incident, Outcome } from '@homeostat/core';
import { DependencyGraph } from './dependency-graph.js';
import { IncidentMemory, type TrackRecord } from './incident-memory.js';
import { learn } from './learn.js';
import { learnDependencies } from './learn-dependencies.js';
import { rankRootCauses } from './rank-incident.js';

test('operator types', () => {
  const graph = new DependencyGraph();
  const memory = new IncidentMemory();
  expectTypeOf(learn(memory)).toEqualTypeOf<OperatorFunction<Outcome, Outcome>>();
  expectTypeOf(learnDependencies(graph)).toEqualTypeOf<
    OperatorFunction<DependencyObservation, DependencyObservation>
  >();
  expectTypeOf(rankRootCauses(graph)).toEqualTypeOf<OperatorFunction<Incident, Incident>>();
  expectTypeOf(memory).toMatchTypeOf<TrackRecord>();
  expectTypeOf(memory.trackRecordView()).toEqualTypeOf<TrackRecord>();
});
