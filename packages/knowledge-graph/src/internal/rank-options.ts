import { ConfigError, type Issue } from '@homeostat/core';

/** How a bad value reads in an error. */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? typeof value);
}

/** An issue when `value` is given and is not an integer ≥ `min`. */
function count(path: string, value: unknown, min: number): Issue[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    return [{ path, message: `must be an integer ≥ ${min}, got ${shown(value)}` }];
  return [];
}

/** An issue when `value` is given and is not a finite number in [0, `max`]. */
function weight(path: string, value: unknown, max: number): Issue[] {
  if (value === undefined) return [];
  if (typeof value !== 'number' || !(value >= 0 && value <= max) || !Number.isFinite(value))
    return [
      {
        path,
        message: `must be a number in ${max === Infinity ? '[0, ∞)' : `[0, ${max}]`}, got ${shown(value)}`,
      },
    ];
  return [];
}

/**
 * Validates the options of the ranking functions (`rankIncident`, `rankRootCauses`,
 * `analyzeCase`, `rankRcaCase`): counts are integers, weights finite and not negative.
 *
 * @throws {ConfigError} naming every bad option, with `source` as the function's name.
 */
export function checkRankOptions(
  source: string,
  options: {
    readonly top?: unknown;
    readonly maxCandidates?: unknown;
    readonly upstreamWeight?: unknown;
    readonly weights?: Readonly<Record<string, unknown>> | undefined;
  },
): void {
  const issues: Issue[] = [
    ...count('top', options.top, 0),
    ...count('maxCandidates', options.maxCandidates, 1),
    ...weight('upstreamWeight', options.upstreamWeight, 1),
  ];
  for (const [k, v] of Object.entries(options.weights ?? {}))
    issues.push(...weight(`weights.${k}`, v, Infinity));
  if (issues.length > 0) throw new ConfigError(issues, { source });
}
