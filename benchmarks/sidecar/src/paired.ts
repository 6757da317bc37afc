/**
 * Overhead measured within one server process: the process hosts the variant and a bare server
 * of the same framework on two ports, and the load alternates between them in short segments.
 * Whatever makes one process faster or slower than the next (JIT decisions, memory layout, what
 * shares the physical core at the time) then applies to both sides of every comparison.
 */
import { median } from '@homeostat-bench/common';
import { drive, startServer } from './load.js';
import { geometricMeanInterval } from './stats.js';
import type { ServerConfig } from './server.js';

/** How a paired measurement is run. */
export interface PairedShape {
  /** Fresh server processes, one after another. */
  readonly processes: number;
  /** Segment pairs per process (one on each server; the order alternates pair by pair). */
  readonly pairs: number;
  /** Seconds of closed-loop load per segment (whole seconds: see `drive`). */
  readonly segmentS: number;
  /** Seconds of load on each server before the first segment. */
  readonly warmupS: number;
  readonly connections: number;
}

/** One segment pair: the variant and the bare server, back to back in one process. */
export interface PairedSegment {
  readonly process: number;
  readonly pair: number;
  readonly variantRps: number;
  readonly bareRps: number;
  readonly variantP99: number;
  readonly bareP99: number;
  /** Server process CPU time per request during each segment, µs. */
  readonly variantCpuMicros: number;
  readonly bareCpuMicros: number;
}

/** Per-process medians and the overall figures of a paired measurement. */
export interface PairedResult {
  readonly segments: PairedSegment[];
  /** Median over processes of each process's median paired ratio (variant ÷ bare req/s). */
  readonly rpsRatio: number;
  /** The same for CPU per request, as a throughput ratio (bare CPU/req ÷ variant CPU/req). */
  readonly cpuRatio: number;
  /** Median over all pairs of variant p99 − bare p99, ms. */
  readonly p99DeltaMs: number;
  /** Each process's median req/s ratio, in order. */
  readonly perProcessRpsRatio: number[];
  /**
   * Geometric mean of all segment pairs' req/s ratios and its 95 % interval (Student's t over
   * the log ratios, treating pairs as independent); NaN with fewer than two pairs. The interval
   * says how far the method's noise alone could move the figure.
   */
  readonly rpsRatioMean: number;
  readonly rpsRatioInterval: readonly [number, number];
}

/**
 * Runs `config` (with a bare server beside it) in `shape.processes` fresh processes and
 * alternates closed-loop load between the two servers.
 */
export async function measurePaired(
  config: ServerConfig,
  shape: PairedShape,
  onProgress: (msg: string) => void = () => {},
): Promise<PairedResult> {
  const segments: PairedSegment[] = [];
  for (let p = 0; p < shape.processes; p++) {
    const server = await startServer({ ...config, withBaseline: true });
    const bareUrl = server.baselineUrl;
    if (bareUrl === undefined) throw new Error('the server did not start a baseline');
    try {
      const segment = async (
        url: string,
        key: 'served' | 'baselineServed',
      ): Promise<{ rps: number; p99: number; cpu: number }> => {
        const before = await server.stats();
        const r = await drive(url, { durationS: shape.segmentS, connections: shape.connections });
        const after = await server.stats();
        const requests = Number(after[key]) - Number(before[key]);
        const cpu = (Number(after.cpuMicros) - Number(before.cpuMicros)) / Math.max(1, requests);
        return { rps: r.rps, p99: r.p99, cpu };
      };
      if (shape.warmupS > 0) {
        await drive(server.url, { durationS: shape.warmupS, connections: shape.connections });
        await drive(bareUrl, { durationS: shape.warmupS, connections: shape.connections });
      }
      for (let i = 0; i < shape.pairs; i++) {
        onProgress(`process ${p + 1}/${shape.processes}, pair ${i + 1}/${shape.pairs}`);
        // Alternate which server goes first, so neither always follows the other.
        let v;
        let b;
        if (i % 2 === 0) {
          v = await segment(server.url, 'served');
          b = await segment(bareUrl, 'baselineServed');
        } else {
          b = await segment(bareUrl, 'baselineServed');
          v = await segment(server.url, 'served');
        }
        segments.push({
          process: p,
          pair: i,
          variantRps: v.rps,
          bareRps: b.rps,
          variantP99: v.p99,
          bareP99: b.p99,
          variantCpuMicros: v.cpu,
          bareCpuMicros: b.cpu,
        });
      }
    } finally {
      await server.stop();
    }
  }
  const perProcess = (f: (s: PairedSegment) => number): number[] =>
    Array.from({ length: shape.processes }, (_, p) =>
      median(segments.filter((s) => s.process === p).map(f)),
    );
  const perProcessRpsRatio = perProcess((s) => s.variantRps / s.bareRps);
  const { mean, interval } = geometricMeanInterval(segments.map((s) => s.variantRps / s.bareRps));
  return {
    rpsRatioMean: mean,
    rpsRatioInterval: interval,
    segments,
    rpsRatio: median(perProcessRpsRatio),
    cpuRatio: median(perProcess((s) => s.bareCpuMicros / s.variantCpuMicros)),
    p99DeltaMs: median(segments.map((s) => s.variantP99 - s.bareP99)),
    perProcessRpsRatio,
  };
}
