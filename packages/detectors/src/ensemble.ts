import { parseOptions } from '@homeostat/core';
import { z } from 'zod';
import type { Detector, DetectorWithParts } from './detector.js';
import { clamp01, fmt, nextTime } from './internal/math.js';
import { restoreNested, StateReader } from './internal/state.js';

/** Options of {@link createEnsemble}. */
export const ensembleOptionsSchema = z.strictObject({
  /**
   * `max`: the highest weighted member score; `mean`: the weighted mean of member scores. Default
   * `'max'`.
   */
  combine: z.enum(['max', 'mean']).default('max'),
  /**
   * A member whose score reaches this is named as having fired in the explanation. Default 0.99.
   */
  fireThreshold: z.number().min(0).max(1).default(0.99),
  /**
   * Name of the ensemble, as it appears in explanations and in `Scored.detector`. Default
   * `'ensemble'`.
   */
  name: z.string().min(1).max(200).default('ensemble'),
});

/** Options of {@link createEnsemble} (all optional). */
export type EnsembleOptions = z.input<typeof ensembleOptionsSchema>;

/** One member of an ensemble: a detector, or a detector with a weight (default 1). */
export type EnsembleMember =
  | Detector
  | {
      /** The member detector. */
      readonly detector: Detector;
      /**
       * Weight of the member's score (in the weighted mean, or multiplied in before `max`), in
       * [0, 1e6]. Default 1.
       */
      readonly weight?: number;
    };

const memberSchema = z.object({ weight: z.number().min(0).max(1e6) });

class Ensemble implements DetectorWithParts {
  readonly name: string;
  private readonly names: string[];
  private readonly detectors: Detector[];
  private readonly weights: Float64Array;
  private readonly scores: Float64Array;
  private readonly weightSum: number;
  private lastScore = 0;
  private t = Number.NEGATIVE_INFINITY;
  private finite = true;

  constructor(
    members: readonly [string, Detector, number][],
    readonly options: z.output<typeof ensembleOptionsSchema>,
  ) {
    this.name = options.name;
    this.names = members.map((m) => m[0]);
    this.detectors = members.map((m) => m[1]);
    this.weights = Float64Array.from(members.map((m) => m[2]));
    this.scores = new Float64Array(members.length);
    this.weightSum = this.weights.reduce((a, b) => a + b, 0);
  }

  update(value: number, t: number): number {
    this.t = nextTime(this.t, t);
    this.finite = Number.isFinite(value);
    const max = this.options.combine === 'max';
    let acc = 0;
    for (let i = 0; i < this.detectors.length; i++) {
      const s = this.detectors[i]!.update(value, t);
      this.scores[i] = s;
      const w = this.weights[i]!;
      if (max) {
        if (w * s > acc) acc = w * s;
      } else acc += w * s;
    }
    if (!max) acc = this.weightSum > 0 ? acc / this.weightSum : 0;
    this.lastScore = clamp01(acc);
    return this.lastScore;
  }

  parts(): Readonly<Record<string, number>> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.names.length; i++) out[this.names[i]!] = this.scores[i]!;
    return out;
  }

  explain(): string {
    if (!this.finite) return `${this.name}: non-finite value skipped (score 0)`;
    const fired: string[] = [];
    for (let i = 0; i < this.names.length; i++) {
      if (this.scores[i]! >= this.options.fireThreshold) {
        fired.push(`${this.names[i]} (${fmt(this.scores[i]!)}): ${this.detectors[i]!.explain()}`);
      }
    }
    if (fired.length === 0) {
      let top = 0;
      for (let i = 1; i < this.scores.length; i++) if (this.scores[i]! > this.scores[top]!) top = i;
      const lead =
        this.names.length > 0 ? `; highest ${this.names[top]} (${fmt(this.scores[top]!)})` : '';
      return `${this.name}: score ${fmt(this.lastScore)}, no member fired (threshold ${fmt(this.options.fireThreshold)})${lead}`;
    }
    return `${this.name}: score ${fmt(this.lastScore)}; ${fired.length} of ${this.names.length} fired — ${fired.join(' | ')}`;
  }

  toJSON(): unknown {
    return {
      kind: 'ensemble',
      options: this.options,
      members: this.names.map((name, i) => ({
        name,
        weight: this.weights[i],
        state: this.detectors[i]!.toJSON(),
      })),
    };
  }
}

function normaliseMembers(
  members: Readonly<Record<string, EnsembleMember>>,
  source: string,
): [string, Detector, number][] {
  return Object.entries(members).map(([name, m]) => {
    const isWrapped = typeof (m as { update?: unknown }).update !== 'function';
    const detector = isWrapped ? (m as { detector: Detector }).detector : (m as Detector);
    const weight = isWrapped ? ((m as { weight?: number }).weight ?? 1) : 1;
    parseOptions(memberSchema, { weight }, { source: `${source} member ${name}` });
    if (typeof detector?.update !== 'function') {
      parseOptions(z.object({ update: z.function() }), detector ?? {}, {
        source: `${source} member ${name}`,
      });
    }
    return [name, detector, weight];
  });
}

/** @internal */
export function ensembleFromState(
  s: Record<string, unknown>,
  restore: (state: unknown) => Detector,
): Detector {
  const options = parseOptions(ensembleOptionsSchema, s.options, { source: 'ensemble state' });
  const seen = new Set<string>();
  const members = new StateReader(s).objs('members').map((m): [string, Detector, number] => {
    const name = m.str('name');
    if (seen.has(name)) m.fail('name', `duplicates member ${JSON.stringify(name)}`);
    seen.add(name);
    // The same rule as createEnsemble; a weight lost to corruption is refused, not defaulted.
    const weight = m.num('weight');
    if (!memberSchema.safeParse({ weight }).success) m.fail('weight', 'must be in [0, 1e6]');
    return [name, restoreNested(`members.${name}`, s, () => restore(m.o.state)), weight];
  });
  return new Ensemble(members, options);
}

/**
 * A weighted ensemble of detectors: every member scores every value, the ensemble combines the
 * weighted scores (`max` or `mean`), reports each member's score through `parts()`, and explains
 * which members fired and how the value deviated according to each.
 *
 * @param members - Member detectors by name, each optionally with a weight in [0, 1e6].
 * @throws {ConfigError} when a weight or an option is invalid.
 * @example
 * ```ts
 * const d = createEnsemble({
 *   z: createRollingZ(),
 *   seasonal: { detector: createContextualBaseline(), weight: 0.8 },
 * });
 * d.update(v, t); d.parts(); // { z: 0.42, seasonal: 0.97 }
 * ```
 */
export function createEnsemble(
  members: Readonly<Record<string, EnsembleMember>>,
  options: EnsembleOptions = {},
): DetectorWithParts {
  const parsed = parseOptions(ensembleOptionsSchema, options, { source: 'createEnsemble' });
  return new Ensemble(normaliseMembers(members, 'createEnsemble'), parsed);
}
