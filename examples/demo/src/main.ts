/**
 * `pnpm demo`: a day of metrics from a small fleet, with injected faults and malformed samples,
 * replayed in event time through @homeostat/core's `validateSamples` and `keyed`.
 *
 * It needs nothing but this repository: the data is generated here, deterministically.
 *   pnpm demo          replay and print what was seen
 *   pnpm demo --ci     the same, quiet, exits non-zero if a fault was missed or a count is off
 */
import { parseArgs } from 'node:util';
import { Subject } from 'rxjs';
import {
  createKeyedStats,
  createSampleCounters,
  keyed,
  validateSamples,
  type Sample,
} from '@homeostat/core';
import { generateFleet, type InjectedFault } from './scenario.js';
import { createShiftDetector, type ShiftAlarm, type ShiftState } from './shift-detector.js';

const { values: args } = parseArgs({ options: { ci: { type: 'boolean', default: false } } });
const ci = args.ci ?? false;
const live = Boolean(process.stdout.isTTY) && !ci && !process.env.CI;

const scenario = generateFleet({ seed: 7 });
const counters = createSampleCounters();
const stats = createKeyedStats();
const alarms: ShiftAlarm[] = [];

const input = new Subject<unknown>();
input
  .pipe(
    validateSamples({ policy: 'drop' }, { counters }),
    keyed<Sample, ShiftState, ShiftAlarm>(
      { maxKeys: 1_000, idleTtlMs: 6 * 3_600_000 },
      createShiftDetector({ threshold: 6, warmup: 60, rearmAfter: 10, relearnAfter: 120 }),
      { stats },
    ),
  )
  .subscribe((alarm) => {
    alarms.push(alarm);
    if (!ci)
      console.log(`  ${clock(alarm.t)}  ALARM  ${alarm.series.padEnd(34)} z=${alarm.z.toFixed(1)}`);
  });

const start = scenario.events.length ? scenario.start : 0;
if (!ci) {
  console.log(`Homeostat demo: one day of ${scenario.seriesCount} series at one sample per minute`);
  console.log(
    `(${scenario.events.length.toLocaleString('en-US')} events, ${scenario.malformed} of them malformed, ${scenario.faults.length} injected faults)\n`,
  );
}
let lastHour = -1;
for (const event of scenario.events) {
  const t = (event as { t?: unknown }).t;
  if (live && typeof t === 'number' && Number.isFinite(t)) {
    const hour = Math.floor((t - start) / 3_600_000);
    if (hour !== lastHour) {
      lastHour = hour;
      process.stdout.write(`\r  replaying ${String(hour).padStart(2, '0')}:00 …`);
      if (hour === 23) process.stdout.write('\n');
    }
  }
  input.next(event);
}
input.complete();

// Match alarms to injected faults: the first alarm on the fault's series within its window.
type Row = Record<string, string> & {
  fault: string;
  series: string;
  injectedAt: string;
  detectedAt: string;
  'time to detect': string;
};
const rows: Row[] = [];
let missed = 0;
const matched = new Set<(typeof alarms)[number]>();
for (const f of scenario.faults) {
  const hit = alarms.find((a) => a.series === f.series && a.t >= f.start && a.t <= f.end);
  if (hit) {
    for (const a of alarms)
      if (a.series === f.series && a.t >= f.start && a.t <= f.end) matched.add(a);
  } else missed++;
  rows.push({
    fault: f.kind,
    series: f.series,
    injectedAt: clock(f.start),
    detectedAt: hit ? clock(hit.t) : 'missed',
    'time to detect': hit ? `${Math.round((hit.t - f.start) / 60_000)} min` : '-',
  });
}
const falseAlarms = alarms.filter((a) => !matched.has(a)).length;

console.log('\nInjected faults');
printRows(rows);
console.log('\nMalformed samples (dropped and counted by validateSamples)');
printRows(
  Object.entries(counters.byIssue)
    .filter(([, n]) => n > 0)
    .map(([issue, n]) => ({
      issue,
      dropped: String(n),
      injected: String(scenario.malformedByIssue[issue] ?? 0),
    })),
);
console.log(
  `\naccepted ${counters.accepted.toLocaleString('en-US')} samples, dropped ${counters.dropped}; ` +
    `${stats.created} series tracked by keyed, ${stats.evictedIdle} evicted idle, ${stats.evictedLru} evicted LRU`,
);
console.log(
  `alarms: ${alarms.length} (${alarms.length - falseAlarms} on injected faults, ${falseAlarms} with no fault injected)`,
);

const dropMismatch = Object.entries(scenario.malformedByIssue).some(
  ([issue, n]) => counters.byIssue[issue as keyof typeof counters.byIssue] !== n,
);
const failures: string[] = [];
if (missed > 0) failures.push(`${missed} injected fault(s) not detected`);
if (dropMismatch) failures.push('dropped-sample counts differ from what was injected');
if (falseAlarms > 2) failures.push(`${falseAlarms} false alarms (at most 2 expected)`);
if (failures.length > 0) {
  console.error(`\nDEMO FAILED: ${failures.join('; ')}`);
  process.exitCode = 1;
} else {
  console.log('\nEvery injected fault was detected and every malformed sample was accounted for.');
}

function clock(t: number): string {
  const m = Math.round((t - scenario.start) / 60_000);
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

function printRows(list: readonly Record<string, string>[]): void {
  if (list.length === 0) return void console.log('  (none)');
  const cols = Object.keys(list[0]!);
  const w = cols.map((c) => Math.max(c.length, ...list.map((r) => (r[c] ?? '').length)));
  console.log('  ' + cols.map((c, i) => c.padEnd(w[i]!)).join('  '));
  for (const r of list)
    console.log('  ' + cols.map((c, i) => (r[c] ?? '').padEnd(w[i]!)).join('  '));
}

export type { InjectedFault };
