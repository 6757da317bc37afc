import { z } from 'zod';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/;

/** Parses `250ms`, `30s`, `5m`, `1h` or a number of milliseconds; `undefined` when invalid. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m = PATTERN.exec(input);
  if (!m) return undefined;
  const value = Number(m[1]) * (UNITS[m[2]!] ?? Number.NaN);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Longest duration a timer takes: Node's timers hold a signed 32-bit delay and fire after 1 ms
 * when given more, so a longer timeout would expire at once.
 */
export const MAX_DURATION_MS = 2_147_483_647;

function durationOf(capped: boolean) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration: milliseconds ≥ 0 or a string like "250ms", "30s", "5m", "1h" (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    if (capped && ms > MAX_DURATION_MS) {
      ctx.addIssue({
        code: 'custom',
        message: `must be at most ${MAX_DURATION_MS} ms (about 24.8 days, the longest timer Node supports), got ${JSON.stringify(value)} = ${ms} ms`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/**
 * A duration in YAML/JSON: milliseconds as a number, or a string such as `30s`. For spans that
 * are compared with the clock (cooldowns, rate windows), not waited for, so any length.
 */
export const durationSchema = durationOf(false);

/** A duration that a timer waits for (timeouts, intervals, backoff): at most {@link MAX_DURATION_MS}. */
export const timerDurationSchema = durationOf(true);
