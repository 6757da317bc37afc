import {
  isolate,
  parseOptions,
  type OperatorDeps,
  type Sample,
  type Scored,
} from '@homeostat/core';
import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import { DetectorStateError } from './errors.js';
import { zOf } from './internal/ew.js';
import { clampValue, fmt, nextTime, zToScore } from './internal/math.js';
import { minCountWithinWindow, withMinCount, savedMinCount } from './internal/min-count.js';
import { StateReader } from './internal/state.js';
import { StatsWindow } from './internal/window.js';

/** How two metrics move together when something is wrong. */
export const relationSchema = z.enum(['opposite', 'same']);

/** Options of {@link createCorrelationDetector}. */
export const correlationOptionsSchema = z
  .strictObject({
    /**
     * `opposite`: one rises while the other falls (latency up, throughput down);
     * `same`: both move the same way (errors and latency up together). Default `'opposite'`.
     */
    relation: relationSchema.default('opposite'),
    /**
     * Past values of each metric the means and standard deviations are computed over. Default
     * 256.
     */
    windowSize: z.number().int().min(2).max(100_000).default(256),
    /** Pairs seen before scoring starts, at most `windowSize`. Default 16, or `windowSize` when that is smaller. */
    minCount: z.number().int().min(2).optional(),
  })
  .superRefine(minCountWithinWindow);

/** Options of {@link createCorrelationDetector} (all optional). */
export type CorrelationOptions = z.input<typeof correlationOptionsSchema>;

type Opts = ReturnType<typeof withMinCount<z.output<typeof correlationOptionsSchema>>>;

/** A detector over two metrics at once: the plain API of {@link detectCorrelated}. */
export interface CorrelationDetector {
  /** Detector name, `'correlation'`; used as `Scored.detector`. */
  readonly name: string;
  /** Scores one pair of values observed at time t; a score in [0, 1], never NaN, never throws. */
  update(a: number, b: number, t: number): number;
  /** Deviation of `a` and `b` in standard deviations at the last update. */
  readonly lastZ: {
    /** z-score of `a` against its window (clamped to ±1e6); 0 while warming up. */
    readonly a: number;
    /** z-score of `b` against its window (clamped to ±1e6); 0 while warming up. */
    readonly b: number;
  };
  /** Explanation of the last update, in words; `names` label the two metrics. */
  explain(names?: { readonly a: string; readonly b: string }): string;
  /** Serialisable state; pass it to {@link restoreCorrelationDetector}. */
  toJSON(): unknown;
}

class Correlation implements CorrelationDetector {
  readonly name = 'correlation';
  readonly wa: StatsWindow;
  readonly wb: StatsWindow;
  lastZ = { a: 0, b: 0 };
  private score = 0;
  t = Number.NEGATIVE_INFINITY;
  private skipped = false;

  constructor(readonly options: Opts) {
    this.wa = new StatsWindow(options.windowSize);
    this.wb = new StatsWindow(options.windowSize);
  }

  update(a: number, b: number, t: number): number {
    this.t = nextTime(this.t, t);
    this.skipped = !Number.isFinite(a) || !Number.isFinite(b);
    if (this.skipped) {
      this.score = 0;
      return 0;
    }
    const va = clampValue(a);
    const vb = clampValue(b);
    let score = 0;
    if (this.wa.count >= this.options.minCount) {
      const za = Math.max(-1e6, Math.min(1e6, zOf(va, this.wa.mean(), this.wa.std())));
      const zb = Math.max(-1e6, Math.min(1e6, zOf(vb, this.wb.mean(), this.wb.std())));
      this.lastZ = { a: za, b: zb };
      // The joint deviation is the smaller of the two moves in the expected directions.
      const joint =
        this.options.relation === 'opposite'
          ? Math.max(Math.min(za, -zb), Math.min(-za, zb))
          : Math.max(Math.min(za, zb), Math.min(-za, -zb));
      score = joint > 0 ? zToScore(joint) : 0;
    } else {
      this.lastZ = { a: 0, b: 0 };
    }
    this.wa.push(va);
    this.wb.push(vb);
    this.score = score;
    return score;
  }

