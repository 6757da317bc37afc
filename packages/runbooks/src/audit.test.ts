import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
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

async function writeSample(file: string, key?: string): Promise<void> {
  const audit = createFileAudit(file, key === undefined ? {} : { key }, {
    clock: createManualClock(1000),
  });
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

  it('checks a whole last record whose newline was cut, so an edit there is not a torn tail', async () => {
    const file = tempFile();
    await writeSample(file);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -1)); // the newline only: the record still holds
    expect(await verifyAuditLog(file)).toEqual({ ok: true, records: 5, tornTail: true });
    const cut = text.slice(0, -1);
    const at = cut.lastIndexOf('"succeeded"'); // in the last record
    writeFileSync(file, `${cut.slice(0, at)}"failed"${cut.slice(at + '"succeeded"'.length)}`);
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      error: { line: 5, message: expect.stringMatching(/hash does not match/) },
    });
  });

  it('keys the chain with a secret: an edit with recomputed hashes shows without the key', async () => {
    const key = 'k'.repeat(32);
    const file = tempFile();
    await writeSample(file, key);
    expect(await verifyAuditLog(file, { key })).toEqual({ ok: true, records: 5, tornTail: false });
    // Without the key, or with another, the log cannot be taken as intact.
    expect(await verifyAuditLog(file)).toMatchObject({
      ok: false,
      error: { line: 1, message: expect.stringMatching(/written with a key/) },
    });
    expect(await verifyAuditLog(file, { key: 'x'.repeat(32) })).toMatchObject({
      ok: false,
      error: { line: 1, message: expect.stringMatching(/another key/) },
    });
    // A forger without the key edits record 3 and rewrites the chain from there as a plain
    // SHA-256 chain, hashes recomputed: a plain check would pass, the keyed one does not.
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    let prev = (JSON.parse(lines[1]!) as { hash: string }).hash;
    const forged = lines.map((l, i) => {
      if (i < 2) return l;
      const rec = JSON.parse(l) as Record<string, unknown>;
      delete rec.hash;
      delete rec.keyed;
      if (i === 2) rec.step = 'other';
      delete rec.prev;
      rec.prev = prev;
      const body = JSON.stringify(rec);
      prev = createHash('sha256').update(body).digest('hex');
      return `${body.slice(0, -1)},"hash":"${prev}"}`;
    });
    writeFileSync(file, forged.join('\n') + '\n');
    expect(await verifyAuditLog(file, { key })).toMatchObject({
      ok: false,
      error: { line: 3, message: expect.stringMatching(/not written with the key/) },
    });
  });

  it('continues a keyed log only with its key, and refuses short keys', async () => {
    const key = new Uint8Array(16).fill(7);
    const file = tempFile();
    await writeSample(file, Buffer.from(key).toString('latin1'));
    const plain = createFileAudit(file);
    await expect(plain.append({ type: 'plan', runId: 'r2' })).rejects.toThrow(
      /open it with its key/,
    );
    await plain.close();
    const other = createFileAudit(file, { key: 'y'.repeat(16) });
    await expect(other.append({ type: 'plan', runId: 'r2' })).rejects.toThrow(/another key/);
    await other.close();
    const same = createFileAudit(file, { key: Buffer.from(key).toString('latin1') });
    expect((await same.append({ type: 'plan', runId: 'r2' })).seq).toBe(5);
    await same.close();
    expect(await verifyAuditLog(file, { key: Buffer.from(key).toString('latin1') })).toMatchObject({
      ok: true,
      records: 6,
    });
    const unkeyed = tempFile();
    await writeSample(unkeyed);
    const keyed = createFileAudit(unkeyed, { key: 'z'.repeat(16) });
    await expect(keyed.append({ type: 'plan', runId: 'r2' })).rejects.toThrow(/without a key/);
    await keyed.close();
    expect(() => createFileAudit(unkeyed, { key: 'short' })).toThrow(/at least 16 bytes/);
    await expect(verifyAuditLog(unkeyed, { key: new Uint8Array(4) })).rejects.toThrow(
      /at least 16 bytes/,
    );
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
