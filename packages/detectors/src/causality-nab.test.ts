import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectorRegistry } from './index.js';

// The shared datasets sit beside the repository: <repo>/../shared/datasets.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const file = resolve(
  repoRoot,
  '../shared/datasets/nab/data/realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv',
);
const present = existsSync(file);

function load(): { t: number[]; v: number[] } {
  const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
  const t: number[] = [];
  const v: number[] = [];
  for (const row of rows) {
    const [ts, value] = row.split(',');
    t.push(Date.parse(`${ts!.replace(' ', 'T')}Z`));
    v.push(Number(value));
  }
  return { t, v };
}

describe('causality on a real NAB series', () => {
  it.skipIf(!present)(
    'changing the data after record k never changes any score up to k (every registered detector; skipped without ../shared/datasets/nab)',
    () => {
      const { t, v } = load();
      const n = Math.min(t.length, 2500);
      for (const [name, make] of Object.entries(detectorRegistry)) {
        for (const k of [700, 1800]) {
          const a = make();
          const b = make();
          const changed = v.map((x, i) => (i > k ? -x * 7 + 13 : x));
          for (let i = 0; i < n; i++) {
            const sa = a.update(v[i]!, t[i]!);
            const sb = b.update(changed[i]!, t[i]!);
            if (i <= k) expect(sb, `${name} at ${i} (k = ${k})`).toBe(sa);
          }
        }
      }
    },
  );
});
