import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/** Options of {@link DetectorStateError}. */
export interface DetectorStateErrorOptions extends HomeostatErrorOptions {
  /** Dotted path of the rejected field; omitted (`''`) when the state as a whole is rejected. */
  readonly path?: string;
}

/**
 * Saved detector state that cannot be restored: not an object, unknown `kind`, or a field that
 * is missing or of the wrong shape (named by {@link DetectorStateError.path}).
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
  /**
   * Dotted path of the rejected field inside `state`, `''` when the state as a whole was
   * rejected. The state of an ensemble member is named after the member (`members.<name>` in
   * place of `members.<i>.state`), e.g.
   * `inner.members.likelihood.members.rolling-z.inner.window.values`.
   */
  readonly path: string;

  constructor(message: string, state: unknown, options: DetectorStateErrorOptions = {}) {
    super('DETECTOR_STATE_INVALID', message, options);
    this.state = state;
    this.path = options.path ?? '';
  }
}
