/**
 * A streaming detector: the plain API.
 *
 * @remarks
 * Every detector in this package follows the same bad-input policy:
 * - a non-finite `value` (NaN, ±Infinity) is skipped: it scores 0 and leaves the state unchanged;
 * - a non-finite `t` is treated as the last time seen;
 * - time going backwards (or repeating) is treated as time standing still at the latest `t`;
 * - finite values are clamped to ±1e150 so that squares and sums stay finite;
 * - a constant series scores 0 until it changes.
 *
 * @example
 * ```ts
 * const d: Detector = createRollingZ();
 * const score = d.update(42, Date.parse('2024-01-01T00:00:00Z'));
 * console.log(score, d.explain());
 * ```
 */
export interface Detector {
  /** Name of the detector, as it appears in `Scored.detector`. */
  readonly name: string;
  /** Scores one value at event time t (epoch ms); returns a score in [0, 1]. Never throws on NaN/Infinity/backwards time, never returns NaN. */
  update(value: number, t: number): number;
  /** Explanation of the last update, in words. */
  explain(): string;
  /** Serialisable state; a `restore`/`fromJSON` counterpart recreates the detector. */
  toJSON(): unknown;
}

/** A detector that also reports its members' (or components') last scores, for `Scored.parts`. */
export interface DetectorWithParts extends Detector {
  /** Scores of the last update by member or component name. */
  parts(): Readonly<Record<string, number>>;
}

/**
 * True when `d` reports component scores through `parts()`.
 *
 * @example
 * ```ts
 * if (hasParts(d)) console.log(d.parts());
 * ```
 */
export function hasParts(d: Detector): d is DetectorWithParts {
  return typeof (d as Partial<DetectorWithParts>).parts === 'function';
}
