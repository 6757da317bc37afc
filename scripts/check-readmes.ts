// Runs the "Quick start" code of every package README, as a user would paste it.
//
//   tsx scripts/check-readmes.ts                     every packages/*/README.md
//   tsx scripts/check-readmes.ts sidecar detectors   only these packages
//   tsx scripts/check-readmes.ts --timeout 60        seconds per block (default 30)
//   tsx scripts/check-readmes.ts --packages DIR      another folder of packages
//
// Each ```ts block under the "Quick start" heading is written to a temporary file inside the
// package's folder (so `@homeostat/*` imports resolve through the workspace), run with
// `tsx --conditions=@homeostat/source`, and deleted. A block passes when it exits with code 0
// within the timeout. The exit code is 1 when any block fails.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { markdownTable } from './internal/json.js';
import { quickStartBlocks } from './internal/markdown.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx');

interface RunResult {
  ok: boolean;
  detail: string;
  seconds: number;
}

const live = new Set<string>();
function cleanup(): void {
  for (const file of live) rmSync(file, { force: true });
  live.clear();
}
process.once('SIGINT', () => {
  cleanup();
  process.exit(130);
});

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

/** The first line that names an error (`TypeError: …`, `error TS…`), else the last lines. */
function errorSummary(text: string): string {
  const line = text
    .split('\n')
    .find((l) => /^\s*(\w*Error\b|error\b)/i.test(l) && !/^\s*at /.test(l));
  return line?.trim() ?? lastLines(text, 3);
}

function runBlock(pkgDir: string, file: string, timeoutMs: number): Promise<RunResult> {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(tsx, ['--conditions=@homeostat/source', file], {
      cwd: pkgDir,
      detached: true, // own process group, so a timeout can stop everything it started
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: '1' },
    });
    let out = '';
    let err = '';
    const keep = (buf: string, chunk: Buffer): string => (buf + chunk.toString()).slice(-4000);
    child.stdout.on('data', (c: Buffer) => (out = keep(out, c)));
    child.stderr.on('data', (c: Buffer) => (err = keep(err, c)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      if (timedOut) {
        done({
          ok: false,
          seconds,
          detail: `did not exit within ${timeoutMs / 1000} s (last output: ${lastLines(out, 2) || 'none'})`,
        });
      } else if (code === 0) {
        done({ ok: true, seconds, detail: lastLines(out, 1) });
      } else {
        done({
          ok: false,
          seconds,
          detail: `exit ${code ?? signal ?? '?'}: ${errorSummary(err || out)}`,
        });
      }
    });
  });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      timeout: { type: 'string', default: '30' },
      packages: { type: 'string', default: join(repoRoot, 'packages') },
    },
  });
  const timeoutMs = Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`--timeout must be a positive number of seconds, got "${values.timeout}"`);
  }
  const packagesDir = resolve(values.packages);
  const names = readdirSync(packagesDir)
    .filter((n) => existsSync(join(packagesDir, n, 'README.md')))
    .filter((n) => positionals.length === 0 || positionals.includes(n))
    .sort();
  const unknown = positionals.filter((p) => !names.includes(p));
  if (unknown.length > 0)
    throw new Error(`no packages/<name>/README.md for: ${unknown.join(', ')}`);

  const rows: Record<string, string>[] = [];
  for (const name of names) {
    const pkgDir = join(packagesDir, name);
    const blocks = quickStartBlocks(readFileSync(join(pkgDir, 'README.md'), 'utf8'));
    if (blocks.length === 0) {
      rows.push({
        package: name,
        block: '–',
        result: 'FAIL',
        seconds: '',
        detail: 'no ```ts block under a "Quick start" heading',
      });
      continue;
    }
    for (const [i, code] of blocks.entries()) {
      const file = join(pkgDir, `.readme-quickstart-${process.pid}-${i + 1}.ts`);
      live.add(file);
      writeFileSync(file, code);
      let result: RunResult;
      try {
        result = await runBlock(pkgDir, file, timeoutMs);
      } finally {
        rmSync(file, { force: true });
        live.delete(file);
      }
      rows.push({
        package: name,
        block: `${i + 1}/${blocks.length}`,
        result: result.ok ? 'pass' : 'FAIL',
        seconds: result.seconds.toFixed(1),
        detail: result.detail.slice(0, 300),
      });
      console.error(`${name} ${i + 1}/${blocks.length}: ${result.ok ? 'pass' : 'FAIL'}`);
    }
  }
  console.log(markdownTable(rows));
  const failed = rows.filter((r) => r.result !== 'pass');
  if (failed.length > 0) {
    console.error(
      `${failed.length} quick start block(s) failed: ${failed.map((r) => r.package).join(', ')}`,
    );
    process.exitCode = 1;
  }
}

try {
  await main();
} finally {
  cleanup();
}
