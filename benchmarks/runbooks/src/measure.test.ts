import { describe, expect, it } from 'vitest';
import { marginalStepUs, measure } from './measure.js';

describe('runbooks benchmark measure()', () => {
  it('runs every configuration to success and reports consistent figures', async () => {
    for (const audit of ['memory', 'file-nofsync'] as const) {
      const m = await measure({ audit, steps: 3, concurrency: 4, runs: 20, repeats: 1 });
      expect(m.allSucceeded).toBe(true);
      // decision.received, plan, run.started, 3 × (step.started + step.finished), run.finished
      expect(m.recordsPerRun).toBe(10);
      expect(m.usPerStep).toBeCloseTo(m.usPerRun / 3);
      expect(m.runsPerSec).toBeGreaterThan(0);
    }
  });

  it('computes the marginal cost of a step', () => {
    const base = {
      audit: 'memory' as const,
      concurrency: 1,
      runs: 1,
      usPerStep: 0,
      runsPerSec: 0,
      recordsPerRun: 0,
      allSucceeded: true,
    };
    expect(
      marginalStepUs({ ...base, steps: 1, usPerRun: 10 }, { ...base, steps: 10, usPerRun: 100 }),
    ).toBe(10);
  });
});

describe('combine', () => {
  it('takes medians over rounds', async () => {
    const { combine } = await import('./measure.js');
    const base = {
      audit: 'memory' as const,
      steps: 2,
      concurrency: 1,
      runs: 1,
      usPerStep: 0,
      recordsPerRun: 8,
      allSucceeded: true,
    };
    const m = combine([
      { ...base, usPerRun: 10, runsPerSec: 5 },
      { ...base, usPerRun: 30, runsPerSec: 1 },
      { ...base, usPerRun: 20, runsPerSec: 3, allSucceeded: false },
    ]);
    expect(m).toMatchObject({ usPerRun: 20, usPerStep: 10, runsPerSec: 3, allSucceeded: false });
  });
});
