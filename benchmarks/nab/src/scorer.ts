/**
 * The NAB v1.1 scorer, reproduced: sigmoid-weighted windows, a probationary head that is not
 * scored, one threshold per detector and profile optimised over the whole corpus, and
 * normalisation between the null detector (0) and a perfect one (100).
 *
 * The details that decide the last decimals follow the reference scorer:
 * - windows are matched to rows by time; a window covers the rows whose timestamps lie in
 *   `[start, end]` (inclusive), and its width is counted in rows, not in time;
 * - the probationary head is `min(floor(0.15 * n), 0.15 * 5000)` rows; its rows are weighted like
 *   any other (they still move the "previous window" used after a window) but never count, and a
 *   window counts (as a miss or a hit) only when at least one of its rows is past the head;
 * - a record is a detection when `score >= threshold`; the sweep visits every distinct score from
 *   the highest down, starting at 1.1 (nothing detected), and keeps the first best total, which
 *   is the highest threshold reaching the best total;
 * - normalisation uses `perfect = windows × tpWeight` (every labelled window, as the reference
 *   does) and `null` = the optimised total of a detector that never fires.
 */

/** One cost matrix of `profiles.json`. */
export interface CostMatrix {
  readonly tpWeight: number;
  readonly fpWeight: number;
  readonly fnWeight: number;
  readonly tnWeight?: number;
}

/** The three NAB profiles by name, as in `profiles.json`. */
export type Profiles = Readonly<Record<string, CostMatrix>>;

/** The share of each file that is probationary (not scored). */
export const PROBATION_PERCENT = 0.15;

/** Threshold reported when detecting nothing is best (above every score in [0, 1]). */
export const NO_DETECTION_THRESHOLD = 1.1;

/** Marks a row of the probationary head. */
const PROBATION = -2;
/** Marks a row outside every window. */
const OUTSIDE = -1;

/** NAB's scaled sigmoid: `2 / (1 + e^(5p)) - 1`, and -1 for `p > 3`. */
export function scaledSigmoid(p: number): number {
  if (p > 3) return -1;
  return 2 / (1 + Math.exp(5 * p)) - 1;
}

/** Rows at the head of a file of `n` rows that are not scored. */
export function probationaryLength(n: number, probationPercent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(probationPercent * n), probationPercent * 5000);
}

/** A file to score: its row times (epoch ms, in row order), scores and labelled windows. */
export interface ScoreFile {
  /** `CATEGORY/FILE.csv`, as in `combined_windows.json`. */
  readonly key: string;
  /** Row timestamps in epoch ms, in the order of the rows. */
  readonly times: ArrayLike<number>;
  /** The detector's anomaly score of each row. */
  readonly scores: ArrayLike<number>;
  /** Labelled windows `[startMs, endMs]`, inclusive. */
  readonly windows: readonly (readonly [number, number])[];
}

/** The weighted rows of one file for one cost matrix (see {@link sweepFile}). */
export interface SweptFile {
  readonly key: string;
  /** Score of each row. */
  readonly scores: Float64Array;
  /** NAB's weighted score `w` of each row. */
  readonly weights: Float64Array;
  /** Window index (into {@link SweptFile.windowCount}) of each row; -1 outside, -2 probationary. */
  readonly window: Int32Array;
  /** Windows that have at least one row past the probationary head (these count). */
  readonly scoredWindows: readonly number[];
  /** Every labelled window of the file (for the perfect score). */
  readonly windowCount: number;
}

/** Row index ranges `[left, right]` of the windows, by time; empty windows are dropped. */
export function windowRows(
  times: ArrayLike<number>,
  windows: readonly (readonly [number, number])[],
): [number, number][] {
  const out: [number, number][] = [];
  const sorted = [...windows].sort((a, b) => a[0] - b[0]);
  for (const [start, end] of sorted) {
    let left = -1;
    let right = -1;
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (t >= start && t <= end) {
        if (left < 0) left = i;
        right = i;
      }
    }
    if (left >= 0) out.push([left, right]);
  }
  return out;
}

