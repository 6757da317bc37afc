import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector } from './detector.js';
import { restoreNested, StateReader } from './internal/state.js';
import { fmt } from './internal/math.js';

/** Options of {@link withSuppression}. */
export const suppressionOptionsSchema = z.strictObject({
  /** A score at or above this is an alarm and starts the quiet period. Default 0.99. */
  level: z.number().gt(0).max(1).default(0.99),
  /**
   * Number of following values whose scores are held below `level` (scaled by `factor`). Default
   * 200.
   */
  holdSamples: z.number().int().min(1).max(1_000_000).default(200),
  /** What suppressed scores are multiplied by, in [0, 1). Default 0. */
  factor: z.number().min(0).lt(1).default(0),
});

/** Options of {@link withSuppression} (all optional). */
export type SuppressionOptions = z.input<typeof suppressionOptionsSchema>;

class Suppressed implements Detector {
  readonly name: string;
  remaining = 0;
  private raw = 0;
  private score = 0;
  private suppressed = false;

  constructor(
    readonly inner: Detector,
    readonly options: z.output<typeof suppressionOptionsSchema>,
  ) {
    this.name = inner.name;
  }

  update(value: number, t: number): number {
    const raw = this.inner.update(value, t);
    this.raw = raw;
    if (!Number.isFinite(value)) {
      this.suppressed = false;
      this.score = 0;
      return 0;
    }
    if (this.remaining > 0) {
      this.remaining--;
      this.suppressed = raw > 0;
      this.score = Math.min(raw * this.options.factor, this.options.level * 0.999);
      return this.score;
    }
    this.suppressed = false;
    if (raw >= this.options.level) this.remaining = this.options.holdSamples;
    this.score = raw;
    return raw;
  }

  explain(): string {
    const inner = this.inner.explain();
    if (this.suppressed) {
      return `${inner} [alarm suppressed: raw score ${fmt(this.raw)}, ${this.remaining} quiet values left after the last alarm]`;
    }
    return inner;
  }

  toJSON(): unknown {
    return {
      kind: 'suppressed',
      options: this.options,
      remaining: this.remaining,
      inner: this.inner.toJSON(),
    };
  }
}

/** @internal */
export function suppressedFromState(
  s: Record<string, unknown>,
  restore: (state: unknown) => Detector,
): Detector {
  const d = new Suppressed(
    restoreNested('inner', s, () => restore(s.inner)),
    parseOptions(suppressionOptionsSchema, s.options, { source: 'suppressed state' }),
  );
  d.remaining = new StateReader(s).num('remaining', 'count');
  return d;
}

/**
 * Wraps a detector so that one alarm is followed by a quiet period: after a score reaches
 * `level`, the next `holdSamples` scores are multiplied by `factor` (0 by default) and kept below
 * `level`. One incident then raises one early alarm instead of a burst.
 *
 * @remarks Counts values, not time; the wrapped detector still sees every value.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * const d = withSuppression(createRollingZ(), { level: 0.999, holdSamples: 100 });
 * ```
 */
export function withSuppression(detector: Detector, options: SuppressionOptions = {}): Detector {
  return new Suppressed(
    detector,
    parseOptions(suppressionOptionsSchema, options, { source: 'withSuppression' }),
  );
}
