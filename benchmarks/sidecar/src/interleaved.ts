/**
 * Overhead measured within one server process with the load switched between the variant and
 * a bare server many times a second, over persistent connections (`keep-alive-load.ts`).
 *
 * The same-process measurement in `paired.ts` alternates 2 s autocannon runs; on a shared
 * machine, throughput swings by a third from one second to the next, so each pair's ratio
 * carries that noise. Here a slice lasts `sliceMs` (tens of milliseconds), slices alternate
 * variant, bare, bare, variant, … so a steady drift cancels within each pair of pairs, and a
 * process yields hundreds of pairs. Each side's rate counts only the 2xx answers that arrived
 * during its own slice; the other side's answers still in flight when a slice starts (at most
 * one per connection) are counted for neither.
 */
import { median } from '@homeostat-bench/common';
import { KeepAliveLoad } from './keep-alive-load.js';
import { startServer, type RunningServer } from './load.js';
import { geometricMeanInterval, sliceRatio } from './stats.js';
import type { ServerConfig } from './server.js';

/** How an interleaved measurement is run. */
export interface InterleavedShape {
  /** Fresh server processes, one after another. */
  readonly processes: number;
  /** Slice pairs per process (one slice on each server). */
  readonly pairs: number;
  /** Milliseconds of load per slice. */
  readonly sliceMs: number;
  /** Seconds of alternating load before the measured slices (half a second on each side). */
  readonly warmupS: number;
  /** Persistent connections to each server. */
  readonly connections: number;
  /**
   * Where the bare server runs: in the variant's process (`same-process`, the default), or in
   * a fresh process of its own beside it (`own-process`), on the same core where servers are
   * pinned. Two servers in one process share the JIT's code and caches (an Express app with a
   * middleware and one without run the same router functions), so each can slow the other;
   * in processes of their own they cannot, and the load still switches between them every
   * slice.
   */
  readonly bare?: 'same-process' | 'own-process';
}

/** One process's figures. */
export interface InterleavedProcess {
  /**
   * Geometric mean of the process's pair ratios (variant ÷ bare req/s) and its 95 % interval;
   * 0 when the variant answered no 2xx at all while the bare server did.
   */
  readonly rpsRatio: number;
  readonly rpsRatioInterval: readonly [number, number];
  /** Median req/s of the variant's and of the bare server's slices. */
  readonly variantRps: number;
  readonly bareRps: number;
  /** Pairs in which one side had no 2xx answer (left out of the ratio). */
  readonly emptyPairs: number;
  /** Answers outside 2xx, on either server (the handlers answer 200; a variant may shed). */
  readonly non2xx: number;
}

/** Result of {@link measureInterleaved}. */
export interface InterleavedResult {
  readonly processes: InterleavedProcess[];
  /** Median over processes of each one's geometric-mean ratio. */
  readonly rpsRatio: number;
  /**
   * Geometric mean over processes of their ratios, with a 95 % interval from the spread between
   * processes (which is wider than any one process's own interval: a process's JIT and memory
   * layout shift its figure as a whole). NaN with one process.
   */
  readonly rpsRatioMean: number;
  readonly rpsRatioInterval: readonly [number, number];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `load` for `ms` and returns its rate of 2xx answers over that slice, per second: a
 * variant that sheds (answers 503) is not credited for the requests it refused.
 */
async function slice(load: KeepAliveLoad, ms: number): Promise<number> {
  const before = load.ok;
  const t0 = performance.now();
  load.start();
  await sleep(ms);
  const n = load.ok - before;
  const elapsed = performance.now() - t0;
  load.stop();
  return (n * 1000) / elapsed;
}

/**
 * Runs `config` with a bare server beside it (in its process, or in one of its own: see
 * `shape.bare`), `shape.processes` times in fresh processes, and alternates closed-loop load
 * between the two servers slice by slice.
 */
export async function measureInterleaved(
  config: ServerConfig,
  shape: InterleavedShape,
  onProgress: (msg: string) => void = () => {},
): Promise<InterleavedResult> {
  if (!(shape.processes >= 1 && shape.pairs >= 1 && shape.sliceMs > 0 && shape.connections >= 1)) {
    throw new RangeError(`measureInterleaved: bad shape ${JSON.stringify(shape)}`);
  }
  const ownProcess = shape.bare === 'own-process';
  const processes: InterleavedProcess[] = [];
  for (let p = 0; p < shape.processes; p++) {
    const servers: RunningServer[] = [];
    const loads: KeepAliveLoad[] = [];
    try {
      const server = await startServer(ownProcess ? config : { ...config, withBaseline: true });
      servers.push(server);
      let bareUrl = server.baselineUrl;
      if (ownProcess) {
        const bareServer = await startServer({
          framework: config.framework,
          variant: 'bare',
          workMs: config.workMs,
        });
        servers.push(bareServer);
        bareUrl = bareServer.url;
      }
      if (bareUrl === undefined) throw new Error('the server did not start a baseline');
      const variant = await KeepAliveLoad.open(server.url, shape.connections);
      loads.push(variant);
      const bare = await KeepAliveLoad.open(bareUrl, shape.connections);
      loads.push(bare);
      for (let s = 0; s < shape.warmupS; s++) {
        onProgress(`process ${p + 1}/${shape.processes}, warm-up ${s + 1}/${shape.warmupS} s`);
        await slice(variant, 500);
        await slice(bare, 500);
      }
      const variantRps: number[] = [];
      const bareRps: number[] = [];
      const every = Math.max(1, Math.round(1000 / shape.sliceMs));
      for (let i = 0; i < shape.pairs; i++) {
        if (i % every === 0) {
          onProgress(`process ${p + 1}/${shape.processes}, pair ${i + 1}/${shape.pairs}`);
        }
        let v: number;
        let b: number;
        // variant, bare | bare, variant | variant, bare | …
        if (i % 2 === 0) {
          v = await slice(variant, shape.sliceMs);
          b = await slice(bare, shape.sliceMs);
        } else {
          b = await slice(bare, shape.sliceMs);
          v = await slice(variant, shape.sliceMs);
        }
        variantRps.push(v);
        bareRps.push(b);
      }
      variant.check();
      bare.check();
      const { ratio, interval, emptyPairs } = sliceRatio(variantRps, bareRps);
      processes.push({
        rpsRatio: ratio,
        rpsRatioInterval: interval,
        variantRps: median(variantRps),
        bareRps: median(bareRps),
        emptyPairs,
        non2xx: variant.non2xx + bare.non2xx,
      });
    } finally {
      for (const l of loads) l.close();
      for (const server of servers) await server.stop();
    }
  }
  const perProcess = processes.map((p) => p.rpsRatio);
  const { mean, interval } = geometricMeanInterval(perProcess);
  return {
    processes,
    rpsRatio: median(perProcess),
    rpsRatioMean: mean,
    rpsRatioInterval: interval,
  };
}
