/**
 * Synthetic metrics for a small system — `web` calls `api`, which uses `db` and `cache` — one
 * sample per minute of event time, with three injected faults and a few malformed samples. Seeded,
 * so every run sees the same data.
 */

import { seededRandom } from '@homeostat/core';

/** Days in the generated history; the faults are on the last day. */
export const DAYS = 4;
/** Days the detectors get to learn the daily cycle before their anomalies are acted on. */
export const WARMUP_DAYS = 2;
/** Minutes in the generated history. */
export const MINUTES = DAYS * 24 * 60;
/** Event time of the first sample. */
export const T0 = Date.UTC(2026, 0, 5, 0, 0);
const MINUTE = 60_000;

/** The faults injected into the data, for printing and checking. */
export const FAULTS = [
  {
    name: 'slow database (db latency ×6, api and web follow)',
    start: T0 + ((DAYS - 1) * 24 * 60 + 10 * 60) * MINUTE,
    minutes: 25,
  },
  {
    name: 'cache eviction storm (hit ratio 0.93 → 0.4, api slows; no policy covers it)',
    start: T0 + ((DAYS - 1) * 24 * 60 + 13 * 60) * MINUTE,
    minutes: 15,
  },
  {
    name: 'bad web deploy (web errors alone)',
    start: T0 + ((DAYS - 1) * 24 * 60 + 16 * 60) * MINUTE,
    minutes: 20,
  },
] as const;

const inFault = (i: number, fault: (typeof FAULTS)[number]): boolean => {
  const t = T0 + i * MINUTE;
  return t >= fault.start && t < fault.start + fault.minutes * MINUTE;
};

/**
 * The samples in time order, with malformed ones mixed in: a NaN value, an empty series name,
 * an infinite value and a sample whose time goes backwards. Typed `unknown[]` because that is
 * what arrives from outside before validation.
 */
export function generateSamples(seed = 7): unknown[] {
  const random = seededRandom(seed);
  const noise = (scale: number): number => (random() - 0.5) * 2 * scale;
  const out: unknown[] = [];
  for (let i = 0; i < MINUTES; i++) {
    const t = T0 + i * MINUTE;
    const daily = Math.sin((2 * Math.PI * (i % 1440)) / 1440 - Math.PI / 2); // low at night
    const slowDb = inFault(i, FAULTS[0]);
    const evictions = inFault(i, FAULTS[1]);
    const badDeploy = inFault(i, FAULTS[2]);
    const db = (12 + 3 * daily + noise(1.5)) * (slowDb ? 6 : 1);
    const cacheHit = evictions ? 0.4 + noise(0.05) : 0.93 + 0.02 * daily + noise(0.01);
    const api = 25 + 4 * daily + noise(3) + db * (1 - cacheHit) * 4 + (slowDb ? db * 0.8 : 0);
    const web = 40 + 6 * daily + noise(4) + api;
    const webErrors = Math.max(0, 0.004 + noise(0.003)) + (badDeploy ? 0.12 + noise(0.02) : 0);
    out.push(
      { series: 'db:latency_ms', t, value: db },
      { series: 'cache:hit_ratio', t, value: cacheHit },
      { series: 'api:latency_ms', t, value: api },
      { series: 'web:latency_ms', t, value: web },
      { series: 'web:error_ratio', t, value: webErrors },
    );
    // Malformed input, as it happens with real collectors.
    if (i === 300) out.push({ series: 'api:latency_ms', t, value: Number.NaN });
    if (i === 600) out.push({ series: '', t, value: 1 });
    if (i === 900) out.push({ series: 'db:latency_ms', t, value: Number.POSITIVE_INFINITY });
    if (i === 1200) out.push({ series: 'web:latency_ms', t: t - 10 * MINUTE, value: 50 });
  }
  return out;
}
