import { z } from 'zod';
import { ConfigError, parseOptions } from '@homeostat/core';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly namesFrom?: number;
}

const SPECS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

/** A compiled five-field cron expression, evaluated per minute. */
export interface CronMatcher {
  /** The expression as written. */
  readonly expression: string;
  /** True when the minute containing `t` (epoch ms) matches, at the matcher's UTC offset. */
  matches(t: number): boolean;
}

function parseValue(text: string, spec: FieldSpec): number {
  const lower = text.toLowerCase();
  if (spec.names) {
    const i = spec.names.indexOf(lower);
    if (i >= 0) return i + (spec.namesFrom ?? 0);
  }
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number in the ${spec.name} field`);
  const n = Number(text);
  if (n < spec.min || n > spec.max)
    throw new Error(`${n} is outside ${spec.min}-${spec.max} in the ${spec.name} field`);
  return n;
}

function parseField(text: string, spec: FieldSpec): { set: Set<number>; star: boolean } {
  const set = new Set<number>();
  let star = false;
  for (const part of text.split(',')) {
    if (part === '') throw new Error(`empty list item in the ${spec.name} field`);
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new Error(`"${part}" has two steps in the ${spec.name} field`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0)
        throw new Error(`step "${stepText}" must be a positive integer in the ${spec.name} field`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = spec.min;
      hi = spec.max;
      if (stepText === undefined) star = true;
    } else {
      const [a, b, more] = range!.split('-');
      if (more !== undefined)
        throw new Error(`"${range}" is not a range in the ${spec.name} field`);
      lo = parseValue(a!, spec);
      hi = b === undefined ? (stepText === undefined ? lo : spec.max) : parseValue(b, spec);
      if (hi < lo) throw new Error(`range "${range}" runs backwards in the ${spec.name} field`);
    }
    for (let v = lo; v <= hi; v += step) set.add(v);
  }
  return { set, star };
}

/**
 * Compiles a five-field cron expression (`minute hour day-of-month month day-of-week`) into a
 * matcher that says whether a given minute is inside it. Supports `*`, numbers, ranges `a-b`,
 * steps `*\/n` and `a-b/n`, lists, and month/day names (`jan`, `mon`); day-of-week 0 and 7 are
 * Sunday. When both day fields are restricted, a day matches if either does (as in cron).
 *
 * @param utcOffsetMinutes - Local time offset used for matching (default 0 = UTC).
 * @throws {ConfigError} naming the field that is wrong.
 * @example
 * ```ts
 * const weekendsAndNights = parseCron('* 0-7,20-23 * * *');
 * weekendsAndNights.matches(Date.parse('2026-11-22T21:00:00Z')); // true
 * ```
 */
export function parseCron(expression: string, utcOffsetMinutes = 0): CronMatcher {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5)
    throw new ConfigError(
      [
        {
          path: '',
          message: `cron "${expression}" must have 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`,
        },
      ],
      { source: 'cron' },
    );
  let parsed: { set: Set<number>; star: boolean }[];
  try {
    parsed = fields.map((f, i) => parseField(f, SPECS[i]!));
  } catch (cause) {
    throw new ConfigError(
      [{ path: '', message: `cron "${expression}": ${(cause as Error).message}` }],
      {
        source: 'cron',
        cause,
      },
    );
  }
  const [minute, hour, dom, month, dow] = parsed as [
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
    { set: Set<number>; star: boolean },
  ];
  if (dow.set.has(7)) dow.set.add(0);
  const offsetMs = utcOffsetMinutes * 60_000;
  return {
    expression,
    matches(t) {
      const d = new Date(t + offsetMs);
      if (!minute.set.has(d.getUTCMinutes()) || !hour.set.has(d.getUTCHours())) return false;
      if (!month.set.has(d.getUTCMonth() + 1)) return false;
      const domOk = dom.set.has(d.getUTCDate());
      const dowOk = dow.set.has(d.getUTCDay());
      if (dom.star || dow.star) return domOk && dowOk;
      return domOk || dowOk;
    },
  };
}

const isoTime = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const t = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(t)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${String(v)}" is not a time (epoch ms or ISO 8601)`,
    });
    return z.NEVER;
  }
  return t;
});

