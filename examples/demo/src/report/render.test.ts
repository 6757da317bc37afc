import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReport, type ReportData } from './render.js';
import { checkReportInBrowser, hasChromium } from './browser.js';

const start = 0;
const data: ReportData = {
  title: 'Test report <b>',
  start,
  end: 60_000,
  panels: [
    {
      title: 'latency',
      unit: 'ms',
      series: [
        {
          name: 'p99',
          points: Array.from(
            { length: 60 },
            (_, i) => [i * 1000, 50 + (i > 30 ? 200 : 0)] as const,
          ),
        },
        {
          name: 'score',
          points: [
            [0, 0],
            [30_000, 1],
            [60_000, 0],
          ],
          kind: 'step',
        },
      ],
      rules: [{ label: 'limit', value: 300 }],
    },
    {
      title: 'forecast',
      series: [
        {
          name: 'band',
          kind: 'band',
          points: [
            [0, 1],
            [60_000, 2],
          ],
          upper: [3, 4],
        },
        { name: 'empty', points: [] },
      ],
    },
  ],
  events: [
    { t: 30_000, kind: 'fault', label: 'payments slow' },
    { t: 35_000, kind: 'detected', label: 'latency anomaly' },
  ],
  summary: [{ fault: 'payments slow', detect: '5 s', heal: '12 s', how: 'alone' }],
};

describe('renderReport', () => {
  it('escapes text and draws one svg per panel with paths, markers and the summary', () => {
    const html = renderReport(data);
    expect(html).toContain('Test report &#60;b&#62;');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(2);
    expect(html).toContain('data-series="p99"');
    expect(html).toContain('payments slow');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('NaN');
  });

  // In CI the browser is installed by .ci/run, so a missing one fails rather than skips.
  it.skipIf(!hasChromium() && !process.env.CI)(
    'renders its charts in a real browser (headless Chromium)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'homeostat-report-'));
      const file = join(dir, 'report.html');
      writeFileSync(file, renderReport(data));
      const check = await checkReportInBrowser(file);
      expect(check.charts).toBe(2);
      expect(check.drawn).toBe(2);
      expect(check.paths).toBe(3);
      expect(check.summaryRows).toBe(1);
    },
    60_000,
  );
});
