/**
 * Renders a self-contained HTML report (inline SVG, no scripts, no network) of a demo run:
 * metric panels with anomaly scores and forecasts, actions on the shared time axis, and the
 * summary table.
 */

/** One line (or band) on a panel. */
export interface ReportSeries {
  readonly name: string;
  /** `[t, value]` pairs in event time. */
  readonly points: readonly (readonly [number, number])[];
  /** `band`: points are `[t, lower]` and `upper` holds the matching upper values. */
  readonly kind?: 'line' | 'band' | 'step';
  readonly upper?: readonly number[];
  readonly color?: string;
  readonly dashed?: boolean;
}

/** A chart with one y axis. */
export interface ReportPanel {
  readonly title: string;
  readonly unit?: string;
  readonly series: readonly ReportSeries[];
  /** Horizontal reference lines (limits, thresholds). */
  readonly rules?: readonly { readonly label: string; readonly value: number }[];
}

/** Something that happened, drawn as a marker on every panel's time axis. */
export interface ReportEvent {
  readonly t: number;
  readonly kind:
    'fault' | 'detected' | 'decided' | 'executed' | 'verified' | 'escalated' | 'approval' | 'info';
  readonly label: string;
}

/** Everything the report shows. */
export interface ReportData {
  readonly title: string;
  readonly subtitle?: string;
  readonly start: number;
  readonly end: number;
  readonly panels: readonly ReportPanel[];
  readonly events: readonly ReportEvent[];
  readonly summary: readonly Record<string, string>[];
  readonly notes?: readonly string[];
}

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
const EVENT_COLORS: Record<ReportEvent['kind'], string> = {
  fault: '#dc2626',
  detected: '#f59e0b',
  decided: '#6366f1',
  executed: '#2563eb',
  verified: '#16a34a',
  escalated: '#7c3aed',
  approval: '#db2777',
  info: '#6b7280',
};

