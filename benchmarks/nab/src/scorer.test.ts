import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataset } from '@homeostat-bench/common';
import {
  listDataFiles,
  readDataFile,
  readProfiles,
  readScores,
  readWindows,
  resultPath,
} from './corpus.js';
import {
  NO_DETECTION_THRESHOLD,
  type CostMatrix,
  normalizeScore,
  optimizeThreshold,
  probationaryLength,
  scaledSigmoid,
  scoreAtThreshold,
  scoreCorpus,
  sweepFile,
  windowRows,
} from './scorer.js';
import { scoreResultFiles } from './run.js';

const standard: CostMatrix = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 };
const S = (p: number): number => 2 / (1 + Math.exp(5 * p)) - 1;
const MIN = 60_000;

/** A file of n rows one minute apart with the given scores and windows given as row ranges. */
function file(scores: number[], windows: [number, number][], key = 'cat/f.csv') {
  const times = scores.map((_, i) => i * MIN);
  return {
    key,
    times,
    scores,
    windows: windows.map(([a, b]) => [a * MIN, b * MIN] as const),
  };
}

describe('scaledSigmoid', () => {
  it('is 0 at the right edge of a window, about 0.9866 at the left edge, -1 past 3', () => {
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(2 / (1 + Math.exp(-5)) - 1, 15);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(3)).toBeCloseTo(-0.99999939, 8);
    expect(scaledSigmoid(3.0001)).toBe(-1);
    expect(scaledSigmoid(0.5)).toBeCloseTo(-0.848284, 6);
  });
});

describe('probationaryLength', () => {
  it('is 15% of the rows, at most 750', () => {
    expect(probationaryLength(100)).toBe(15);
    expect(probationaryLength(4032)).toBe(604);
    expect(probationaryLength(10_000)).toBe(750);
    expect(probationaryLength(19)).toBe(2);
  });
});

describe('windowRows', () => {
  it('maps windows to row ranges by time, inclusive, and drops windows without rows', () => {
    const times = [0, 10, 20, 30, 40];
    expect(
      windowRows(times, [
        [15, 30],
        [41, 50],
        [0, 0],
      ]),
    ).toEqual([
      [0, 0],
      [2, 3],
    ]);
  });
});

describe('sweepFile (hand-computed weights)', () => {
  // 20 rows; probation = floor(0.15 * 20) = 3; one window on rows 10..13 (width 4).
  const scores = Array.from({ length: 20 }, () => 0);
  const swept = sweepFile(file(scores, [[10, 13]]), standard);

  it('weights rows before the first window -fpWeight', () => {
    expect(swept.weights[5]).toBeCloseTo(-0.11, 15);
    expect(swept.window[1]).toBe(-2); // probationary
    expect(swept.window[5]).toBe(-1); // outside
  });
  it('weights rows in a window by position: 1 at the left edge, S(-1/w)/S(-1) at the right', () => {
    expect(swept.weights[10]).toBeCloseTo(1, 15);
    expect(swept.weights[11]).toBeCloseTo(S(-0.75) / S(-1), 15);
    expect(swept.weights[13]).toBeCloseTo(S(-0.25) / S(-1), 15);
    expect(swept.window[12]).toBe(0);
  });
  it('weights rows after a window by the distance past it, scaled by width - 1', () => {
    expect(swept.weights[14]).toBeCloseTo(0.11 * S(1 / 3), 15);
    expect(swept.weights[15]).toBeCloseTo(0.11 * S(2 / 3), 15);
    expect(swept.weights[19]).toBeCloseTo(-0.11, 4); // p = 2 → S(2) ≈ -1
    expect(swept.weights[19]).toBeCloseTo(0.11 * S(2), 15);
  });

  it('scores a threshold: best detection per window, every false positive, a miss per window', () => {
    const s = scores.slice();
    s[12] = 0.9; // in the window
    s[11] = 0.6; // earlier in the window: better weight, lower score
    s[6] = 0.7; // false positive before the window
    s[1] = 1; // probationary: never counts
    const f = sweepFile(file(s, [[10, 13]]), standard);
    const at09 = scoreAtThreshold([f], standard, 0.9);
    expect(at09.score).toBeCloseTo(S(-0.5) / S(-1), 12);
    expect(at09).toMatchObject({ tp: 1, fn: 0, fp: 0 });
    const at07 = scoreAtThreshold([f], standard, 0.7);
    expect(at07.score).toBeCloseTo(S(-0.5) / S(-1) - 0.11, 12);
    const at06 = scoreAtThreshold([f], standard, 0.6);
    expect(at06.score).toBeCloseTo(S(-0.75) / S(-1) - 0.11, 12);
    expect(scoreAtThreshold([f], standard, 1).score).toBe(-1);
    expect(scoreAtThreshold([f], standard, 1).fn).toBe(1);
  });

  it('optimises the threshold over the corpus, keeping the highest of tied thresholds', () => {
    const s = scores.slice();
    s[12] = 0.9;
    s[11] = 0.6;
    s[6] = 0.7;
    const f = sweepFile(file(s, [[10, 13]]), standard);
    const best = optimizeThreshold([f], standard);
    expect(best.threshold).toBe(0.9);
    expect(best.score).toBeCloseTo(S(-0.5) / S(-1), 12);
    // Equal totals at 0.8 (row 12) and 0.5 (row 2, probationary, so it adds nothing): the first,
    // higher threshold wins.
    const t = scores.slice();
    t[12] = 0.8;
    t[2] = 0.5; // probationary row: lowering the threshold to 0.5 changes nothing
    const g = sweepFile(file(t, [[10, 13]]), standard);
    expect(optimizeThreshold([g], standard).threshold).toBe(0.8);
    // Detecting nothing is best when every detection is a false positive.
    const u = scores.slice();
    u[6] = 0.5;
    const h = sweepFile(file(u, []), standard);
    expect(optimizeThreshold([h], standard)).toMatchObject({
      threshold: NO_DETECTION_THRESHOLD,
      score: 0,
    });
  });

  it('ignores a window that lies entirely in the probationary head', () => {
    const f = sweepFile(file(scores, [[0, 1]]), standard);
    expect(f.scoredWindows).toEqual([]);
    expect(scoreAtThreshold([f], standard, 0.5).score).toBeCloseTo(0, 12);
    // ...but the perfect score still counts it, as NAB does.
    const r = scoreCorpus([file(scores, [[0, 1]])], { name: 'standard', cost: standard });
    expect(r.perfect).toBe(1);
    expect(r.nullRaw).toBeCloseTo(0, 12);
  });

  it('rejects a score list of the wrong length and NaN scores, naming the file', () => {
    expect(() => sweepFile({ ...file([0, 0], []), scores: [0] }, standard)).toThrow(/cat\/f\.csv/);
    expect(() => sweepFile(file([0, Number.NaN], []), standard)).toThrow(/row 3/);
  });

  it('normalises between the null (0) and the perfect (100) detector', () => {
    expect(normalizeScore(-64, -64, 64)).toBe(0);
    expect(normalizeScore(64, -64, 64)).toBe(100);
    expect(normalizeScore(0, -64, 64)).toBe(50);
  });
});

