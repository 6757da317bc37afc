import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileAudit, readAuditLog, recover, verifyAuditLog } from './audit.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function runChildUntilReady(file: string): Promise<{ signal: NodeJS.Signals | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@homeostat/source',
        join(here, 'internal/crash-child.ts'),
        file,
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child never became ready: ${err}`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('READY')) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (!out.includes('READY')) reject(new Error(`child exited before READY: ${err}`));
      else resolvePromise({ signal });
    });
  });
}

describe('crash recovery', () => {
  it('a run killed with SIGKILL mid-step leaves a valid chain and recover() names it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-crash-'));
    dirs.push(dir);
    const file = join(dir, 'audit.jsonl');
    const { signal } = await runChildUntilReady(file);
    expect(signal).toBe('SIGKILL');

    const verification = await verifyAuditLog(file);
    expect(verification.ok).toBe(true);
    expect(verification.records).toBeGreaterThan(8);

    const report = await recover(file);
    expect(report.interrupted).toHaveLength(1);
    expect(report.interrupted[0]).toMatchObject({
      decisionId: 'd-crash',
      runbook: 'crashes',
      targets: ['node-7'],
      actionsStarted: true,
      inFlightSteps: ['drain'],
      lastType: 'step.started',
    });

    // The next process continues the same chain.
    const audit = createFileAudit(file);
    await audit.append({
      type: 'run.finished',
      runId: report.interrupted[0]!.runId,
      data: { status: 'failed', error: 'recovered after crash' },
    });
    await audit.close();
    expect((await verifyAuditLog(file)).ok).toBe(true);
    expect((await recover(file)).interrupted).toEqual([]);
    expect((await readAuditLog(file)).at(-1)?.data?.error).toBe('recovered after crash');
  }, 60_000);
});
