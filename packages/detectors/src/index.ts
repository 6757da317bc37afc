/**
 * Streaming anomaly detectors that score every sample in [0, 1] with an explanation.
 *
 * @packageDocumentation
 */
export { hasParts, type Detector, type DetectorWithParts } from './detector.js';
export { detectorRegistry, defaultDetector, DEFAULT_THRESHOLD } from './registry.js';
export {
  createRollingZ,
  restoreRollingZ,
  rollingZOptionsSchema,
  type RollingZOptions,
  type RollingZState,
} from './rolling-z.js';