  explain(names = { a: 'a', b: 'b' }): string {
    if (this.skipped) return 'correlation: non-finite value skipped (score 0)';
    if (this.wa.count <= this.options.minCount)
      return `correlation: warming up (${this.wa.count} pairs)`;
    const d = (z: number): string => `${fmt(Math.abs(z))} sd ${z >= 0 ? 'above' : 'below'} normal`;
    return `correlation: ${names.a} is ${d(this.lastZ.a)} while ${names.b} is ${d(this.lastZ.b)} (expected to move ${this.options.relation === 'opposite' ? 'in opposite directions' : 'together'} when unhealthy); score ${fmt(this.score)}`;
  }

  toJSON(): unknown {
    return {
      kind: 'correlation',
      options: this.options,
      t: this.t,
      a: this.wa.toJSON(),
      b: this.wb.toJSON(),
    };
  }
}

/**
 * A two-metric detector: scores how far two metrics have moved *together* in the unhealthy
 * direction (`opposite`: latency up while throughput falls, or the reverse; `same`: both up or
 * both down). The joint deviation is the smaller of the two z-scores in the expected directions,
 * so one metric moving alone does not score.
 *
 * @remarks O(1) per update; memory `16 * windowSize` bytes.
 * @throws {ConfigError} when an option is invalid, or `minCount` exceeds `windowSize`.
 * @example
 * ```ts
 * const d = createCorrelationDetector({ relation: 'opposite' });
 * d.update(latencyMs, requestsPerSecond, t);
 * ```
 */
export function createCorrelationDetector(options: CorrelationOptions = {}): CorrelationDetector {
  return new Correlation(
    withMinCount(
      parseOptions(correlationOptionsSchema, options, { source: 'createCorrelationDetector' }),
    ),
  );
}

/**
 * Recreates a correlation detector from its `toJSON()` output.
 *
 * @throws {DetectorStateError} when the state is not an object, or a field is missing or of the
 * wrong shape (`path` names it), or the two windows hold different numbers of values.
 * @throws {ConfigError} when the saved options are invalid.
 */
export function restoreCorrelationDetector(state: unknown): CorrelationDetector {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    throw new DetectorStateError('Correlation detector state must be an object', state);
  }
  const s = state as Record<string, unknown>;
  const d = new Correlation(
    withMinCount(
      parseOptions(correlationOptionsSchema, savedMinCount(s.options), {
        source: 'correlation state',
      }),
    ),
  );
  const r = new StateReader(s);
  d.t = r.numOrNull('t') ?? Number.NEGATIVE_INFINITY;
  d.wa.restore(r, 'a');
  d.wb.restore(r, 'b');
  // Values are stored in pairs: windows of different lengths cannot be paired again.
  if (d.wa.count !== d.wb.count) r.fail('b', `must hold as many values as a (${d.wa.count})`);
  return d;
}

/** Options of {@link detectCorrelated}. */
export const detectCorrelatedOptionsSchema = z.strictObject({
  /** The metric pairs to watch: series names `a` and `b`, with their relation. */
  pairs: z
    .array(
      z.strictObject({
        /**
         * Series name of the first metric (non-empty). Each of its samples triggers scoring of
         * the pair and carries the emitted value; the output series is `"a~b"`.
         */
        a: z.string().min(1),
        /** Series name of the second metric (non-empty); its latest value is paired with `a`'s. */
        b: z.string().min(1),
        /**
         * How the two metrics move together when something is wrong: `opposite` (one rises while
         * the other falls) or `same`. Default `'opposite'`.
         */
        relation: relationSchema.default('opposite'),
      }),
    )
    .min(1)
    .max(1000)
    .superRefine((pairs, ctx) => {
      pairs.forEach((p, i) => {
        if (p.a === p.b)
          ctx.addIssue({
            code: 'custom',
            path: [i, 'b'],
            message: `must differ from a ("${p.a}"): a series paired with itself is never scored`,
          });
      });
    }),
  /** Past values of each metric the baseline is computed over. Default 256. */
  windowSize: z.number().int().min(2).max(100_000).default(256),
  /**
   * Largest gap in event time (ms) between the two values of a pair for them to be scored
   * together. Default 60,000 (1 min).
   */
  maxSkewMs: z.number().min(0).default(60_000),
  /** Scores at or above this carry an explanation. Default 0.5. */
  explainAbove: z.number().min(0).default(0.5),
});

