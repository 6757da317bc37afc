/**
 * Dependency graph, blast radius, root-cause ranking and incident memory.
 *
 * @packageDocumentation
 */
export {};
