import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Sample } from './events.js';
import { HomeostatError } from './errors.js';
import { resolveOnError, type OperatorDeps } from './deps.js';
import { parseOptions } from './options.js';
import { KeyedStore } from './keyed.js';

/** Why a sample was refused. */
export type SampleIssue =
  'not-an-object' | 'empty-series' | 'non-finite-value' | 'non-finite-time' | 'backwards-time';

/** Every {@link SampleIssue}. */
export const SAMPLE_ISSUES: readonly SampleIssue[] = [
  'not-an-object',
  'empty-series',
  'non-finite-value',
  'non-finite-time',
  'backwards-time',
];

const ISSUE_TEXT: Record<SampleIssue, string> = {
  'not-an-object': 'is not an object',
  'empty-series': 'has a missing or empty series name',
  'non-finite-value': 'has a value that is not a finite number (NaN, ±Infinity or not a number)',
  'non-finite-time': 'has a time that is not a finite number',
  'backwards-time': 'has a time earlier than the previous sample of its series',
};

/** A malformed sample, reported or raised by {@link validateSamples}. */
export class SampleError extends HomeostatError<'SAMPLE_INVALID'> {
  /** What was wrong. */
  readonly issue: SampleIssue;
  /** The refused input, as received. */
  readonly sample: unknown;

  constructor(issue: SampleIssue, sample: unknown) {
    const series =
      typeof sample === 'object' && sample !== null && 'series' in sample
        ? ` (series ${JSON.stringify(sample.series)})`
        : '';
    super('SAMPLE_INVALID', `Sample${series} ${ISSUE_TEXT[issue]}`);
    this.issue = issue;
    this.sample = sample;
  }
}

/**
 * The first problem with a sample's shape, or `undefined` when it is well formed. Time order is
 * not checked here (it needs the previous sample of the series).
 *
 * @example
 * ```ts
 * checkSample({ series: 'cpu', t: 0, value: NaN }); // 'non-finite-value'
 * ```
 */
export function checkSample(value: unknown): SampleIssue | undefined {
  if (typeof value !== 'object' || value === null) return 'not-an-object';
  const s = value as { series?: unknown; t?: unknown; value?: unknown };
  if (typeof s.series !== 'string' || s.series.length === 0) return 'empty-series';
  if (typeof s.value !== 'number' || !Number.isFinite(s.value)) return 'non-finite-value';
  if (typeof s.t !== 'number' || !Number.isFinite(s.t)) return 'non-finite-time';
  return undefined;
}

/** Counters of {@link validateSamples}, updated in place and readable by the host. */
export interface SampleCounters {
  /** Samples passed through. */
  accepted: number;
  /** Samples refused, whatever the policy (also counted per reason in `byIssue`). */
  dropped: number;
  /** Drops per reason. */
  readonly byIssue: Record<SampleIssue, number>;
}

/** Creates zeroed {@link SampleCounters}. */
export function createSampleCounters(): SampleCounters {
  return {
    accepted: 0,
    dropped: 0,
    byIssue: {
      'not-an-object': 0,
      'empty-series': 0,
      'non-finite-value': 0,
      'non-finite-time': 0,
      'backwards-time': 0,
    },
  };
}

/** Options of {@link validateSamples}. */
export const validateSamplesOptionsSchema = z.strictObject({
  /**
   * `drop` (default): drop and count. `report`: drop, count and pass a `SampleError` to
   * `onError`. `error`: fail the stream with a `SampleError`.
   */
  policy: z.enum(['drop', 'report', 'error']).default('drop'),
  /** `drop` (default) refuses a sample older than the previous one of its series; `allow` passes it. */
  backwards: z.enum(['drop', 'allow']).default('drop'),
  /**
   * Series whose last time is remembered for the order check (least recently used forgotten).
   * Default 100,000.
   */
  maxSeries: z.number().int().min(1).default(100_000),
});

/** Options of {@link validateSamples} (all optional). */
export type ValidateSamplesOptions = z.input<typeof validateSamplesOptionsSchema>;

/** Capabilities of {@link validateSamples}. */
export interface ValidateSamplesDeps extends OperatorDeps {
  /** Counters updated in place (see {@link createSampleCounters}). */
  readonly counters?: SampleCounters;
}

/**
 * Applies the policy for malformed samples: NaN or ±Infinity values, missing or empty series
 * names, non-finite times and (per series) times going backwards. Equal times are allowed.
 *
 * @remarks Valid samples pass through unchanged (same object). Counters are in `deps.counters`.
 * @throws {ConfigError} when the options are invalid.
 * @example
 * ```ts
 * const counters = createSampleCounters();
 * raw$.pipe(validateSamples({ policy: 'drop' }, { counters })).subscribe(...);
 * ```
 */
export function validateSamples(
  options: ValidateSamplesOptions = {},
  deps: ValidateSamplesDeps = {},
): OperatorFunction<unknown, Sample> {
  const { policy, backwards, maxSeries } = parseOptions(validateSamplesOptionsSchema, options, {
    source: 'validateSamples',
  });
  const onError = resolveOnError(deps);
  const counters = deps.counters ?? createSampleCounters();
  return (source) =>
    new Observable<Sample>((subscriber) => {
      const last = new KeyedStore<{ t: number }, Sample>(
        { maxKeys: maxSeries },
        { create: (_key, s) => ({ t: s.t }) },
      );
      const subscription = source.subscribe({
        next(value) {
          let issue = checkSample(value);
          if (issue === undefined && backwards === 'drop') {
            const sample = value as Sample;
            const state = last.getOrCreate(sample.series, sample.t, sample);
            if (sample.t < state.t) issue = 'backwards-time';
            else state.t = sample.t;
          }
          if (issue === undefined) {
            counters.accepted++;
            subscriber.next(value as Sample);
            return;
          }
          counters.dropped++;
          counters.byIssue[issue]++;
          if (policy === 'drop') return;
          const error = new SampleError(issue, value);
          if (policy === 'report') onError(error);
          else subscriber.error(error);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        last.clear();
      };
    });
}
