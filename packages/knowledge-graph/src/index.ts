/**
 * `@homeostat/knowledge-graph`: the Knowledge in MAPE-K. What depends on what (a dependency
 * graph on graphology, built in code, loaded from JSON/YAML or learned from outgoing calls),
 * what breaks when something breaks (impact, blast radius, paths, propagated health), which
 * component most likely caused the symptoms (root-cause ranking), and what worked last time
 * (incident memory, track record, persistence).
 *
 * @packageDocumentation
 */
export {
  DependencyGraph,
  NODE_KINDS,
  EDGE_TYPES,
  dependencyGraphOptionsSchema,
  type NodeKind,
  type EdgeType,
  type NodeAttributes,
  type EdgeAttributes,
  type CallStats,
  type GraphNode,
  type GraphEdge,
  type ImpactedNode,
  type Impact,
  type ImpactOptions,
  type PathOptions,
  type HealthOptions,
  type NodeHealth,
  type GraphStats,
  type GraphDocument,
  type DependencyGraphOptions,
} from './dependency-graph.js';
export {
  parseGraph,
  parseGraphText,
  loadGraph,
  graphDocumentSchema,
  type ParseGraphOptions,
} from './load-graph.js';
export { learnDependencies } from './learn-dependencies.js';
export { personalizedPageRank, type PersonalizedPageRankOptions } from './personalized-pagerank.js';
export {
  analyzeCase,
  prepareRcaCase,
  rankRcaCase,
  rcaCaseSchema,
  RCA_METHODS,
  type RcaCase,
  type RcaMethod,
  type AnalyzeCaseOptions,
  type RcaResult,
  type PreparedRcaCase,
} from './analyze-case.js';
export { rankIncident, rankRootCauses, type RankIncidentOptions } from './rank-incident.js';
export {
  IncidentMemory,
  incidentSignature,
  incidentFeatures,
  cosineSimilarity,
  incidentMemoryOptionsSchema,
  memorySnapshotSchema,
  type TrackRecord,
  type TrackRecordEntry,
  type ResolvedIncident,
  type RecordInput,
  type SimilarIncident,
  type Suggestion,
  type IncidentMemoryOptions,
  type IncidentMemoryDeps,
  type IncidentMemoryStats,
  type MemorySnapshot,
} from './incident-memory.js';
export { learn, type OutcomeLearner } from './learn.js';
export {
  createFileStore,
  createMemoryStore,
  saveKnowledge,
  loadKnowledge,
  type KnowledgeStore,
  type KnowledgeSnapshot,
} from './knowledge-store.js';
export { GraphError, StoreError, type GraphErrorCode, type StoreErrorCode } from './errors.js';
export {
  toIncidents,
  parseSeriesName,
  toIncidentsOptionsSchema,
  type ToIncidentsOptions,
  type ToIncidentsDeps,
  type ToIncidentsStats,
  type SeriesParts,
} from './to-incidents.js';
