import { median } from '@homeostat-bench/common';

/** ns per call of one contender in one scenario, one entry per round (rounds aligned by index). */
export interface RoundTimes {
  readonly scenario: string;
  readonly contender: string;
  readonly ns: readonly number[];
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
  /** Fastest round: interference from other processes only ever adds time. */
  readonly bestNs: number;
  /** Fastest round minus the baseline's fastest round. */
  readonly bestOverheadNs: number;
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
      bestNs: Math.min(...t.ns),
      bestOverheadNs: Math.min(...t.ns) - Math.min(...base.ns),
      roundsNs: t.ns,
    });
  }
  return out;
}
