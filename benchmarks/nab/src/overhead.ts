/**
 * Operator overhead: the same samples scored through the plain API (one detector per series, a
 * loop of `update` calls) and through the package's `detect` operator (one detector per series
 * through core's `keyed`, emitting `Scored` events), in the same run: one warm-up of each, then
 * rounds alternating which goes first, median of the rounds.
 */
import { from, type OperatorFunction } from 'rxjs';
import type { Sample } from '@homeostat/core';
import { detect, type Detector } from '@homeostat/detectors';
import { median, nowNs } from '@homeostat-bench/common';
import type { DetectorFactory } from './run.js';

/** Result of {@link operatorOverhead}. */
export interface OverheadResult {
  /** Which operator was measured. */
  readonly operator: string;
  readonly samples: number;
  readonly series: number;
  readonly plainPointsPerSecond: number;
  readonly operatorPointsPerSecond: number;
  /** Operator time over plain-API time (1 = no overhead). */
  readonly ratio: number;
}

/** Builds the operator under test from a per-series detector factory. */
export type OperatorBuilder = (
  create: () => Detector,
) => OperatorFunction<Sample, { readonly score: number }>;

/** The package's `detect` operator with its default options (one detector per series). */
export const detectOperator: OperatorBuilder = (create) => detect(create);

/** Deterministic samples: `series` interleaved series of a noisy daily pattern with spikes. */
export function makeSamples(series: number, perSeries: number): Sample[] {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const names = Array.from({ length: series }, (_, i) => `svc-${i}:latency`);
  const out: Sample[] = [];
  for (let i = 0; i < perSeries; i++) {
    const t = 1_700_000_000_000 + i * 300_000;
    for (let k = 0; k < series; k++) {
      const base = 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 5 * rnd();
      out.push({ series: names[k]!, t, value: rnd() < 0.002 ? base * 4 : base });
    }
  }
  return out;
}

/**
 * Measures operator time against plain-API time over the same samples. The factory must be
 * synchronous (tf detectors are not measured here).
 */
export async function operatorOverhead(
  create: DetectorFactory,
  options: { smoke?: boolean; operator?: OperatorBuilder; operatorName?: string } = {},
): Promise<OverheadResult | null> {
  const probe = create();
  if (probe instanceof Promise) {
    await probe;
    return null;
  }
  const sync = create as () => Detector;
  const series = 20;
  const perSeries = options.smoke ? 500 : 5000;
  const rounds = options.smoke ? 1 : 5;
  const samples = makeSamples(series, perSeries);
  const build = options.operator ?? detectOperator;

  const plainNs: number[] = [];
  const opNs: number[] = [];
  let sinkPlain = 0;
  let sinkOp = 0;
  const runPlain = (): void => {
    const detectors = new Map<string, Detector>();
    const t0 = nowNs();
    for (const s of samples) {
      let d = detectors.get(s.series);
      if (d === undefined) {
        d = sync();
        detectors.set(s.series, d);
      }
      sinkPlain += d.update(s.value, s.t);
    }
    plainNs.push(nowNs() - t0);
  };
  const runOperator = (): void => {
    const t0 = nowNs();
    from(samples)
      .pipe(build(sync))
      .subscribe((scored) => {
        sinkOp += scored.score;
      });
    opNs.push(nowNs() - t0);
  };
  // A warm-up of each, then rounds that alternate which goes first, so neither always pays for
  // the other's garbage.
  runPlain();
  runOperator();
  plainNs.length = 0;
  opNs.length = 0;
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      runPlain();
      runOperator();
    } else {
      runOperator();
      runPlain();
    }
  }

  if (!(Number.isFinite(sinkPlain) && Number.isFinite(sinkOp))) return null;
  const plain = median(plainNs);
  const op = median(opNs);
  return {
    operator: options.operatorName ?? 'detect (default options)',
    samples: samples.length,
    series,
    plainPointsPerSecond: (samples.length * 1e9) / plain,
    operatorPointsPerSecond: (samples.length * 1e9) / op,
    ratio: op / plain,
  };
}
