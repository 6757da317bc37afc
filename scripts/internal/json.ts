// Small helpers to read untyped JSON safely and print Markdown tables.

/** Any parsed JSON value. */
export type Json = unknown;

/** A table cell. */
export type Cell = string | number | boolean | undefined;

/** True for a plain object (not an array, not null). */
export function isRecord(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at `path` inside `value`, or undefined when any step is missing. */
export function get(value: Json, ...path: string[]): Json {
  let cur: Json = value;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/** A finite number, or undefined. */
export function num(value: Json): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A string, or undefined. */
export function str(value: Json): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** An object, or an empty one. */
export function rec(value: Json): Record<string, Json> {
  return isRecord(value) ? value : {};
}

/** The objects of an array (other entries skipped), or an empty list. */
export function records(value: Json): Record<string, Json>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function group(int: string): string {
  return int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A number written the same way on every machine: 3 significant digits below 100, integers with
 * thousands separators above. */
export function fmt(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 100) return (value < 0 ? '-' : '') + group(Math.round(abs).toString());
  if (Number.isInteger(value)) return value.toString();
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  return Number(value.toPrecision(3)).toString();
}

function cellText(value: Cell): string {
  if (value === undefined) return '–';
  if (typeof value === 'number') return fmt(value);
  return String(value).replace(/\|/g, '\\|');
}

/** A Markdown table with the union of the rows' keys as columns. */
export function markdownTable(rows: readonly Record<string, Cell>[]): string {
  const columns: string[] = [];
  for (const row of rows)
    for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map((c) => c.replace(/\|/g, '\\|'))),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map((c) => cellText(row[c])))),
  ].join('\n');
}
