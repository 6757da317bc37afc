/** Accuracy measures for root-cause rankings, as used in the RCA literature. */

/** 1 when `truth` is among the first `k` of `ranking`, else 0. */
export function hitAt(ranking: readonly string[], truth: string, k: number): number {
  const i = ranking.indexOf(truth);
  return i >= 0 && i < k ? 1 : 0;
}

/** Avg@5 for one case: the mean of hit@1 … hit@5. */
export function avgAt5(ranking: readonly string[], truth: string): number {
  let s = 0;
  for (let k = 1; k <= 5; k++) s += hitAt(ranking, truth, k);
  return s / 5;
}

/** Accumulates AC@1, AC@3, Avg@5 and timings over cases. */
export class Accuracy {
  private n = 0;
  private h1 = 0;
  private h3 = 0;
  private a5 = 0;
  readonly ms: number[] = [];

  add(ranking: readonly string[], truth: string, ms: number): void {
    this.n++;
    this.h1 += hitAt(ranking, truth, 1);
    this.h3 += hitAt(ranking, truth, 3);
    this.a5 += avgAt5(ranking, truth);
    this.ms.push(ms);
  }

  get cases(): number {
    return this.n;
  }

  summary(): { cases: number; ac1: number; ac3: number; avg5: number } {
    const d = Math.max(1, this.n);
    return { cases: this.n, ac1: this.h1 / d, ac3: this.h3 / d, avg5: this.a5 / d };
  }
}
