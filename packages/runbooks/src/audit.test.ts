import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '@homeostat/core/testing';
import { isHomeostatError } from '@homeostat/core';
import {
  GENESIS,
  createFileAudit,
  createMemoryAudit,
  readAuditLog,
  recover,
  verifyAuditLog,
} from './audit.js';

const dirs: string[] = [];
function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'homeostat-audit-'));
  dirs.push(dir);
  return join(dir, 'audit.jsonl');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function writeSample(file: string): Promise<void> {
  const audit = createFileAudit(file, {}, { clock: createManualClock(1000) });
  await audit.append({
    type: 'decision.received',
    runId: 'r1',
    decisionId: 'd1',
    data: { verdict: 'execute' },
  });
  await audit.append({
    type: 'run.started',
    runId: 'r1',
    decisionId: 'd1',
    runbook: 'rb',
    data: { targets: ['a'] },
  });
  await audit.append({ type: 'step.started', runId: 'r1', step: 's1' });
  await audit.append({
    type: 'step.finished',
    runId: 'r1',
    step: 's1',
    data: { status: 'succeeded' },
  });
  await audit.append({ type: 'run.finished', runId: 'r1', data: { status: 'succeeded' } });
  await audit.close();
}

describe('createMemoryAudit', () => {
  it('chains records by hash and bounds what it keeps', async () => {
    const audit = createMemoryAudit({ maxRecords: 2 });
    const a = await audit.append({ type: 'decision.received', runId: 'r' });
    const b = await audit.append({ type: 'run.finished', runId: 'r' });
    const c = await audit.append({ type: 'decision.received', runId: 'q' });
    expect(a.prev).toBe(GENESIS);
    expect(b.prev).toBe(a.hash);
    expect(c.prev).toBe(b.hash);
    expect([a.seq, b.seq, c.seq]).toEqual([0, 1, 2]);
    expect(audit.records()).toEqual([b, c]);
    expect(audit.dropped).toBe(1);
    expect(() => createMemoryAudit({ maxRecords: 0 })).toThrow(RangeError);
  });
});

