// Executor overhead per step and runs per second, with the in-memory audit and the file audit
// (fsync per record, and without fsync).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsSchema, type Decision } from '@homeostat/core';
import {
  createExecutor,
  createFileAudit,
  createMemoryAudit,
  createRunbookRegistry,
  defineAction,
  defineRunbook,
  verifyAuditLog,
  type AuditSink,
} from '@homeostat/runbooks';
import { median, nowNs } from '@homeostat-bench/common';

/** Which audit sink a measurement used. */
export type AuditKind = 'memory' | 'file-fsync' | 'file-nofsync';

/** One measured configuration. */
export interface Measurement {
  readonly audit: AuditKind;
  readonly steps: number;
  readonly concurrency: number;
  readonly runs: number;
  /** Median over repeats of wall time per run, microseconds. */
  readonly usPerRun: number;
  /** Median executor time per step (run time / steps), microseconds. */
  readonly usPerStep: number;
  /** Median runs per second. */
  readonly runsPerSec: number;
  /** Audit records written per run. */
  readonly recordsPerRun: number;
  /** True when every run succeeded (and, for files, the chain verified). */
  readonly allSucceeded: boolean;
}

// The no-op action takes no params; core's string-map schema accepts `{}` (and avoids a zod dependency here).
const noop = defineAction({ name: 'noop', params: labelsSchema, run: () => undefined });

function decisions(n: number, targets: number, runbook: string): Decision[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `bench-${i}`,
    incident: {
      id: `inc-${i}`,
      resource: `target-${i % targets}`,
      symptoms: [],
      severity: 'error',
      openedAt: 0,
      labels: {},
    },
    verdict: 'execute',
    runbook,
    confidence: 1,
    risk: 0,
    rationale: [],
  }));
}

/** Runs `runs` decisions of a `steps`-step no-op runbook and measures it, `repeats` times. */
export async function measure(options: {
  audit: AuditKind;
  steps: number;
  concurrency: number;
  runs: number;
  repeats: number;
  targets?: number;
  /** Run once unmeasured first (default true). */
  warmup?: boolean;
}): Promise<Measurement> {
  const { steps, concurrency, runs, repeats } = options;
  const registry = createRunbookRegistry({
    runbooks: [
      defineRunbook({
        id: 'rb',
        steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}`, action: 'noop' })),
      }),
    ],
    actions: [noop],
  });
  const perRun: number[] = [];
  const rates: number[] = [];
  let records = 0;
  let allSucceeded = true;
  const warmup = options.warmup ?? true;
  for (let r = warmup ? 0 : 1; r < repeats + 1; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'homeostat-bench-runbooks-'));
    const file = join(dir, 'audit.jsonl');
    const memory = createMemoryAudit({ maxRecords: 100 });
    let written = 0;
    const base: AuditSink =
      options.audit === 'memory'
        ? memory
        : createFileAudit(file, { fsync: options.audit === 'file-fsync' });
    const sink: AuditSink = {
      append: (e) => {
        written++;
        return base.append(e);
      },
      close: () => base.close(),
    };
    const executor = createExecutor(
      registry,
      { concurrency, maxQueued: runs + 1 },
      { audit: sink },
    );
    const list = decisions(runs, options.targets ?? 100, 'rb');
    const t0 = nowNs();
    // concurrency 1: one decision at a time (latency); otherwise all at once (throughput).
    const outcomes =
      concurrency === 1
        ? await (async () => {
            const out = [];
            for (const d of list) out.push(await executor.run(d));
            return out;
          })()
        : await Promise.all(list.map((d) => executor.run(d)));
    const elapsedNs = nowNs() - t0;
    await executor.close();
    if (outcomes.some((o) => o?.status !== 'succeeded')) allSucceeded = false;
    if (options.audit !== 'memory' && !(await verifyAuditLog(file)).ok) allSucceeded = false;
    rmSync(dir, { recursive: true, force: true });
    if (r === 0) continue; // warm-up
    records = written / runs;
    perRun.push(elapsedNs / 1000 / runs);
    rates.push(runs / (elapsedNs / 1e9));
  }
  const usPerRun = median(perRun);
  return {
    audit: options.audit,
    steps,
    concurrency,
    runs,
    usPerRun,
    usPerStep: usPerRun / steps,
    runsPerSec: median(rates),
    recordsPerRun: records,
    allSucceeded,
  };
}

/** Merges single-repeat measurements of one configuration into medians. */
export function combine(parts: readonly Measurement[]): Measurement {
  const first = parts[0]!;
  const usPerRun = median(parts.map((p) => p.usPerRun));
  return {
    ...first,
    usPerRun,
    usPerStep: usPerRun / first.steps,
    runsPerSec: median(parts.map((p) => p.runsPerSec)),
    allSucceeded: parts.every((p) => p.allSucceeded),
  };
}

/** Marginal cost of one more step: (time of `many`-step runs − time of 1-step runs) / (many − 1). */
export function marginalStepUs(one: Measurement, many: Measurement): number {
  return (many.usPerRun - one.usPerRun) / (many.steps - one.steps);
}
