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

/** A duration in YAML/JSON: milliseconds as a number, or a string such as `30s`. */
export const durationSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `must be a duration: milliseconds ≥ 0 or a string like "250ms", "30s", "5m", "1h" (got ${JSON.stringify(value)})`,
    });
    return z.NEVER;
  }
  return ms;
});
