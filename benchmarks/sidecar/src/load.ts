/**
 * Load generation and server lifecycle for the sidecar benchmark: servers run in child
 * processes; load comes from autocannon's programmatic API in this process.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon, { type Instance } from 'autocannon';
import { quantile } from '@homeostat-bench/common';
import type { ServerConfig } from './server.js';

const serverFile = fileURLToPath(new URL('./server.ts', import.meta.url));

/** A running benchmark server. */
export interface RunningServer {
  readonly url: string;
  /** The bare server hosted beside it (`withBaseline`), if any. */
  readonly baselineUrl?: string;
  stats(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

const TASKSET = '/usr/bin/taskset';

/**
 * Where the processes run. On a machine with at least two cores and `taskset`, the load
 * generator (this process, all its threads) is pinned to core 0 and each server to core 1, so
 * neither migrates or lands on the other's core mid-run: that migration is most of the
 * run-to-run noise when both share two cores. Otherwise the scheduler decides.
 */
export const pinning: { readonly pinned: boolean; readonly reason: string } = (() => {
  if (os.cpus().length < 2) return { pinned: false, reason: 'fewer than 2 cores' };
  if (!existsSync(TASKSET)) return { pinned: false, reason: 'no taskset' };
  try {
    execFileSync(TASKSET, ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    return { pinned: true, reason: 'load generator on core 0, server on core 1' };
  } catch (error) {
    return { pinned: false, reason: `taskset failed: ${String(error)}` };
  }
})();

/** Starts a server in a child process (same tsx loader and conditions as this process). */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  const args = [JSON.stringify(config)];
  const stdio: ['ignore', 'inherit', 'inherit', 'ipc'] = ['ignore', 'inherit', 'inherit', 'ipc'];
  // The IPC channel survives taskset's exec: the channel's descriptor and environment are
  // inherited by the node process it starts.
  const child: ChildProcess = pinning.pinned
    ? spawn(TASKSET, ['-c', '1', process.execPath, ...process.execArgv, serverFile, ...args], {
        stdio,
      })
    : fork(serverFile, args, { stdio });
  const { port, baselinePort } = await new Promise<{ port: number; baselinePort?: number }>(
    (resolve, reject) => {
      const onMessage = (m: unknown): void => {
        const ports = m as { port?: unknown; baselinePort?: unknown };
        if (typeof ports.port === 'number') {
          child.off('message', onMessage);
          resolve({
            port: ports.port,
            ...(typeof ports.baselinePort === 'number' ? { baselinePort: ports.baselinePort } : {}),
          });
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`benchmark server exited with ${code}`)));
    },
  );
  return {
    url: `http://127.0.0.1:${port}/`,
    ...(baselinePort === undefined ? {} : { baselineUrl: `http://127.0.0.1:${baselinePort}/` }),
    stats: () =>
      new Promise((resolve) => {
        const onMessage = (m: unknown): void => {
          const stats = (m as { stats?: Record<string, unknown> }).stats;
          if (stats) {
            child.off('message', onMessage);
            resolve(stats);
          }
        };
        child.on('message', onMessage);
        child.send('stats');
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** What one load run measured. */
export interface LoadResult {
  /** Responses per second, any status. */
  readonly rps: number;
  /** 2xx responses per second (goodput). */
  readonly okRps: number;
  /** 503 responses per second (shed). */
  readonly shedRps: number;
  readonly p50: number;
  readonly p99: number;
  /** p50 and p99 latency of 2xx responses only (admitted requests), ms. */
  readonly okP50: number;
  readonly okP99: number;
  readonly responses: number;
  readonly errors: number;
  readonly timeouts: number;
}

/** Shape of the offered load. */
export interface LoadShape {
  /**
   * Seconds measured. Whole seconds for a closed loop: autocannon checks its duration once a
   * second, so 1.5 s would run for 2 s and the rate would be counted over 1.5.
   */
  readonly durationS: number;
  /** Closed loop: this many connections, each sending as soon as it has its answer. */
  readonly connections?: number;
  /**
   * Open-ish loop at this many requests per second: spread over staggered autocannon
   * instances whose connections send one request per second each, so arrivals are evenly
   * spaced instead of arriving as one burst at each second boundary.
   */
  readonly rate?: number;
}

/**
 * Seconds spent launching the staggered instances of an open-loop run. Creating an autocannon
 * instance takes this process several milliseconds, during which it reads no responses; so
 * requests sent while instances are still being launched would be charged the load
 * generator's own delay. Only requests sent after the ramp count (for every variant alike).
 */
const RAMP_S = 1;
/** Seconds the instances keep running after the measured window, so its last answers arrive. */
const TAIL_S = 1;

/**
 * Splits an open-loop rate (requests per second) over at most 100 load-generator instances:
 * the number of connections of each, every connection sending one request per second. The
 * counts add up to the rate rounded to a whole number, so the offered load is what was asked
 * (a single count per instance, rounded, would offer 600 req/s for 569). Throws on a rate that
 * is not a finite number ≥ 0.5.
 */
export function spreadRate(rate: number): number[] {
  const total = Math.round(rate);
  if (!Number.isFinite(rate) || total < 1) {
    throw new RangeError(`spreadRate: rate must be a finite number ≥ 0.5 req/s, got ${rate}`);
  }
  const instances = Math.min(100, total);
  const base = Math.floor(total / instances);
  const extra = total - base * instances;
  return Array.from({ length: instances }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Drives load at `url` and measures every response. */
export async function drive(url: string, shape: LoadShape): Promise<LoadResult> {
  if (shape.rate === undefined && !(Number.isInteger(shape.durationS) && shape.durationS > 0)) {
    throw new RangeError(
      `drive: a closed-loop durationS must be a whole number of seconds ≥ 1, got ${shape.durationS}`,
    );
  }
  const sent: number[] = [];
  const latency: number[] = [];
  const status: number[] = [];
  let errors = 0;
  let timeouts = 0;
  const runs: Promise<void>[] = [];
  const launch = (
    connections: number,
    overallRate: number | undefined,
    durationS: number,
  ): void => {
    runs.push(
      new Promise<void>((resolve, reject) => {
        const instance: Instance = autocannon(
          {
            url,
            connections,
            duration: durationS,
            timeout: 10,
            ...(overallRate === undefined ? {} : { overallRate }),
          },
          (err, result) => {
            if (err) return reject(err);
            errors += result.errors;
            timeouts += result.timeouts;
            resolve();
          },
        );
        // autocannon's 'response' event passes four arguments.
        // eslint-disable-next-line max-params
        instance.on('response', (_client, code, _bytes, ms) => {
          sent.push(performance.now() - ms);
          latency.push(ms);
          status.push(code);
        });
      }),
    );
  };
  let from = -Infinity;
  let to = Infinity;
  if (shape.rate === undefined) {
    launch(shape.connections ?? 32, undefined, shape.durationS);
  } else {
    const perInstance = spreadRate(shape.rate);
    const spacing = (RAMP_S * 1000) / perInstance.length;
    for (const [i, connections] of perInstance.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, spacing));
      launch(connections, connections, shape.durationS + RAMP_S + TAIL_S);
    }
    // Every instance runs from here until at least `to` + TAIL_S.
    from = performance.now();
    to = from + shape.durationS * 1000;
  }
  await Promise.all(runs);
  const all: number[] = [];
  const ok: number[] = [];
  let shed = 0;
  for (let i = 0; i < sent.length; i++) {
    if (sent[i]! < from || sent[i]! >= to) continue;
    const code = status[i]!;
    all.push(latency[i]!);
    if (code >= 200 && code < 300) ok.push(latency[i]!);
    else if (code === 503) shed++;
  }
  return {
    rps: all.length / shape.durationS,
    okRps: ok.length / shape.durationS,
    shedRps: shed / shape.durationS,
    p50: quantile(all, 0.5),
    p99: quantile(all, 0.99),
    okP50: quantile(ok, 0.5),
    okP99: quantile(ok, 0.99),
    responses: all.length,
    errors,
    timeouts,
  };
}
