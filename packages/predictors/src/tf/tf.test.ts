import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGruForecaster, initTf } from './index.js';
import { ForecastInputError } from '../model.js';

const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('@homeostat/predictors/tf', () => {
  let backend: string;
  beforeAll(async () => {
    backend = await initTf({ logger: { warn: () => undefined } });
  });

  it('starts the wasm backend from the installed package (no network)', () => {
    expect(backend).toBe('wasm');
  });

  it('learns a daily cycle and forecasts it in plain JS', () => {
    const x = Array.from({ length: 24 * 12 }, (_, t) => 50 + 20 * Math.sin((2 * Math.PI * t) / 24));
    const model = createGruForecaster({
      lookback: 24,
      horizon: 24,
      hidden: 8,
      epochs: 80,
      maxWindows: 128,
    });
    model.fit(x.slice(0, -24));
    const f = model.forecast(24);
    const mae = f.mean.reduce((s, v, i) => s + Math.abs(v - x[x.length - 24 + i]!), 0) / 24;
    // A flat forecast at the mean would be off by 12.7 on average.
    expect(mae).toBeLessThan(5);
    expect(f.mean.every((v, i) => f.lower[i]! <= v && v <= f.upper[i]!)).toBe(true);
    // Forecasts past one network horizon feed predictions back.
    expect(model.forecast(60).mean).toHaveLength(60);
  }, 60_000);

  it('falls back to seasonal naive on a short history and refuses bad input', () => {
    const model = createGruForecaster();
    model.fit([1, 2, 3, 4, 5]);
    expect(model.forecast(3).mean).toEqual([5, 5, 5]);
    expect(() => model.fit([1, Number.NaN])).toThrow(ForecastInputError);
    expect(() => createGruForecaster({ hidden: 0 })).toThrow(/hidden/);
  });

  it('the main entry never imports TensorFlow.js', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'tf') walk(path);
        } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
          if (/@tensorflow\//.test(readFileSync(path, 'utf8'))) offenders.push(path);
        }
      }
    };
    walk(srcDir);
    expect(offenders).toEqual([]);
  });

  const built = join(srcDir, '..', 'dist', 'index.js');
  it.skipIf(!existsSync(built))(
    'the built main entry never imports TensorFlow.js (needs a build)',
    () => {
      const files = [built, join(srcDir, '..', 'dist', 'index.cjs')];
      for (const line of readFileSync(built, 'utf8').matchAll(/from ["'](\.\/[^"']+)["']/g)) {
        files.push(join(srcDir, '..', 'dist', line[1]!));
      }
      for (const f of files) expect(readFileSync(f, 'utf8')).not.toMatch(/@tensorflow\//);
    },
  );
});