/**
 * Weights every row of a file as NAB does: inside a window by its position, before the first
 * window -fpWeight, after a window by the distance past it.
 */
export function sweepFile(file: ScoreFile, cost: CostMatrix): SweptFile {
  const n = file.times.length;
  if (file.scores.length !== n) {
    throw new RangeError(
      `${file.key}: ${file.scores.length} scores for ${n} rows (one score per row is needed)`,
    );
  }
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = file.scores[i]!;
    if (!Number.isFinite(s)) throw new RangeError(`${file.key}: row ${i + 2} has score ${s}`);
    scores[i] = s;
  }
  const weights = new Float64Array(n);
  const window = new Int32Array(n);
  const rows = windowRows(file.times, file.windows);
  const probation = probationaryLength(n);
  const tpNorm = cost.tpWeight / scaledSigmoid(-1);
  const scored = new Set<number>();

  let next = 0; // next window to enter
  let cur = -1; // window we are in
  let curLeft = 0;
  let curRight = 0;
  let curWidth = 0;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    const nextRows = rows[next];
    if (cur < 0 && nextRows !== undefined && i === nextRows[0]) {
      cur = next++;
      curLeft = nextRows[0];
      curRight = nextRows[1];
      curWidth = curRight - curLeft + 1;
    }
    let w: number;
    if (cur >= 0) {
      w = scaledSigmoid(-(curRight - i + 1) / curWidth) * tpNorm;
    } else if (prevRight < 0) {
      w = -cost.fpWeight;
    } else {
      // A one-row window leaves no room to scale the distance: treat anything after it as far.
      const p =
        prevWidth > 1 ? Math.abs(prevRight - i) / (prevWidth - 1) : Number.POSITIVE_INFINITY;
      w = scaledSigmoid(p) * cost.fpWeight;
    }
    weights[i] = w;
    if (i < probation) window[i] = PROBATION;
    else {
      window[i] = cur >= 0 ? cur : OUTSIDE;
      if (cur >= 0) scored.add(cur);
    }
    if (cur >= 0 && i === curRight) {
      prevRight = curRight;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  return {
    key: file.key,
    scores,
    weights,
    window,
    scoredWindows: [...scored].sort((a, b) => a - b),
    windowCount: file.windows.length,
  };
}

/** Counts and total of one file or corpus at one threshold. */
export interface ThresholdScore {
  readonly threshold: number;
  /** Raw NAB score (sum of window scores and false-positive weights). */
  readonly score: number;
  /** Windows with at least one detection. */
  readonly tp: number;
  /** Windows without a detection. */
  readonly fn: number;
  /** Detections outside every window (past the probationary head). */
  readonly fp: number;
}

/** Raw score of swept files at a fixed threshold (`score >= threshold` is a detection). */
export function scoreAtThreshold(
  files: readonly SweptFile[],
  cost: CostMatrix,
  threshold: number,
): ThresholdScore {
  let score = 0;
  let tp = 0;
  let fn = 0;
  let fp = 0;
  for (const f of files) {
    const best = new Map<number, number>();
    for (let i = 0; i < f.scores.length; i++) {
      const win = f.window[i]!;
      if (win === PROBATION || f.scores[i]! < threshold) continue;
      const w = f.weights[i]!;
      if (win === OUTSIDE) {
        score += w;
        fp++;
      } else best.set(win, Math.max(best.get(win) ?? Number.NEGATIVE_INFINITY, w));
    }
    for (const win of f.scoredWindows) {
      const b = best.get(win);
      if (b === undefined) {
        score -= cost.fnWeight;
        fn++;
      } else {
        score += b;
        tp++;
      }
    }
  }
  return { threshold, score, tp, fn, fp };
}

/**
 * NAB's threshold optimisation over a corpus: every distinct score (and 1.1, nothing detected)
 * from the highest down; the first threshold with the best corpus total wins.
 */
