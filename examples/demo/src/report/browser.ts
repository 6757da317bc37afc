import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when a Chromium binary is available for browser checks. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Launches the system Chromium headless, with the flags a closed network needs (no background
 * networking, no component updates), for checking the pages we ship.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const MEASURE_CHARTS = `(() => {
  const charts = [...document.querySelectorAll('svg.chart')];
  let drawn = 0;
  let paths = 0;
  for (const svg of charts) {
    const visible = [...svg.querySelectorAll('path.series')].filter((p) => {
      const box = p.getBBox();
      return box.width > 0 && (box.height > 0 || p.classList.contains('line'));
    });
    paths += visible.length;
    if (visible.length > 0) drawn++;
  }
  return {
    charts: charts.length,
    drawn,
    paths,
    title: document.title,
    summaryRows: document.querySelectorAll('table tbody tr').length,
  };
})()`;

/** What a rendered report looks like to a browser. */
export interface ChartCheck {
  charts: number;
  /** Charts with at least one drawn series of non-zero size. */
  drawn: number;
  /** Total drawn series paths. */
  paths: number;
  title: string;
  summaryRows: number;
}

/**
 * Opens a report file in Chromium and measures what actually rendered: how many charts there are
 * and how many have visible series (non-empty bounding boxes).
 */
export async function checkReportInBrowser(file: string, screenshot?: string): Promise<ChartCheck> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`file://${file}`);
    // Runs in the page; kept as a string because this package is type-checked without DOM types.
    const result = await page.evaluate<ChartCheck>(MEASURE_CHARTS);
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    return result;
  } finally {
    await browser.close();
  }
}