/** Options of {@link detectCorrelated}. */
export type DetectCorrelatedOptions = z.input<typeof detectCorrelatedOptionsSchema>;

/**
 * Multi-metric correlation operator: watches pairs of series in one stream of samples and, on
 * every sample of a pair's `a` series whose `b` series has a value within `maxSkewMs`, emits a
 * `Scored` for the synthetic series `"a~b"` (value = the `a` value) from a
 * {@link createCorrelationDetector}. `parts` holds each metric's own deviation score.
 *
 * @remarks Memory is bounded by the number of configured pairs (at most 1000): the latest value
 * of each watched series and one detector per pair. Samples of other series are ignored. A
 * throw is reported through `deps.onError` and that sample skipped.
 * @throws {ConfigError} when an option is invalid.
 * @example
 * ```ts
 * samples$.pipe(
 *   detectCorrelated({ pairs: [{ a: 'api:latency_p99', b: 'api:rps', relation: 'opposite' }] }),
 *   anomalies({ threshold: 0.99 }),
 * );
 * ```
 */
export function detectCorrelated(
  options: DetectCorrelatedOptions,
  deps: OperatorDeps = {},
): OperatorFunction<Sample, Scored<Sample>> {
  const parsed = parseOptions(detectCorrelatedOptionsSchema, options, {
    source: 'detectCorrelated',
  });
  const { windowSize, maxSkewMs, explainAbove } = parsed;
  return isolate<Sample, Scored<Sample>>(
    'detectCorrelated',
    () => {
      const latest = new Map<string, { t: number; value: number }>();
      const byA = new Map<string, { b: string; series: string; d: CorrelationDetector }[]>();
      for (const p of parsed.pairs) {
        latest.set(p.a, { t: Number.NaN, value: Number.NaN });
        latest.set(p.b, { t: Number.NaN, value: Number.NaN });
        const list = byA.get(p.a) ?? [];
        list.push({
          b: p.b,
          series: `${p.a}~${p.b}`,
          d: createCorrelationDetector({ relation: p.relation, windowSize }),
        });
        byA.set(p.a, list);
      }
      return {
        next(sample) {
          const slot = latest.get(sample.series);
          if (slot === undefined) return undefined;
          slot.t = sample.t;
          slot.value = sample.value;
          const list = byA.get(sample.series);
          if (list === undefined) return undefined;
          // One pair per `a` is the common case; emit the highest-scoring pair when there are several.
          let out: Scored<Sample> | undefined;
          for (const p of list) {
            const other = latest.get(p.b)!;
            if (!(Math.abs(sample.t - other.t) <= maxSkewMs)) continue;
            const score = p.d.update(sample.value, other.value, sample.t);
            if (out !== undefined && score <= out.score) continue;
            const z = p.d.lastZ;
            const scoredSample: Sample = { series: p.series, t: sample.t, value: sample.value };
            const parts = { [sample.series]: zToScore(z.a), [p.b]: zToScore(z.b) };
            out =
              score >= explainAbove
                ? {
                    sample: scoredSample,
                    score,
                    detector: 'correlation',
                    parts,
                    explanation: p.d.explain({ a: sample.series, b: p.b }),
                  }
                : { sample: scoredSample, score, detector: 'correlation', parts };
          }
          return out;
        },
        teardown: () => {
          latest.clear();
          byA.clear();
        },
      };
    },
    deps,
  );
}
