/**
 * M4 Hourly benchmark: fits every model of `@homeostat/predictors` on each series, scores
 * sMAPE / MASE / OWA (and interval coverage), prints a table and writes
 * `benchmarks/results/m4.json`; writes the chosen model's forecasts as `id,F1,…,F48` CSV.
 *
 * Usage: `pnpm bench:m4 [--train FILE] [--test FILE] [--out F.csv] [--model NAME] [--models a,b]
 * [--series N] [--tf] [--smoke]`. Without `--test`, the last 48 points of each training series are
 * held out and scored.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MODEL, modelRegistry, type ModelFactory } from '@homeostat/predictors';
import {
  interactive,
  printTable,
  progress,
  sharedDataset,
  writeResults,
} from '@homeostat-bench/common';
import { readM4, writeForecasts, type Series } from './data.js';
import { runModel, type ModelRun } from './run.js';
import { M4_HORIZON, naive2Forecast } from './score.js';

const { values: args } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    out: { type: 'string' },
    model: { type: 'string', default: DEFAULT_MODEL },
    models: { type: 'string' },
    series: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    tf: { type: 'boolean', default: false },
  },
  strict: true,
});

const smoke = args.smoke ?? false;
const trainFile = args.train ?? join(sharedDataset('m4-hourly'), 'Hourly-train.csv');
if (!existsSync(trainFile)) {
  console.error(`m4: training file not found: ${trainFile}`);
  process.exit(smoke ? 0 : 1);
}
// `--tf` adds the GRU forecaster of `@homeostat/predictors/tf` (slow: use with `--series N`).
const registry: Record<string, ModelFactory> = { ...modelRegistry };
let tfBackend: string | null = null;
if (args.tf) {
  const tf = await import('@homeostat/predictors/tf');
  tfBackend = await tf.initTf();
  registry['gru'] = () => tf.createGruForecaster();
}
const model = args.model ?? DEFAULT_MODEL;
if (!(model in registry)) {
  console.error(`m4: unknown --model ${model}; known: ${Object.keys(registry).join(', ')}`);
  process.exit(1);
}
const names = args.models ? args.models.split(',') : Object.keys(registry);
for (const n of names) {
  if (!(n in registry)) {
    console.error(`m4: unknown model in --models: ${n}`);
    process.exit(1);
  }
}
if (!names.includes(model)) names.unshift(model);

let train = readM4(trainFile);
const limit = smoke ? 6 : args.series ? Number(args.series) : train.length;
if (!Number.isInteger(limit) || limit < 1) {
  console.error(`m4: --series must be a positive integer`);
  process.exit(1);
}
train = train.slice(0, limit);

let series: { id: string; insample: number[]; actual: number[] | undefined }[];
const mode = args.test ? 'test' : 'holdout';
if (args.test) {
  const test = new Map(readM4(args.test).map((s: Series) => [s.id, s.values]));
  series = train.map((s) => ({
    id: s.id,
    insample: s.values,
    actual: test.get(s.id)?.slice(0, M4_HORIZON),
  }));
  const missing = series.filter((s) => s.actual?.length !== M4_HORIZON).map((s) => s.id);
  if (missing.length > 0) {
    console.error(
      `m4: ${args.test} lacks 48 values for ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? '…' : ''}`,
    );
    process.exit(1);
  }
} else {
  series = train.map((s) => ({
    id: s.id,
    insample: s.values.slice(0, -M4_HORIZON),
    actual: s.values.slice(-M4_HORIZON),
  }));
}

const naive2 = series.map((s) => naive2Forecast(s.insample));
const runs: ModelRun[] = [];
for (const name of names) {
  const bar = progress(name, series.length);
  runs.push(
    runModel({ name, factory: registry[name]! }, series, {
      naive2,
      onSeries: () => bar.tick(),
    }),
  );
  bar.done();
}

const rows = runs.map((r) => ({
  model: r.name + (r.name === model ? ' *' : ''),
  sMAPE: r.scores?.smape,
  MASE: r.scores?.mase,
  OWA: r.scores?.owa,
  coverage95: r.coverage,
  'wall s': r.seconds,
  'cpu s': r.cpuSeconds,
  'cpu ms/series': (1000 * r.cpuSeconds) / series.length,
  errors: r.failures,
}));
printTable(`M4 Hourly (${mode}, ${series.length} series, 48 steps; * = --model)`, rows);

const chosen = runs.find((r) => r.name === model)!;
if (args.out) {
  writeForecasts(
    args.out,
    series.map((s, i) => ({ id: s.id, mean: chosen.forecasts[i]! })),
    M4_HORIZON,
  );
  if (interactive || !smoke) console.log(`forecasts of ${model} written to ${args.out}`);
}
// A subset or a TensorFlow.js run must not overwrite the full run's results.
const resultName = args.tf ? 'm4-tf' : args.series && !smoke ? 'm4-subset' : 'm4';
const file = writeResults(
  resultName,
  {
    mode,
    train: trainFile,
    test: args.test ?? null,
    series: series.length,
    horizon: M4_HORIZON,
    defaultModel: model,
    tfBackend,
    models: runs.map((r) => ({
      name: r.name,
      smape: r.scores?.smape ?? null,
      mase: r.scores?.mase ?? null,
      owa: r.scores?.owa ?? null,
      coverage95: r.coverage,
      seconds: r.seconds,
      cpuSeconds: r.cpuSeconds,
      cpuSecondsPerSeries: r.cpuSeconds / series.length,
      failures: r.failures,
      selected: r.selected,
    })),
  },
  { smoke },
);
console.log(`results: ${file}`);
