import { median } from '@homeostat-bench/common';

/** ns per call of one contender in one scenario, one entry per round (rounds aligned by index). */
export interface RoundTimes {
  readonly scenario: string;
  readonly contender: string;
  readonly ns: readonly number[];
  /**
   * ns per call of every batch, in the order run; batch i of every contender of a scenario ran in
   * the same cycle, one right after the other.
   */
  readonly batchNs?: readonly number[];
}

/** Per contender: median ns, and the medians of per-round overhead and ratio against the baseline. */
export interface Summary {
  readonly scenario: string;
  readonly contender: string;
  readonly medianNs: number;
  /** Median over rounds of (contender − baseline) in the same round. */
  readonly overheadNs: number;
  /** Median over rounds of contender / baseline in the same round. */
  readonly ratio: number;
  /**
   * Median over batches of (contender − baseline) in the same cycle: the estimate least moved by
   * bursts of load from other processes, which hit a few batches rather than whole rounds.
   */
  readonly batchOverheadNs: number;
  /** Median over batches of contender / baseline in the same cycle. */
  readonly batchRatio: number;
  readonly roundsNs: readonly number[];
}

/**
 * Summarises interleaved rounds. Overheads and ratios pair each round with the baseline's run in
 * the same round, so a slow patch on the shared machine affects both sides of the comparison.
 *
 * @throws {Error} when a scenario has no baseline or the round counts differ.
 */
export function summarise(times: readonly RoundTimes[], baseline: string): Summary[] {
  const out: Summary[] = [];
  for (const t of times) {
    const base = times.find((b) => b.scenario === t.scenario && b.contender === baseline);
    if (base === undefined) throw new Error(`no baseline "${baseline}" in scenario ${t.scenario}`);
    if (base.ns.length !== t.ns.length) throw new Error(`round counts differ in ${t.scenario}`);
    out.push({
      scenario: t.scenario,
      contender: t.contender,
      medianNs: median(t.ns),
      overheadNs: median(t.ns.map((ns, i) => ns - base.ns[i]!)),
      ratio: median(t.ns.map((ns, i) => ns / base.ns[i]!)),
      ...paired(t.batchNs, base.batchNs),
      roundsNs: t.ns,
    });
  }
  return out;
}

function paired(
  own: readonly number[] | undefined,
  base: readonly number[] | undefined,
): { batchOverheadNs: number; batchRatio: number } {
  if (own === undefined || base === undefined || own.length !== base.length || own.length === 0)
    return { batchOverheadNs: Number.NaN, batchRatio: Number.NaN };
  return {
    batchOverheadNs: median(own.map((ns, i) => ns - base[i]!)),
    batchRatio: median(own.map((ns, i) => ns / base[i]!)),
  };
}
