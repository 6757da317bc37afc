import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/**
 * Saved detector state that cannot be restored: unknown `kind`, or fields of the wrong shape.
 *
 * @example
 * ```ts
 * try { restoreDetector(saved); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'DETECTOR_STATE_INVALID') start fresh; }
 * ```
 */
export class DetectorStateError extends HomeostatError<'DETECTOR_STATE_INVALID'> {
  /** The state that was rejected. */
  readonly state: unknown;

  constructor(message: string, state: unknown, options: HomeostatErrorOptions = {}) {
    super('DETECTOR_STATE_INVALID', message, options);
    this.state = state;
  }
}
