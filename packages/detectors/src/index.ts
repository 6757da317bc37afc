/**
 * Streaming anomaly detectors that score every sample in [0, 1] with an explanation.
 *
 * @packageDocumentation
 */
export {};
