import { describe, expect, it } from 'vitest';
import { run } from './run.js';
import { SURGE, type Step } from './simulation.js';

const DAY = 24 * 60;
const MIN = 2;
const MAX = 40;

/** Every recommendation of a run that breaks the HPA rules the scaler was given. */
function hpaViolations(steps: readonly Step[]): string[] {
  const out: string[] = [];
  steps.forEach((s, i) => {
    const r = s.recommendation;
    const current = r.currentReplicas;
    if (r.desiredReplicas < MIN || r.desiredReplicas > MAX)
      out.push(`${i}: outside [${MIN}, ${MAX}]`);
    // Scale-up policy (Kubernetes default): at most +100 % or +4 pods per 15 s.
    if (r.desiredReplicas > Math.max(2 * current, current + 4)) out.push(`${i}: scale-up too fast`);
    // Scale-down stabilisation: never below a raw recommendation of the last 150 s (the window
    // shortened by the cost preference; the plain window is 300 s, so this holds either way).
    if (r.desiredReplicas < current) {
      for (let j = Math.max(0, i - 2); j <= i; j++) {
        const x = steps[j]!.recommendation;
        const raw = Math.min(MAX, Math.max(MIN, x.reactiveReplicas, x.predictiveReplicas ?? 0));
        if (r.desiredReplicas < raw) out.push(`${i}: scaled down below ${raw} asked at step ${j}`);
      }
    }
  });
  return out;
}

describe('predictive-autoscaler example', () => {
  it('scales up under the surge and back down afterwards within the HPA rules, ahead of the daily rise', () => {
    const lines: string[] = [];
    const { predictive, reactive, summary } = run({ log: (l) => lines.push(l) });
    const lastDay = (days: number): number => (days - 1) * DAY;
    const at = (steps: readonly Step[], minute: number): Step => steps[lastDay(4) + minute]!;

    for (const steps of [predictive, reactive]) {
      expect(hpaViolations(steps)).toEqual([]);
      // …and both directions were exercised.
      const dirs = steps.map((x) =>
        Math.sign(x.recommendation.desiredReplicas - x.recommendation.currentReplicas),
      );
      expect(dirs).toContain(1);
      expect(dirs).toContain(-1);
      // Up under the surge, down afterwards.
      const before = at(steps, SURGE.startMinute - 5).replicas;
      const during = Math.max(
        ...steps
          .slice(lastDay(4) + SURGE.startMinute, lastDay(4) + SURGE.startMinute + SURGE.minutes)
          .map((s) => s.replicas),
      );
      const after = at(steps, SURGE.startMinute + SURGE.minutes + 120).replicas;
      expect(during).toBeGreaterThan(before * 1.4);
      expect(after).toBeLessThan(during);
    }

    // Forecasts arrive in predictive mode and drive some recommendations.
    const last = predictive.slice(lastDay(4));
    expect(last.some((s) => s.recommendation.mode === 'predictive')).toBe(true);
    expect(reactive.every((s) => s.recommendation.predictiveReplicas === undefined)).toBe(true);

    // The daily 08:45 rise: predictive scaling has capacity ready before it, reactive does not.
    const rise = (steps: readonly Step[]): Step[] =>
      steps.slice(lastDay(4) + 8 * 60 + 30, lastDay(4) + 9 * 60 + 10);
    expect(rise(predictive).filter((s) => s.dropped > 0)).toHaveLength(0);
    expect(rise(reactive).filter((s) => s.dropped > 0).length).toBeGreaterThan(0);
    expect(summary.predictive.minutesOverCapacity).toBeLessThan(
      summary.reactive.minutesOverCapacity,
    );
    expect(lines.some((l) => l.startsWith('minutes over capacity'))).toBe(true);
  });
});
