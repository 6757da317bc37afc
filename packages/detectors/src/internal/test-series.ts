/** Deterministic test series: a daily sine at 5-minute steps plus seeded noise. */
export function testSeries(n: number, seed = 7): { t: number[]; v: number[] } {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const t: number[] = [];
  const v: number[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    t.push(t0 + i * 300_000);
    v.push(50 + 10 * Math.sin((2 * Math.PI * i) / 288) + (rand() - 0.5) * 4);
  }
  return { t, v };
}