const nabDir = sharedDataset('nab');
const haveNab = existsSync(join(nabDir, 'reference-results'));

describe('reproduces the published NAB figures on reference-results/', () => {
  // Figures of the dataset README (official scorer, thresholds optimised on these 41 files).
  const expected: Record<string, Record<string, number>> = {
    numenta: { standard: 75.52, reward_low_FP_rate: 70.68, reward_low_FN_rate: 78.99 },
    windowedGaussian: { standard: 41.42, reward_low_FP_rate: 26.48, reward_low_FN_rate: 48.45 },
    null: { standard: 0, reward_low_FP_rate: 0, reward_low_FN_rate: 0 },
  };
  it.skipIf(!haveNab)(
    'numenta, windowedGaussian and null, all three profiles, to two decimals (skipped when ../shared/datasets/nab is absent)',
    () => {
      const windows = readWindows(join(nabDir, 'combined_windows.json'));
      const profiles = readProfiles(join(nabDir, 'profiles.json'));
      const keys = listDataFiles(nabDir);
      expect(keys).toHaveLength(41);
      const data = keys.map((k) => readDataFile(join(nabDir, 'data', k), k));
      for (const [detector, rows] of Object.entries(expected)) {
        const files = data.map((d) => ({
          key: d.key,
          times: d.times,
          scores: readScores(join(nabDir, 'reference-results', resultPath(detector, d.key))),
          windows: windows.get(d.key) ?? [],
        }));
        for (const [profile, figure] of Object.entries(rows)) {
          const r = scoreCorpus(files, { name: profile, cost: profiles[profile]! });
          expect(
            Math.round(r.normalized * 100) / 100,
            `${detector} ${profile}: ${r.normalized}`,
          ).toBe(figure);
        }
      }
    },
    60_000,
  );
});

describe("scoreResultFiles (the runner's --score mode)", () => {
  it.skipIf(!haveNab)(
    'scores reference-results/ from disk to the README figures (skipped when ../shared/datasets/nab is absent)',
    () => {
      const r = scoreResultFiles({
        dataDir: nabDir,
        resultsDir: join(nabDir, 'reference-results'),
        detector: 'numenta',
        threshold: 0.5,
      });
      expect(r.profiles!.standard!.score.toFixed(2)).toBe('75.52');
      expect(r.profiles!.reward_low_FP_rate!.score.toFixed(2)).toBe('70.68');
      expect(r.profiles!.reward_low_FN_rate!.score.toFixed(2)).toBe('78.99');
    },
    60_000,
  );
});
