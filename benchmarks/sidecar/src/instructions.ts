/**
 * Instructions per request, counted by valgrind rather than timed: the one measure of the
 * sidecar's cost here that does not move with what else the machine is doing.
 *
 * The harness (`instructions-harness.ts`: a server, loaded over real sockets on 127.0.0.1 by a
 * closed-loop client of keep-alive connections in a child process) is bundled once with
 * esbuild, so that every run loads the same code the same way, and run under
 * `valgrind --tool=cachegrind` twice per variant, for a short and a long run; the difference in
 * instructions divided by the difference in requests is the steady state's cost per request,
 * with start-up, JIT warm-up and shut-down cancelled out. Valgrind does not follow the child,
 * so only the server's instructions are counted: the request's whole cost on a server, which
 * is what its throughput divides (until 2026-12-06 the client ran in the same process, and its
 * instructions, about a quarter of the total, diluted the sidecar's share). Node runs with
 * `--single-threaded` (no background compiler or GC threads), `--predictable-gc-schedule`,
 * and fixed hash and random seeds. The server under valgrind is some fifty times slower than
 * the client, so every connection has a request waiting whenever it reads, and repeated runs
 * agree within a few dozen instructions per request.
 *
 * Instructions are not time: code that misses the CPU's caches costs more per instruction than
 * Node's own hot paths, so a saving in instructions buys less than its share of throughput. The
 * interleaved measurement (`interleaved.ts`) is the one that judges throughput.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { HarnessConfig, HarnessFramework } from './instructions-harness.js';

const run = promisify(execFile);
const harnessFile = fileURLToPath(new URL('./instructions-harness.ts', import.meta.url));
/** The harness's load generator, plain JavaScript, which the bundle runs from beside itself. */
const loadGeneratorFile = fileURLToPath(new URL('./load-generator.mjs', import.meta.url));

/** How the counts are taken. */
export interface InstructionsShape {
  /** Requests in the short and in the long run (the long minus the short is what is counted). */
  readonly short: number;
  readonly long: number;
  /** Keep-alive connections of the client. */
  readonly connections: number;
}

/**
 * The harness's frameworks the benchmark counts. Express is served by the harness but not
 * counted here: a request through Express 5 runs about 13 times the instructions of a node:http
 * one, and its counts move by thousands of instructions a request with where the major
 * collections fall, so runs long enough to settle them would take the best part of an hour
 * under valgrind. Count it by hand (`node harness.mjs express sidecar N`; see the benchmark's
 * docs).
 */
export type CountedFramework = Exclude<HarnessFramework, 'express' | 'express-app'>;

/** How each framework of the harness is named in the printed table. */
export const FRAMEWORK_LABELS: Readonly<Record<CountedFramework, string>> = {
  node: 'node:http',
  fastify: 'Fastify',
  'fastify-async': 'Fastify, async handler',
};

/** Every framework of the harness, in the order the table shows them. */
export const FRAMEWORKS = Object.keys(FRAMEWORK_LABELS) as CountedFramework[];

/** Instructions per request of one framework: bare, bare with the channel subscribed, sidecar. */
export interface InstructionsResult {
  readonly framework: CountedFramework;
  readonly bare: number;
  /** Bare with a no-op subscriber on `http.server.response.finish`. */
  readonly channel: number;
  readonly sidecar: number;
  /** `sidecar - bare`: what the sidecar adds to a request. */
  readonly added: number;
  /**
   * `channel - bare`: what Node's publishing of each finished response costs while the channel
   * has a subscriber (part of `added` only when the sidecar's responses outlive their handlers,
   * which keeps it subscribed).
   */
  readonly channelAdded: number;
}

/** Where valgrind is, or `undefined` when it is not installed. */
export function findValgrind(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'valgrind');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Bundles the harness into `dir`, with its load generator beside it; returns the bundle's path. */
async function bundleHarness(dir: string): Promise<string> {
  const outfile = path.join(dir, 'harness.mjs');
  await build({
    entryPoints: [harnessFile],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@homeostat/source'],
    outfile,
    logLevel: 'error',
    // Bundled CommonJS dependencies (Fastify's) call `require` for Node's built-ins.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  copyFileSync(loadGeneratorFile, path.join(dir, 'load-generator.mjs'));
  return outfile;
}

/** Longest one valgrind run may take before it is killed. */
const RUN_TIMEOUT_MS = 20 * 60_000;

/** Instructions of one harness run, as cachegrind counts them. */
async function count(valgrind: string, bundle: string, config: HarnessConfig): Promise<number> {
  const { stderr } = await run(
    valgrind,
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      // The load generator, a child process, runs natively and is not counted.
      '--trace-children=no',
      process.execPath,
      '--single-threaded',
      '--predictable-gc-schedule',
      '--hash-seed=1',
      '--random-seed=1',
      bundle,
      config.framework,
      config.variant,
      String(config.requests),
      String(config.connections),
    ],
    // A run of 100,000 requests takes about two minutes; one that stalls (a server that stopped
    // answering) is killed and reported rather than holding up the benchmark.
    { maxBuffer: 16 * 1024 * 1024, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL' },
  );
  const match = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (match === null) {
    throw new Error(
      `instructions: no instruction count in valgrind's output:\n${stderr.slice(-2000)}`,
    );
  }
  return Number(match[1]!.replaceAll(',', ''));
}

/**
 * Counts instructions per request for each framework, bare, bare with the finish channel
 * subscribed, and with the sidecar (two runs at a
 * time, one per core). Throws when valgrind is missing; call {@link findValgrind} first.
 */
export async function measureInstructions(
  frameworks: readonly CountedFramework[],
  shape: InstructionsShape,
  onProgress: (msg: string) => void = () => {},
): Promise<InstructionsResult[]> {
  if (!(shape.long > shape.short && shape.short >= 1 && shape.connections >= 1)) {
    throw new RangeError(`measureInstructions: bad shape ${JSON.stringify(shape)}`);
  }
  const valgrind = findValgrind();
  if (valgrind === undefined) throw new Error('measureInstructions: valgrind is not installed');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeostat-instructions-'));
  try {
    const bundle = await bundleHarness(dir);
    const perRequest = async (
      framework: CountedFramework,
      variant: HarnessConfig['variant'],
    ): Promise<number> => {
      onProgress(`${framework}, ${variant}: ${shape.short} and ${shape.long} requests`);
      const base = { framework, variant, connections: shape.connections };
      const [a, b] = await Promise.all([
        count(valgrind, bundle, { ...base, requests: shape.short }),
        count(valgrind, bundle, { ...base, requests: shape.long }),
      ]);
      return (b - a) / (shape.long - shape.short);
    };
    const out: InstructionsResult[] = [];
    for (const framework of frameworks) {
      const bare = await perRequest(framework, 'bare');
      const channel = await perRequest(framework, 'channel');
      const sidecar = await perRequest(framework, 'sidecar');
      out.push({
        framework,
        bare,
        channel,
        sidecar,
        added: sidecar - bare,
        channelAdded: channel - bare,
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
