import type { z } from 'zod';

/** Default of `minCount` when the window holds at least that many values. */
const DEFAULT_MIN_COUNT = 16;

/**
 * Refinement of an options object with `windowSize` and an optional `minCount`: a window can
 * never hold more than `windowSize` values, so a larger `minCount` would never let it score.
 */
export function minCountWithinWindow(
  o: { readonly windowSize: number; readonly minCount?: number | undefined },
  ctx: z.RefinementCtx,
): void {
  if (o.minCount !== undefined && o.minCount > o.windowSize) {
    ctx.addIssue({
      code: 'custom',
      path: ['minCount'],
      message: `must be at most windowSize (${o.windowSize}): the window never holds more values`,
    });
  }
}

/** Fills in the default `minCount`: 16, or `windowSize` when the window is smaller. */
export function withMinCount<
  T extends { readonly windowSize: number; readonly minCount?: number | undefined },
>(o: T): T & { readonly minCount: number } {
  return { ...o, minCount: o.minCount ?? Math.min(DEFAULT_MIN_COUNT, o.windowSize) };
}

/**
 * Saved options as the schema now takes them: before `minCount` was checked against
 * `windowSize`, a detector made with a window under 16 saved the default `minCount` 16 (and one
 * could be given a larger `minCount` outright). Such a detector could never score; restored, it
 * takes `minCount = windowSize`, as it would be made today, instead of being refused.
 */
export function savedMinCount(options: unknown): unknown {
  if (options === null || typeof options !== 'object') return options;
  const o = options as { windowSize?: unknown; minCount?: unknown };
  if (
    typeof o.windowSize === 'number' &&
    typeof o.minCount === 'number' &&
    o.minCount > o.windowSize
  ) {
    return { ...o, minCount: o.windowSize };
  }
  return options;
}
