/**
 * keyed benchmark: per-series state over 10,000 series through core's `keyed`, against RxJS's
 * own `groupBy` + `scan` doing the same work, measured in the same run.
 *
 *   pnpm bench:keyed            full run (4M samples per round, 5 rounds each, interleaved)
 *   pnpm bench:keyed --smoke    small input, one round (what CI runs)
 */
import { parseArgs } from 'node:util';
import { Subject, groupBy, map, mergeMap, scan, type OperatorFunction } from 'rxjs';
import { keyed, createKeyedStats, type Sample } from '@homeostat/core';
import { median, printTable, progress, writeResults } from '@homeostat-bench/common';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    series: { type: 'string', default: '10000' },
    samples: { type: 'string' },
    rounds: { type: 'string' },
  },
});
const smoke = args.smoke ?? false;
const seriesCount = Number(args.series);
const sampleCount = Number(args.samples ?? (smoke ? 200_000 : 4_000_000));
const rounds = Number(args.rounds ?? (smoke ? 1 : 5));

// Pre-built input: series visited in a shuffled order per sweep, times increasing.
function makeSamples(): Sample[] {
  const names = Array.from({ length: seriesCount }, (_, i) => `svc-${i % 97}:route-${i}:latency`);
  const out: Sample[] = new Array<Sample>(sampleCount);
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  for (let i = 0; i < sampleCount; i++) {
    const k = Math.floor(rnd() * seriesCount);
    out[i] = { series: names[k]!, t: i, value: 100 + 10 * rnd() };
  }
  return out;
}

interface Ewma {
  mean: number;
  n: number;
}

/** The per-series work both contenders do: an exponentially weighted mean. */
function step(s: Ewma, value: number): number {
  s.n++;
  s.mean += (value - s.mean) * (s.n < 20 ? 1 / s.n : 0.05);
  return s.mean;
}

const viaKeyed = (): OperatorFunction<Sample, number> =>
  keyed<Sample, Ewma, number>(
    { maxKeys: seriesCount },
    { create: () => ({ mean: 0, n: 0 }), update: (s, x) => step(s, x.value) },
    { stats: createKeyedStats() },
  );

const viaGroupBy = (): OperatorFunction<Sample, number> => (source) =>
  source.pipe(
    groupBy((s) => s.series),
    mergeMap((group) =>
      group.pipe(
        scan(
          (acc: { s: Ewma; out: number }, x: Sample) => {
            acc.out = step(acc.s, x.value);
            return acc;
          },
          { s: { mean: 0, n: 0 }, out: 0 },
        ),
      ),
    ),
    map((acc) => acc.out),
  );

/** The floor: RxJS's own per-event cost with no state at all. */
const viaMap = (): OperatorFunction<Sample, number> => map((x) => x.value);

function run(samples: readonly Sample[], make: () => OperatorFunction<Sample, number>): number {
  const input = new Subject<Sample>();
  let count = 0;
  let sink = 0;
  input.pipe(make()).subscribe((v) => {
    count++;
    sink += typeof v === 'number' ? v : 0;
  });
  const start = process.hrtime.bigint();
  for (let i = 0; i < samples.length; i++) input.next(samples[i]!);
  input.complete();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (count !== samples.length || Number.isNaN(sink))
    throw new Error(`lost output: ${count}/${samples.length}`);
  return samples.length / seconds;
}

const samples = makeSamples();
// Warm up both paths so the JIT has compiled them before timing.
run(samples.slice(0, 100_000), viaKeyed);
run(samples.slice(0, 100_000), viaGroupBy);

const keyedRates: number[] = [];
const groupByRates: number[] = [];
const mapRates: number[] = [];
const bar = progress('keyed benchmark', rounds * 3);
for (let r = 0; r < rounds; r++) {
  // Interleave so background load on a shared machine hits both alike.
  keyedRates.push(run(samples, viaKeyed));
  bar.tick();
  groupByRates.push(run(samples, viaGroupBy));
  bar.tick();
  mapRates.push(run(samples, viaMap));
  bar.tick();
}
bar.done();

const keyedMedian = median(keyedRates);
const groupByMedian = median(groupByRates);
const rows = [
  { contender: 'keyed (@homeostat/core)', 'samples/s (median)': Math.round(keyedMedian), rounds },
  {
    contender: 'groupBy + mergeMap(scan)',
    'samples/s (median)': Math.round(groupByMedian),
    rounds,
  },
  {
    contender: 'map, no state (floor)',
    'samples/s (median)': Math.round(median(mapRates)),
    rounds,
  },
];
printTable(
  `keyed over ${seriesCount.toLocaleString('en-US')} series, ${sampleCount.toLocaleString('en-US')} samples per round`,
  rows,
);
const ratio = keyedMedian / groupByMedian;
const target = 5_000_000;
console.log(`\nratio keyed / groupBy: ${ratio.toFixed(2)}x`);
console.log(
  `target ≥ ${target.toLocaleString('en-US')} samples/s through keyed: ${keyedMedian >= target ? 'met' : 'MISSED'} (${Math.round(keyedMedian).toLocaleString('en-US')})`,
);
const file = writeResults(
  'keyed',
  {
    series: seriesCount,
    samplesPerRound: sampleCount,
    rounds,
    keyed: { samplesPerSecond: keyedRates, median: keyedMedian },
    groupByScan: { samplesPerSecond: groupByRates, median: groupByMedian },
    mapFloor: { samplesPerSecond: mapRates, median: median(mapRates) },
    ratio,
    target: { samplesPerSecond: target, met: keyedMedian >= target },
  },
  { smoke },
);
console.log(`wrote ${file}`);
