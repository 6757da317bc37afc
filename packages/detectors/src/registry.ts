import type { Detector } from './detector.js';
import { createRollingZ } from './rolling-z.js';

/**
 * The score at or above which the default detector's output counts as an anomaly.
 *
 * @remarks Chosen on NAB together with {@link defaultDetector}; see the package guide.
 */
export const DEFAULT_THRESHOLD = 0.99;

/**
 * The recommended detector for any series, with its one corpus-wide configuration.
 *
 * @example
 * ```ts
 * const d = defaultDetector();
 * if (d.update(value, t) >= DEFAULT_THRESHOLD) console.log(d.explain());
 * ```
 */
export function defaultDetector(): Detector {
  return createRollingZ();
}

/**
 * One factory per detector, each with its single corpus-wide default configuration. The key
 * `homeostat` is {@link defaultDetector}. Benchmarks call `detectorRegistry[name]()` per series.
 *
 * @example
 * ```ts
 * for (const [name, make] of Object.entries(detectorRegistry)) console.log(name, make().name);
 * ```
 */
export const detectorRegistry: Readonly<Record<string, () => Detector>> = Object.freeze({
  homeostat: defaultDetector,
  'rolling-z': () => createRollingZ(),
});