describe('createFileAudit and verifyAuditLog', () => {
  it('writes one JSON record per line that verifies', async () => {
    const file = tempFile();
    await writeSample(file);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[1]!)).toMatchObject({
      seq: 1,
      t: 1000,
      type: 'run.started',
      runbook: 'rb',
    });
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 5, tornTail: false });
  });

  it('detects an edited, a removed and a reordered record', async () => {
    const file = tempFile();
    await writeSample(file);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');

    writeFileSync(
      file,
      lines.map((l, i) => (i === 2 ? l.replace('"s1"', '"s2"') : l)).join('\n') + '\n',
    );
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      error: { line: 3, message: expect.stringMatching(/hash does not match/) },
    });

    writeFileSync(file, lines.filter((_, i) => i !== 1).join('\n') + '\n');
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      error: { line: 2, message: expect.stringMatching(/prev does not match/) },
    });

    writeFileSync(file, [lines[0], lines[2], lines[1], lines[3], lines[4]].join('\n') + '\n');
    expect((await verifyAuditLog(file)).ok).toBe(false);
  });

  it('cuts a torn last line before appending and continues the chain', async () => {
    const file = tempFile();
    await writeSample(file);
    appendFileSync(file, '{"seq":5,"t":1,"type":"step.sta');
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 5, tornTail: true });
    const audit = createFileAudit(file);
    const rec = await audit.append({ type: 'decision.received', runId: 'r2' });
    await audit.close();
    expect(rec.seq).toBe(5);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 6, tornTail: false });
  });

  it('cuts a torn last line that ends inside a multi-byte character at its newline', async () => {
    const file = tempFile();
    await writeSample(file);
    const intact = readFileSync(file);
    // A crash mid-write of a record containing "€" (E2 82 AC): only E2 82 reached the disk.
    appendFileSync(
      file,
      Buffer.concat([
        Buffer.from('{"seq":5,"t":1,"type":"plan","runId":"r2","data":{"n":"'),
        Buffer.from([0xe2, 0x82]),
      ]),
    );
    const audit = createFileAudit(file);
    const rec = await audit.append({ type: 'decision.received', runId: 'r2', data: { n: 'ça' } });
    await audit.close();
    expect(rec.seq).toBe(5);
    const after = readFileSync(file);
    expect(after.subarray(0, intact.length).equals(intact)).toBe(true);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 6, tornTail: false });
  });

  it('keeps the chain intact after a write that reached the file but failed to sync', async () => {
    const file = tempFile();
    await writeSample(file);
    const probe = await open(file, 'r');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    proto.datasync = () => Promise.reject(new Error('EIO: disk gone'));
    const audit = createFileAudit(file);
    try {
      await expect(audit.append({ type: 'plan', runId: 'r2' })).rejects.toMatchObject({
        code: 'AUDIT_WRITE_FAILED',
      });
    } finally {
      proto.datasync = datasync;
    }
    // The failed record's line is in the file: the next one follows it in the chain.
    const rec = await audit.append({ type: 'run.finished', runId: 'r2' });
    await audit.close();
    expect(rec.seq).toBe(6);
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 7, tornTail: false });
  });

  it('bounds record size and refuses to truncate a log whose tail it cannot read', async () => {
    const audit = createMemoryAudit();
    const big = await audit.append({
      type: 'plan',
      runId: 'r',
      data: { blob: 'x'.repeat(300_000) },
    });
    expect(big.data).toEqual({ truncated: true, chars: expect.any(Number) });
    const file = tempFile();
    writeFileSync(file, 'y'.repeat(1_100_000)); // one partial line longer than the tail window
    const sink = createFileAudit(file);
    await expect(sink.append({ type: 'plan', runId: 'r' })).rejects.toMatchObject({
      code: 'AUDIT_WRITE_FAILED',
    });
    expect(readFileSync(file, 'utf8').length).toBe(1_100_000);
  });

  it('rejects appends after close and reports unreadable files as AuditError', async () => {
    const file = tempFile();
    const audit = createFileAudit(file);
    await audit.close();
    await expect(audit.append({ type: 'plan', runId: 'x' })).rejects.toMatchObject({
      code: 'AUDIT_WRITE_FAILED',
    });
    const missing = join(tmpdir(), 'does-not-exist', 'audit.jsonl');
    const err: unknown = await verifyAuditLog(missing).catch((e: unknown) => e);
    expect(isHomeostatError(err) && err.code).toBe('AUDIT_READ_FAILED');
    const bad = createFileAudit(join(tmpdir(), 'no-such-dir-homeostat', 'x', 'a.jsonl'));
    await expect(bad.append({ type: 'plan', runId: 'x' })).rejects.toMatchObject({
      code: 'AUDIT_WRITE_FAILED',
    });
  });

  it('serialises concurrent appends into one valid chain', async () => {
    const file = tempFile();
    const audit = createFileAudit(file, { fsync: false });
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => audit.append({ type: 'plan', runId: `r${i}` })),
    );
    await audit.close();
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, records: 50 });
    expect((await readAuditLog(file)).map((r) => r.seq)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});

describe('recover', () => {
  it('reports runs without run.finished and what was in flight', async () => {
    const file = tempFile();
    await writeSample(file);
    const audit = createFileAudit(file);
    await audit.append({
      type: 'decision.received',
      runId: 'r2',
      decisionId: 'd2',
      runbook: 'rb2',
    });
    await audit.append({ type: 'run.started', runId: 'r2', data: { targets: ['x', 'y'] } });
    await audit.append({ type: 'rollback.step.started', runId: 'r2', step: 'scale' });
    await audit.append({ type: 'decision.received', runId: 'r3', decisionId: 'd3' });
    await audit.close();
    const report = await recover(file);
    expect(report.verification.ok).toBe(true);
    expect(report.interrupted).toEqual([
      {
        runId: 'r2',
        decisionId: 'd2',
        runbook: 'rb2',
        targets: ['x', 'y'],
        startedAt: expect.any(Number),
        lastType: 'rollback.step.started',
        actionsStarted: true,
        inFlightSteps: ['rollback:scale'],
      },
      expect.objectContaining({ runId: 'r3', actionsStarted: false, inFlightSteps: [] }),
    ]);
  });
});