/** zod schema of one change-freeze window: a cron expression or a fixed `[from, to)` interval. */
export const freezeWindowSchema = z
  .object({
    /** Label of the window in `frozenBy` answers. Default `window <index>`. */
    name: z.string().optional(),
    /**
     * Five-field cron, read at `utcOffsetMinutes`: every matching minute is frozen. Give either
     * this or both `from` and `to`.
     */
    cron: z.string().min(1).optional(),
    /** Start of a fixed window (epoch ms or ISO 8601), inclusive. */
    from: isoTime.optional(),
    /** End of a fixed window (epoch ms or ISO 8601), exclusive; after `from`. */
    to: isoTime.optional(),
  })
  .strict()
  .superRefine((w, ctx) => {
    const fixed = w.from !== undefined || w.to !== undefined;
    if (w.cron !== undefined && fixed)
      ctx.addIssue({ code: 'custom', message: 'give either "cron" or "from"/"to", not both' });
    else if (w.cron === undefined && (w.from === undefined || w.to === undefined))
      ctx.addIssue({ code: 'custom', message: 'needs "cron", or both "from" and "to"' });
    else if (w.from !== undefined && w.to !== undefined && w.to <= w.from)
      ctx.addIssue({ code: 'custom', message: '"to" must be after "from"', path: ['to'] });
  });

/** zod schema of {@link createFreezeCalendar}'s options. */
export const freezeCalendarOptionsSchema = z.strictObject({
  /** The freeze windows; a moment is frozen when any of them contains it. Default `[]`. */
  windows: z.array(freezeWindowSchema).default([]),
  /** Offset of local time from UTC for cron windows, in minutes (−840 to 840). Default 0. */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .default(0),
});

/** Options of {@link createFreezeCalendar}. */
export type FreezeCalendarOptions = z.input<typeof freezeCalendarOptionsSchema>;

/** Change-freeze windows, asked "is this moment frozen?". */
export interface FreezeCalendar {
  /** The first window containing `t`, described; `undefined` when `t` is not frozen. */
  frozenBy(t: number): string | undefined;
}

/**
 * Builds a change-freeze calendar from cron windows (each matching minute is frozen) and fixed
 * intervals.
 *
 * @throws {ConfigError} when a window is malformed (bad cron, `to` before `from`).
 * @example
 * ```ts
 * const freeze = createFreezeCalendar({ windows: [
 *   { name: 'weekend', cron: '* * * * sat,sun' },
 *   { name: 'year-end', from: '2026-12-20T00:00:00Z', to: '2027-01-04T00:00:00Z' },
 * ] });
 * freeze.frozenBy(Date.parse('2026-12-25T10:00:00Z')); // 'year-end'
 * ```
 */
export function createFreezeCalendar(options: FreezeCalendarOptions): FreezeCalendar {
  const o = parseOptions(freezeCalendarOptionsSchema, options, { source: 'freeze calendar' });
  const checks = o.windows.map((w, i) => {
    const label = w.name ?? `window ${i}`;
    if (w.cron !== undefined) {
      const cron = w.cron;
      let m: CronMatcher;
      try {
        m = parseCron(cron, o.utcOffsetMinutes);
      } catch (e) {
        const issues = (e as ConfigError).issues ?? [];
        throw new ConfigError(
          issues.map((x) => ({ path: `windows.${i}.cron`, message: x.message })),
          { source: 'freeze calendar', cause: e },
        );
      }
      return (t: number) => (m.matches(t) ? `${label} (cron ${cron})` : undefined);
    }
    const from = w.from!;
    const to = w.to!;
    return (t: number) =>
      t >= from && t < to
        ? `${label} (${new Date(from).toISOString()} – ${new Date(to).toISOString()})`
        : undefined;
  });
  return {
    frozenBy(t) {
      for (const c of checks) {
        const r = c(t);
        if (r !== undefined) return r;
      }
      return undefined;
    },
  };
}
