/**
 * The example's script: runs the simulation predictively and reactively, prints the last day as
 * a compact table and the comparison.
 */
import { simulate, summarise, type Step, type Summary } from './simulation.js';

/** Options of {@link run}. */
export interface RunOptions {
  readonly log?: (line: string) => void;
  /** Simulated days (default 4; the last one is shown and compared). */
  readonly days?: number;
}

/** What {@link run} simulated. */
export interface RunResult {
  readonly predictive: readonly Step[];
  readonly reactive: readonly Step[];
  /** Totals over the last day. */
  readonly summary: { readonly predictive: Summary; readonly reactive: Summary };
}

const DAY = 24 * 60;
/** Times of the last day shown in the table (HH:MM). */
const SHOWN = [
  '04:00',
  '08:00',
  '08:36',
  '08:40',
  '08:44',
  '08:48',
  '08:52',
  '08:56',
  '09:00',
  '09:10',
  '12:30',
  '13:55',
  '14:00',
  '14:03',
  '14:06',
  '14:09',
  '14:12',
  '14:20',
  '14:45',
  '15:05',
  '15:10',
  '15:15',
  '15:30',
  '16:00',
  '18:00',
  '19:00',
  '20:00',
  '23:00',
];

const hhmm = (t: number): string => new Date(t).toISOString().slice(11, 16);

/** Runs both simulations, prints the table and the comparison, returns everything. */
export function run(options: RunOptions = {}): RunResult {
  const log = options.log ?? ((line: string) => console.log(line));
  const days = options.days ?? 4;
  log(
    `Simulated cluster: 100 req/s per replica, target 75 req/s per replica, new replicas ready after 4 min, ${days} days of traffic (one step per minute, event time).`,
  );
  log(
    'Predictive: MSTL forecasts (daily profile) 5 and 10 min ahead → recommendScaling; reactive: the same HPA rules on the present metric only.\n',
  );
  const predictive = simulate({ predictive: true, days });
  const reactive = simulate({ predictive: false, days });

  const lastDay = (steps: readonly Step[]): readonly Step[] => steps.slice((days - 1) * DAY);
  const p = lastDay(predictive);
  const r = lastDay(reactive);
  log(`Last day (day ${days}), with a surge at 14:00 that no history predicts:`);
  const head = (mode: string): string =>
    `${`${mode} replicas`.padStart(19)} ${'(ready)'.padStart(7)} ${'util'.padStart(5)}      `;
  log(`time   demand  fcst+10m |${head('predictive')}|${head('reactive')}`.trimEnd());
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = r[i]!;
    const time = hhmm(a.t);
    if (!SHOWN.includes(time)) continue;
    const cell = (s: Step): string =>
      `${String(s.replicas).padStart(19)} ${`(${s.ready})`.padStart(7)} ${(s.utilisation * 100).toFixed(0).padStart(4)}%${s.dropped > 0 ? ' OVER ' : '      '}`;
    log(
      `${time}  ${a.demand.toFixed(0).padStart(6)}  ${(a.forecast ?? Number.NaN).toFixed(0).padStart(8)} |${cell(a)}|${cell(b)}`.trimEnd(),
    );
  }

  const summary = { predictive: summarise(p), reactive: summarise(r) };
  log(`\nLast day totals        predictive   reactive`);
  const row = (label: string, f: (s: Summary) => string): void =>
    log(
      `${label.padEnd(22)} ${f(summary.predictive).padStart(10)} ${f(summary.reactive).padStart(10)}`,
    );
  row('minutes over capacity', (s) => String(s.minutesOverCapacity));
  row('requests dropped', (s) => String(s.droppedRequests));
  row('replica-hours', (s) => s.replicaHours.toFixed(1));
  row('mean utilisation', (s) => `${(s.meanUtilisation * 100).toFixed(1)}%`);
  row('peak replicas', (s) => String(s.peakReplicas));

  const over = (steps: readonly Step[]): string[] =>
    steps.filter((s) => s.dropped > 0).map((s) => hhmm(s.t));
  log(`\nover capacity, predictive: ${over(p).join(' ') || 'never'}`);
  log(`over capacity, reactive:   ${over(r).join(' ') || 'never'}`);
  return { predictive, reactive, summary };
}
