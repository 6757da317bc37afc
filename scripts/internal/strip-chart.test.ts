import { describe, expect, it } from 'vitest';
import { stripChartSvg } from './strip-chart.js';

const options = {
  title: 'req/s vs bare',
  xLabel: 'ratio',
  domain: [0.8, 1.2] as const,
  tick: 0.1,
  references: [
    { value: 0.95, label: 'target', emphasis: true },
    { value: 1, label: 'bare' },
    { value: 1.5, label: 'off the chart' },
  ],
};

describe('stripChartSvg', () => {
  it('draws one dot per finite value, open at the edge when outside the domain', () => {
    const svg = stripChartSvg([{ label: 'a', values: [0.9, 1.0, 0.5, Number.NaN, 1.3] }], options);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg.match(/fill="none" stroke="#2c7fb8"/g)).toHaveLength(2); // 0.5 and 1.3
    // 0.8 maps to the left edge of the plot (x = 270), 1.2 to the right (760 − 20).
    expect(svg).toContain('cx="270"');
    expect(svg).toContain('cx="740"');
  });

  it('draws the mean as a tick, the interval as a bar, and in-domain reference lines', () => {
    const svg = stripChartSvg(
      [{ label: 'a', values: [1], mean: 1, interval: [0.9, 1.1] }],
      options,
    );
    // The interval 0.9–1.1 spans from x = 387.5 to x = 622.5.
    expect(svg).toMatch(/<line x1="387.5" y1="[\d.]+" x2="622.5"/);
    expect(svg).toMatch(
      /<line x1="505" y1="[\d.]+" x2="505" y2="[\d.]+" stroke="#111" stroke-width="2.5"/,
    );
    expect(svg).toContain('>target</text>');
    expect(svg).toContain('>bare</text>');
    expect(svg).not.toContain('off the chart');
    // Ticks at 0.80, 0.90, …, 1.20.
    expect(svg.match(/>\d\.\d\d<\/text>/g)).toEqual(
      ['0.80', '0.90', '1.00', '1.10', '1.20'].map((t) => `>${t}</text>`),
    );
  });

  it('escapes text and is deterministic', () => {
    const rows = [{ label: 'Fastify <plugin> & "hook"', values: [0.97] }];
    const svg = stripChartSvg(rows, options);
    expect(svg).toContain('Fastify &lt;plugin&gt; &amp; &quot;hook&quot;');
    expect(stripChartSvg(rows, options)).toBe(svg);
  });

  it('rejects a bad domain, tick or label with a message naming it', () => {
    expect(() => stripChartSvg([], { ...options, domain: [1, 1] })).toThrow(/domain/);
    expect(() => stripChartSvg([], { ...options, tick: 0 })).toThrow(/tick/);
    expect(() => stripChartSvg([{ label: '', values: [] }], options)).toThrow(/row 0 has no label/);
  });
});
