import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { interactive, printTable, progress, writeResults } from '@homeostat-bench/common';
import { combine, marginalStepUs, measure, type AuditKind, type Measurement } from './measure.js';

const { values } = parseArgs({ options: { smoke: { type: 'boolean', default: false } } });
const smoke = values.smoke ?? false;

const audits: AuditKind[] = ['memory', 'file-nofsync', 'file-fsync'];
// File audit with fsync is disk-bound: fewer runs keep the full run to about a minute.
const runsFor = (audit: AuditKind, sequential: boolean): number => {
  if (smoke) return audit === 'file-fsync' ? 20 : 200;
  if (audit === 'file-fsync') return sequential ? 100 : 300;
  return sequential ? 1000 : 5000;
};
const repeats = smoke ? 1 : 5;

const plan: { audit: AuditKind; steps: number; concurrency: number }[] = [];
for (const audit of audits) {
  plan.push(
    { audit, steps: 1, concurrency: 1 },
    { audit, steps: 10, concurrency: 1 },
    { audit, steps: 1, concurrency: 16 },
  );
}

// Repeats are interleaved (every configuration once per round) so that all configurations see
// the same background load on a shared machine; each figure is the median over rounds.
const bar = progress('runbooks benchmark', plan.length * repeats);
const rounds: Measurement[][] = plan.map(() => []);
for (let round = 0; round < repeats; round++) {
  for (const [i, p] of plan.entries()) {
    const m = await measure({
      ...p,
      runs: runsFor(p.audit, p.concurrency === 1),
      repeats: 1,
      warmup: round === 0,
    });
    rounds[i]!.push(m);
    bar.tick();
  }
}
bar.done();
const results: Measurement[] = rounds.map((parts) => combine(parts));

const find = (audit: AuditKind, steps: number, concurrency: number): Measurement =>
  results.find((r) => r.audit === audit && r.steps === steps && r.concurrency === concurrency)!;

const overhead = audits.map((audit) => ({
  audit,
  'µs/run (1 step)': find(audit, 1, 1).usPerRun,
  'µs/run (10 steps)': find(audit, 10, 1).usPerRun,
  'µs per extra step': marginalStepUs(find(audit, 1, 1), find(audit, 10, 1)),
  'µs per audit record (10 steps)': find(audit, 10, 1).usPerRun / find(audit, 10, 1).recordsPerRun,
  'audit records/run (1 step)': find(audit, 1, 1).recordsPerRun,
}));
const throughput = audits.map((audit) => ({
  audit,
  'runs/s sequential': find(audit, 1, 1).runsPerSec,
  'runs/s concurrency 16': find(audit, 1, 16).runsPerSec,
  runs: find(audit, 1, 16).runs,
  'all succeeded':
    find(audit, 1, 16).allSucceeded &&
    find(audit, 1, 1).allSucceeded &&
    find(audit, 10, 1).allSucceeded,
}));

printTable(
  'Executor overhead per step (no-op actions, sequential runs, median of repeats)',
  overhead,
);
printTable('Runs per second (1-step no-op runbook over 100 targets)', throughput);
// The machine is shared: record how busy it was, since every figure scales with it.
const load = loadavg().map((x) => Math.round(x * 100) / 100);
console.log(`\nload average during the run (1/5/15 min): ${load.join(' / ')}`);
const file = writeResults(
  'runbooks',
  { smoke, repeats, loadAverage: load, overhead, throughput, raw: results, rounds },
  { smoke },
);
if (interactive || !process.env.CI) console.log(`\nwrote ${file}`);
if (results.some((r) => !r.allSucceeded)) {
  console.error('some runs did not succeed or an audit chain did not verify');
  process.exitCode = 1;
}
