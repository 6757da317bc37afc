import type { KeyedHandlers, Sample } from '@homeostat/core';

/** Per-series state of the demo's detector. */
export interface ShiftState {
  n: number;
  mean: number;
  /** Exponentially weighted mean absolute deviation. */
  mad: number;
  /** Consecutive suspicious samples (|z| > 3). */
  suspicious: number;
  /** Consecutive calm samples since the last alarm. */
  calm: number;
  armed: boolean;
}

/** An alarm raised by the demo detector. */
export interface ShiftAlarm {
  readonly series: string;
  readonly t: number;
  readonly z: number;
}

/**
 * A small per-series detector for the demo: an exponentially weighted mean and absolute deviation
 * that stop learning while samples look suspicious (|z| > 3), an alarm when |z| exceeds
 * `threshold`, re-armed only after `rearmAfter` calm samples, and a new baseline accepted after
 * `relearnAfter` suspicious samples in a row (a sustained shift becomes the new normal).
 */
export function createShiftDetector(options: {
  threshold: number;
  warmup: number;
  rearmAfter: number;
  relearnAfter: number;
}): KeyedHandlers<Sample, ShiftState, ShiftAlarm> {
  const alpha = 0.05;
  return {
    create: () => ({ n: 0, mean: 0, mad: 0, suspicious: 0, calm: 0, armed: true }),
    update(s, x) {
      s.n++;
      if (s.n === 1) {
        s.mean = x.value;
        s.mad = Math.abs(x.value) * 0.01 + 1e-9;
        return undefined;
      }
      const z = (x.value - s.mean) / (1.4826 * s.mad + 1e-9);
      const learning = s.n <= options.warmup;
      if (learning || Math.abs(z) <= 3) {
        s.mad += alpha * (Math.abs(x.value - s.mean) - s.mad);
        s.mean += alpha * (x.value - s.mean);
        s.suspicious = 0;
      } else if (++s.suspicious >= options.relearnAfter) {
        s.mean = x.value; // accept the new level
        s.suspicious = 0;
      }
      if (learning) return undefined;
      if (Math.abs(z) <= options.threshold) {
        if (++s.calm >= options.rearmAfter) s.armed = true;
        return undefined;
      }
      s.calm = 0;
      if (!s.armed) return undefined;
      s.armed = false;
      return { series: x.series, t: x.t, z };
    },
  };
}