export function optimizeThreshold(files: readonly SweptFile[], cost: CostMatrix): ThresholdScore {
  let total = 0;
  let rows = 0;
  const windowBase: number[] = []; // global window id → offset
  let windows = 0;
  for (const f of files) {
    windowBase.push(windows);
    windows += f.windowCount;
    total -= cost.fnWeight * f.scoredWindows.length;
    rows += f.scores.length;
  }
  const score = new Float64Array(rows);
  const weight = new Float64Array(rows);
  const win = new Int32Array(rows);
  let k = 0;
  files.forEach((f, fi) => {
    for (let i = 0; i < f.scores.length; i++, k++) {
      score[k] = f.scores[i]!;
      weight[k] = f.weights[i]!;
      const w = f.window[i]!;
      win[k] = w >= 0 ? w + windowBase[fi]! : w;
    }
  });
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  order.sort((a, b) => score[b]! - score[a]!);

  const best = new Float64Array(windows).fill(Number.NaN); // NaN: window not hit yet
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const f of files) fn += f.scoredWindows.length;
  let bestRow: ThresholdScore = { threshold: NO_DETECTION_THRESHOLD, score: total, tp, fn, fp };
  let i = 0;
  while (i < rows) {
    const threshold = score[order[i]!]!;
    // Take in every row at this score, then evaluate the threshold.
    for (; i < rows && score[order[i]!] === threshold; i++) {
      const r = order[i]!;
      const w = win[r]!;
      if (w === PROBATION) continue;
      const wt = weight[r]!;
      if (w === OUTSIDE) {
        total += wt;
        fp++;
      } else {
        const b = best[w]!;
        if (Number.isNaN(b)) {
          total += wt + cost.fnWeight;
          best[w] = wt;
          tp++;
          fn--;
        } else if (wt > b) {
          total += wt - b;
          best[w] = wt;
        }
      }
    }
    if (total > bestRow.score) bestRow = { threshold, score: total, tp, fn, fp };
  }
  return bestRow;
}

/** The raw score of a detector that never fires: every counted window is a miss. */
export function nullScore(files: readonly SweptFile[], cost: CostMatrix): number {
  let s = 0;
  for (const f of files) s -= cost.fnWeight * f.scoredWindows.length;
  return s;
}

/** The raw score of a perfect detector: every labelled window is a hit at its left edge. */
export function perfectScore(files: readonly SweptFile[], cost: CostMatrix): number {
  let s = 0;
  for (const f of files) s += cost.tpWeight * f.windowCount;
  return s;
}

/** `100 * (raw - null) / (perfect - null)`, NAB's normalised score. */
export function normalizeScore(raw: number, nullRaw: number, perfect: number): number {
  return (100 * (raw - nullRaw)) / (perfect - nullRaw);
}

/** A profile's result over a corpus. */
export interface ProfileResult {
  readonly profile: string;
  /** Threshold optimised over the corpus, with its raw total and counts. */
  readonly optimized: ThresholdScore;
  /** Normalised score at the optimised threshold. */
  readonly normalized: number;
  /** Raw score and counts at the fixed threshold, when one was given. */
  readonly atThreshold?: ThresholdScore;
  /** Normalised score at the fixed threshold, when one was given. */
  readonly normalizedAtThreshold?: number;
  readonly nullRaw: number;
  readonly perfect: number;
}

/**
 * Scores a corpus for one profile: optimises the threshold, normalises, and (when `threshold` is
 * given) also scores at that fixed threshold.
 */
export function scoreCorpus(
  files: readonly ScoreFile[],
  profile: { readonly name: string; readonly cost: CostMatrix },
  threshold?: number,
): ProfileResult {
  const { cost } = profile;
  const swept = files.map((f) => sweepFile(f, cost));
  const optimized = optimizeThreshold(swept, cost);
  const nullRaw = nullScore(swept, cost);
  const perfect = perfectScore(swept, cost);
  const base = {
    profile: profile.name,
    optimized,
    normalized: normalizeScore(optimized.score, nullRaw, perfect),
    nullRaw,
    perfect,
  };
  if (threshold === undefined) return base;
  const atThreshold = scoreAtThreshold(swept, cost, threshold);
  return {
    ...base,
    atThreshold,
    normalizedAtThreshold: normalizeScore(atThreshold.score, nullRaw, perfect),
  };
}
