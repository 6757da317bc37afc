import type { Detector } from './detector.js';
import { DetectorStateError } from './errors.js';
import { withLikelihoodFromState } from './anomaly-likelihood.js';
import { contextualBaselineFromState } from './contextual-baseline.js';
import { cusumFromState } from './cusum.js';
import { ensembleFromState } from './ensemble.js';
import { ewmaFromState } from './ewma.js';
import { holtWintersFromState } from './holt-winters.js';
import { isolationForestFromState } from './isolation-forest.js';
import { relativeEntropyFromState } from './relative-entropy.js';
import { rangeBreachFromState } from './range-breach.js';
import { robustZFromState } from './robust-z.js';
import { rollingZFromState } from './rolling-z.js';
import { sequenceContextFromState } from './sequence-context.js';
import { spectralResidualFromState } from './spectral-residual.js';
import { suppressedFromState } from './suppress.js';

type Restorer = (s: Record<string, unknown>, restore: (state: unknown) => Detector) => Detector;

const restorers: Readonly<Record<string, Restorer>> = {
  'rolling-z': rollingZFromState,
  'robust-z': robustZFromState,
  'range-breach': rangeBreachFromState,
  ewma: ewmaFromState,
  cusum: cusumFromState,
  'holt-winters': holtWintersFromState,
  'contextual-baseline': contextualBaselineFromState,
  'sequence-context': sequenceContextFromState,
  'spectral-residual': spectralResidualFromState,
  'isolation-forest': isolationForestFromState,
  'relative-entropy': relativeEntropyFromState,
  'with-likelihood': withLikelihoodFromState,
  suppressed: suppressedFromState,
  ensemble: ensembleFromState,
};

/**
 * Recreates any detector of this package — including ensembles and wrapped detectors — from its
 * `toJSON()` output (after a `JSON.stringify`/`JSON.parse` round trip). The restored detector
 * continues exactly where the saved one stopped.
 *
 * @throws {DetectorStateError} when the state is not an object, a `kind` is unknown, or a field is
 * missing or of the wrong shape; its `path` names the field (ensemble members by name, e.g.
 * `inner.members.likelihood.members.rolling-z.inner.window.values`). Every field `toJSON()` wrote
 * is required: a corrupted state is refused rather than restored into a detector that scores
 * differently.
 * @throws {ConfigError} when the saved options are invalid.
 * @example
 * ```ts
 * const saved = JSON.stringify(detector);
 * const again = restoreDetector(JSON.parse(saved));
 * ```
 */
export function restoreDetector(state: unknown): Detector {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new DetectorStateError('Detector state must be an object with a "kind" field', state);
  }
  const s = state as Record<string, unknown>;
  const kind = s.kind;
  const restorer =
    typeof kind === 'string' && Object.hasOwn(restorers, kind) ? restorers[kind] : undefined;
  if (restorer === undefined) {
    throw new DetectorStateError(
      `Unknown detector kind ${JSON.stringify(kind)}; expected one of ${Object.keys(restorers).join(', ')}`,
      state,
      { path: 'kind' },
    );
  }
  return restorer(s, restoreDetector);
}
