/**
 * A horizontal strip chart as a standalone SVG: one row per case, one dot per measurement, the
 * row's mean as a tick with its interval as a bar, and vertical reference lines (a target, a
 * baseline). Used for benchmark results whose spread matters as much as their centre. The
 * output is deterministic (fixed rounding, no randomness), so a generated file can be checked
 * for staleness byte by byte.
 */

/** One row of a strip chart. */
export interface StripRow {
  readonly label: string;
  /** Measurements; values outside the domain are drawn at its edge as open dots. */
  readonly values: readonly number[];
  /** The row's summary value, drawn as a tick (omitted when not finite). */
  readonly mean?: number;
  /** Interval around the summary, drawn as a bar (omitted when either end is not finite). */
  readonly interval?: readonly [number, number];
}

/** Options of {@link stripChartSvg}. */
export interface StripChartOptions {
  readonly title: string;
  /** Label of the x axis. */
  readonly xLabel: string;
  /** The x range drawn, `[min, max]` with min < max. */
  readonly domain: readonly [number, number];
  /** Distance between axis ticks, in x units. */
  readonly tick: number;
  /** Vertical reference lines; `emphasis` draws one in the accent colour. */
  readonly references?: readonly { value: number; label: string; emphasis?: boolean }[];
}

const WIDTH = 760;
const LEFT = 270;
const RIGHT = 20;
const TOP = 48;
const ROW = 30;
const BOTTOM = 48;

/** Escapes text for an SVG text node or attribute. */
function esc(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** One decimal place: enough for pixels, and stable across platforms. */
const px = (v: number): string => (Math.round(v * 10) / 10).toString();

/**
 * Renders `rows` as an SVG strip chart.
 *
 * @throws {RangeError} when the domain is empty or not finite, the tick is not positive, or a
 * row has no label.
 * @example
 * ```ts
 * const svg = stripChartSvg([{ label: 'sidecar', values: [0.94, 0.97], mean: 0.955 }], {
 *   title: 'req/s vs bare', xLabel: 'ratio', domain: [0.8, 1.2], tick: 0.05,
 *   references: [{ value: 0.95, label: 'target', emphasis: true }],
 * });
 * ```
 */
export function stripChartSvg(rows: readonly StripRow[], options: StripChartOptions): string {
  const [lo, hi] = options.domain;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new RangeError(`stripChartSvg: domain must be finite with min < max, got [${lo}, ${hi}]`);
  }
  if (!(options.tick > 0) || (hi - lo) / options.tick > 100) {
    throw new RangeError(
      `stripChartSvg: tick must be positive and give at most 100 ticks, got ${options.tick}`,
    );
  }
  rows.forEach((r, i) => {
    if (r.label.length === 0) throw new RangeError(`stripChartSvg: row ${i} has no label`);
  });
  const height = TOP + rows.length * ROW + BOTTOM;
  const x = (v: number): number => LEFT + ((v - lo) / (hi - lo)) * (WIDTH - LEFT - RIGHT);
  const clamp = (v: number): number => Math.min(hi, Math.max(lo, v));
  const axisY = TOP + rows.length * ROW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${px(WIDTH / 2)}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${esc(options.title)}</text>`,
  ];
  // Axis ticks and grid.
  const first = Math.ceil(lo / options.tick - 1e-9);
  const last = Math.floor(hi / options.tick + 1e-9);
  for (let k = first; k <= last; k++) {
    const v = k * options.tick;
    const xv = px(x(v));
    out.push(
      `<line x1="${xv}" y1="${TOP - 6}" x2="${xv}" y2="${axisY}" stroke="#eee"/>`,
      `<line x1="${xv}" y1="${axisY}" x2="${xv}" y2="${axisY + 4}" stroke="#666"/>`,
      `<text x="${xv}" y="${axisY + 17}" text-anchor="middle" fill="#444">${esc(v.toFixed(2))}</text>`,
    );
  }
  out.push(
    `<line x1="${LEFT}" y1="${axisY}" x2="${WIDTH - RIGHT}" y2="${axisY}" stroke="#666"/>`,
    `<text x="${px((LEFT + WIDTH - RIGHT) / 2)}" y="${axisY + 36}" text-anchor="middle" fill="#444">${esc(options.xLabel)}</text>`,
  );
  (options.references ?? []).forEach((ref, k) => {
    if (ref.value < lo || ref.value > hi) return;
    const xr = x(ref.value);
    const colour = ref.emphasis === true ? '#c0392b' : '#888';
    // Labels alternate left and right of their lines, so that close references stay legible.
    const [lx, anchor] = k % 2 === 0 ? [xr - 4, 'end'] : [xr + 4, 'start'];
    out.push(
      `<line x1="${px(xr)}" y1="${TOP - 6}" x2="${px(xr)}" y2="${axisY}" stroke="${colour}" stroke-dasharray="4 3"/>`,
      `<text x="${px(lx)}" y="${TOP - 10}" text-anchor="${anchor}" fill="${colour}">${esc(ref.label)}</text>`,
    );
  });
  rows.forEach((row, i) => {
    const cy = TOP + i * ROW + ROW / 2;
    if (i % 2 === 1) {
      out.push(
        `<rect x="0" y="${px(cy - ROW / 2)}" width="${WIDTH}" height="${ROW}" fill="#000" fill-opacity="0.03"/>`,
      );
    }
    out.push(`<text x="${LEFT - 10}" y="${px(cy + 4)}" text-anchor="end">${esc(row.label)}</text>`);
    row.values.forEach((v, j) => {
      if (!Number.isFinite(v)) return;
      // Spread dots over five lanes so that equal values stay visible.
      const cyj = px(cy + ((j % 5) - 2) * 2.5);
      const inside = v >= lo && v <= hi;
      out.push(
        inside
          ? `<circle cx="${px(x(v))}" cy="${cyj}" r="3.5" fill="#2c7fb8" fill-opacity="0.45"/>`
          : `<circle cx="${px(x(clamp(v)))}" cy="${cyj}" r="3.5" fill="none" stroke="#2c7fb8"/>`,
      );
    });
    const [a, b] = row.interval ?? [Number.NaN, Number.NaN];
    if (Number.isFinite(a) && Number.isFinite(b)) {
      out.push(
        `<line x1="${px(x(clamp(a)))}" y1="${px(cy)}" x2="${px(x(clamp(b)))}" y2="${px(cy)}" stroke="#111" stroke-width="2"/>`,
      );
    }
    if (row.mean !== undefined && Number.isFinite(row.mean)) {
      const xm = px(x(clamp(row.mean)));
      out.push(
        `<line x1="${xm}" y1="${px(cy - 8)}" x2="${xm}" y2="${px(cy + 8)}" stroke="#111" stroke-width="2.5"/>`,
      );
    }
  });
  out.push('</svg>', '');
  return out.join('\n');
}