const W = 960;
const H = 200;
const PAD = { left: 56, right: 12, top: 12, bottom: 24 };

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 10 || v === 0) return v.toFixed(0);
  if (a >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

function clock(t: number, start: number): string {
  const s = Math.round((t - start) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function renderPanel(panel: ReportPanel, data: ReportData, index: number): string {
  const xs = (t: number): number =>
    PAD.left + ((t - data.start) / Math.max(1, data.end - data.start)) * (W - PAD.left - PAD.right);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const s of panel.series) {
    s.points.forEach(([, v], i) => {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      const u = s.upper?.[i];
      if (u !== undefined && Number.isFinite(u)) hi = Math.max(hi, u);
    });
  }
  for (const r of panel.rules ?? []) {
    lo = Math.min(lo, r.value);
    hi = Math.max(hi, r.value);
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const margin = (hi - lo) * 0.05;
  lo -= margin;
  hi += margin;
  const ys = (v: number): number =>
    PAD.top + (1 - (v - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  // grid and y ticks
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const y = ys(v).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="grid"/>`);
    parts.push(
      `<text x="${PAD.left - 6}" y="${y}" class="tick" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`,
    );
  }
  // x ticks
  for (let i = 0; i <= 6; i++) {
    const t = data.start + ((data.end - data.start) * i) / 6;
    parts.push(
      `<text x="${xs(t).toFixed(1)}" y="${H - 6}" class="tick" text-anchor="middle">${clock(t, data.start)}</text>`,
    );
  }
  // event markers
  for (const e of data.events) {
    const x = xs(e.t).toFixed(1);
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="${EVENT_COLORS[e.kind]}" class="event"><title>${esc(`${clock(e.t, data.start)} ${e.kind}: ${e.label}`)}</title></line>`,
    );
  }
  // rules
  for (const r of panel.rules ?? []) {
    const y = ys(r.value).toFixed(1);
    parts.push(
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="rule"/><text x="${W - PAD.right - 4}" y="${Number(y) - 4}" class="tick" text-anchor="end">${esc(r.label)}</text>`,
    );
  }
  // series
  panel.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));
    if (pts.length === 0) return;
    if (s.kind === 'band' && s.upper) {
      const upper = s.upper;
      const top = s.points.map(([t], j) => `${xs(t).toFixed(1)},${ys(upper[j] ?? 0).toFixed(1)}`);
      const bottom = s.points.map(([t, v]) => `${xs(t).toFixed(1)},${ys(v).toFixed(1)}`).reverse();
      parts.push(
        `<path d="M${top.join('L')}L${bottom.join('L')}Z" fill="${color}" fill-opacity="0.15" stroke="none" class="series band" data-series="${esc(s.name)}"/>`,
      );
      return;
    }
    let d = '';
    pts.forEach(([t, v], j) => {
      const x = xs(t).toFixed(1);
      const y = ys(v).toFixed(1);
      if (j === 0) d += `M${x},${y}`;
      else if (s.kind === 'step') d += `H${x}V${y}`;
      else d += `L${x},${y}`;
    });
    parts.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''} class="series line" data-series="${esc(s.name)}"/>`,
    );
  });
  const legend = panel.series
    .map(
      (s, i) =>
        `<span class="key"><i style="background:${s.color ?? PALETTE[i % PALETTE.length]}"></i>${esc(s.name)}</span>`,
    )
    .join('');
  return `<section class="panel" id="panel-${index}"><h3>${esc(panel.title)}${panel.unit ? ` <small>(${esc(panel.unit)})</small>` : ''}</h3><div class="legend">${legend}</div><svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(panel.title)}">${parts.join('')}</svg></section>`;
}

function renderTable(rows: readonly Record<string, string>[]): string {
  if (rows.length === 0) return '<p>(none)</p>';
  const cols = Object.keys(rows[0]!);
  const head = cols.map((c) => `<th>${esc(c)}</th>`).join('');
  const body = rows
    .map((r) => `<tr>${cols.map((c) => `<td>${esc(r[c] ?? '')}</td>`).join('')}</tr>`)
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * Renders the report as one HTML document (inline CSS and SVG only).
 */
export function renderReport(data: ReportData): string {
  const timeline = data.events
    .slice()
    .sort((a, b) => a.t - b.t)
    .map(
      (e) =>
        `<li><time>${clock(e.t, data.start)}</time> <b style="color:${EVENT_COLORS[e.kind]}">${e.kind}</b> ${esc(e.label)}</li>`,
    )
    .join('');
  const legend = Object.entries(EVENT_COLORS)
    .map(([k, c]) => `<span class="key"><i style="background:${c}"></i>${k}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(data.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1000px;color:#111827;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h3{font-size:14px;margin:0}
.sub{color:#6b7280;margin:0 0 16px}.panel{margin:14px 0;border:1px solid #e5e7eb;border-radius:8px;padding:10px}
.legend{margin:4px 0;color:#374151;font-size:12px}.key{margin-right:14px;white-space:nowrap}.key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px;vertical-align:-1px}
svg .grid{stroke:#f3f4f6}svg .tick{font-size:10px;fill:#6b7280}svg .event{stroke-width:1;stroke-opacity:.55}svg .rule{stroke:#9ca3af;stroke-dasharray:3 3}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:5px 8px;text-align:left}th{background:#f9fafb}
ol.timeline{font-size:13px;columns:2;padding-left:18px}time{font-variant-numeric:tabular-nums;color:#6b7280}
</style></head><body>
<h1>${esc(data.title)}</h1>${data.subtitle ? `<p class="sub">${esc(data.subtitle)}</p>` : ''}
<h2>Summary</h2>${renderTable(data.summary)}
${(data.notes ?? []).map((n) => `<p>${esc(n)}</p>`).join('')}
<h2>Metrics, scores and forecasts</h2><div class="legend">${legend}</div>
${data.panels.map((p, i) => renderPanel(p, data, i)).join('\n')}
<h2>Timeline</h2><ol class="timeline">${timeline}</ol>
</body></html>
`;
}
