import { createHash, createHmac } from 'node:crypto';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { systemClock, type Clock } from '@homeostat/core';
import { AuditError } from './errors.js';
import { messageOf } from './internal/result.js';

/** What happened, as recorded in the audit log. */
export type AuditType =
  | 'decision.received'
  | 'plan'
  | 'approval.requested'
  | 'approval.granted'
  | 'approval.denied'
  | 'approval.expired'
  | 'precondition.started'
  | 'precondition.finished'
  | 'run.started'
  | 'step.started'
  | 'step.finished'
  | 'verification.started'
  | 'verification.finished'
  | 'rollback.started'
  | 'rollback.step.started'
  | 'rollback.step.finished'
  | 'rollback.finished'
  | 'run.finished';

/** One thing to record; the sink adds `seq`, `t`, `prev` and `hash`. */
export interface AuditEntry {
  /** What happened. */
  readonly type: AuditType;
  /** Every record of one decision's handling shares a run id. */
  readonly runId: string;
  /** Id of the decision the run handles. */
  readonly decisionId?: string;
  /** Id of the runbook, once known. */
  readonly runbook?: string;
  /** Step label, on step and rollback-step records. */
  readonly step?: string;
  /** JSON-serialisable details (status, error, targets, identity…). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A record as stored: the entry, a sequence number, time, and the hash chain. */
export interface AuditRecord extends AuditEntry {
  /**
   * Position in the log: 0 for the first record, then one more per record (a reopened file
   * continues from its last record).
   */
  readonly seq: number;
  /** Wall time, epoch ms. */
  readonly t: number;
  /** Hash of the previous record (`GENESIS` for the first). */
  readonly prev: string;
  /** SHA-256 of this record's JSON without `hash`, which includes `prev`. */
  readonly hash: string;
}

/** Where audit records go; file and in-memory sinks are built in, a host may add its own. */
export interface AuditSink {
  /** Appends one record; resolves once it is durable (for files: written and fsync'd). */
  append(entry: AuditEntry): Promise<AuditRecord>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
}

/** `prev` of the first record of a log. */
export const GENESIS = '0'.repeat(64);

/** Longest record kept as is; larger `data` is replaced by a note. */
const MAX_RECORD_CHARS = 256 * 1024;

const HASH_SUFFIX = /,"hash":"([0-9a-f]{64})"\}$/;

/** A record's hash: SHA-256 of its body, or, keyed, HMAC-SHA256 of it under the key. */
function digest(body: string, key: Buffer | undefined): string {
  return (key === undefined ? createHash('sha256') : createHmac('sha256', key))
    .update(body)
    .digest('hex');
}

/** Smallest key accepted for a keyed log: 16 bytes (128 bits). */
const MIN_KEY_BYTES = 16;

/** `key` as bytes, checked (`where` names the option in the error). */
function keyBytes(key: string | Uint8Array | undefined, where: string): Buffer | undefined {
  if (key === undefined) return undefined;
  const bytes =
    typeof key === 'string'
      ? Buffer.from(key, 'utf8')
      : key instanceof Uint8Array
        ? Buffer.from(key)
        : undefined;
  if (bytes === undefined || bytes.length < MIN_KEY_BYTES) {
    throw new RangeError(
      `${where}: key must be a string or bytes of at least ${MIN_KEY_BYTES} bytes (a secret the log's readers cannot guess)`,
    );
  }
  return bytes;
}

function encode(
  entry: AuditEntry,
  { seq, t, prev }: { seq: number; t: number; prev: string },
  key?: Buffer,
): { line: string; record: AuditRecord } {
  const body: Record<string, unknown> = { seq, t, type: entry.type, runId: entry.runId };
  if (entry.decisionId !== undefined) body.decisionId = entry.decisionId;
  if (entry.runbook !== undefined) body.runbook = entry.runbook;
  if (entry.step !== undefined) body.step = entry.step;
  if (entry.data !== undefined) body.data = entry.data;
  // Inside the hashed body: a keyed record cannot pass for an unkeyed one.
  if (key !== undefined) body.keyed = true;
  body.prev = prev;
  let json: string;
  try {
    json = JSON.stringify(body);
  } catch (cause) {
    // Never lose a record because of a bad detail: keep the facts, drop the data.
    body.data = { unserialisable: messageOf(cause) };
    delete body.prev;
    body.prev = prev;
    json = JSON.stringify(body);
  }
  if (json.length > MAX_RECORD_CHARS) {
    // Keep records bounded (a huge params object must not bloat the log): keep the facts.
    body.data = { truncated: true, chars: json.length };
    delete body.prev;
    body.prev = prev;
    json = JSON.stringify(body);
  }
  const hash = digest(json, key);
  const line = `${json.slice(0, -1)},"hash":"${hash}"}`;
  return { line, record: { ...(body as unknown as Omit<AuditRecord, 'hash'>), hash } };
}

/** Options of {@link createMemoryAudit}. */
export interface MemoryAuditOptions {
  /** Records kept (oldest dropped first). Default 10,000. */
  readonly maxRecords?: number;
}

/** An in-memory audit sink, for tests and benchmarks. */
export interface MemoryAudit extends AuditSink {
  /** The records kept, oldest first. */
  records(): readonly AuditRecord[];
  /** Records dropped because `maxRecords` was reached. */
  readonly dropped: number;
}

/**
 * Creates an in-memory, hash-chained audit sink with a bounded record list.
 *
 * @throws {RangeError} when `maxRecords` is not a positive integer.
 * @example
 * ```ts
 * const audit = createMemoryAudit();
 * const executor = createExecutor(registry, {}, { audit });
 * ```
 */
export function createMemoryAudit(
  options: MemoryAuditOptions = {},
  deps: { readonly clock?: Clock } = {},
): MemoryAudit {
  const max = options.maxRecords ?? 10_000;
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`createMemoryAudit: maxRecords must be a positive integer, got ${max}`);
  const clock = deps.clock ?? systemClock;
  const kept: AuditRecord[] = [];
  let prev = GENESIS;
  let seq = 0;
  let dropped = 0;
  return {
    append(entry) {
      const { record } = encode(entry, { seq: seq++, t: clock.now(), prev });
      prev = record.hash;
      kept.push(record);
      if (kept.length > max) {
        kept.shift();
        dropped++;
      }
      return Promise.resolve(record);
    },
    close: () => Promise.resolve(),
    records: () => kept.slice(),
    get dropped() {
      return dropped;
    },
  };
}

/** Options of {@link createFileAudit}. */
export interface FileAuditOptions {
  /** fsync after every record (default true). Turning it off trades durability for speed. */
  readonly fsync?: boolean;
  /**
   * A secret (at least 16 bytes) that keys the chain: each record's hash becomes an HMAC-SHA256
   * under it, so that someone who can edit the file but does not hold the key cannot rewrite
   * records and recompute their hashes unnoticed. Verify with the same key
   * ({@link verifyAuditLog}). A log is keyed from its first record to its last: appending with
   * a key to a log written without one (or the other way round, or with another key) is
   * refused. Default: none (a plain SHA-256 chain, which shows accidental damage and edits
   * that do not recompute the hashes).
   */
  readonly key?: string | Uint8Array;
}

/**
 * Creates an append-only JSONL audit file sink. Each record is hash-chained to the previous one
 * and, by default, fsync'd before `append` resolves. Appending to an existing log continues its
 * chain; a torn last line (a crash during a write) is cut off first.
 *
 * @remarks Appends are serialised; the file is opened on the first append.
 * @example
 * ```ts
 * const audit = createFileAudit('/var/log/homeostat/audit.jsonl');
 * ```
 */
export function createFileAudit(
  file: string,
  options: FileAuditOptions = {},
  deps: { readonly clock?: Clock } = {},
): AuditSink {
  const clock = deps.clock ?? systemClock;
  const fsync = options.fsync ?? true;
  const key = keyBytes(options.key, 'createFileAudit');
  let handle: FileHandle | undefined;
  let prev = GENESIS;
  let seq = 0;
  let chain: Promise<unknown> = Promise.resolve();
  let closed = false;

  async function openLog(): Promise<FileHandle> {
    if (handle) return handle;
    const fh = await open(file, 'a+');
    try {
      const { size } = await fh.stat();
      if (size > 0) {
        const tail = Math.min(size, 1_048_576);
        const buf = Buffer.alloc(tail);
        await fh.read(buf, 0, tail, size - tail);
        // Work on raw bytes: a torn tail may end inside a multi-byte character, and decoding it
        // first would turn the partial bytes into U+FFFD and miscount how much to cut.
        const cut = buf.lastIndexOf(0x0a);
        if (cut === -1 && tail < size) {
          // Never truncate what we cannot see the start of: refuse instead (fail closed).
          throw new Error(
            `the last line is longer than ${tail} bytes; refusing to guess where it starts`,
          );
        }
        if (cut !== tail - 1) {
          // Torn tail from a crash mid-write: drop the partial line so the chain stays valid.
          await fh.truncate(size - tail + cut + 1);
        }
        const complete = buf
          .subarray(0, cut + 1)
          .toString('utf8')
          .trimEnd();
        const lastLine = complete.slice(complete.lastIndexOf('\n') + 1);
        if (lastLine) {
          const last = JSON.parse(lastLine) as { seq?: unknown; hash?: unknown; keyed?: unknown };
          if (typeof last.hash !== 'string' || typeof last.seq !== 'number')
            throw new Error('last record has no hash/seq');
          // One chain, one kind of hash: continuing a log under another key (or none) would
          // leave a log no key verifies.
          if ((last.keyed === true) !== (key !== undefined)) {
            throw new Error(
              key === undefined
                ? 'the log is keyed: open it with its key'
                : 'the log was written without a key: start a new file to key one',
            );
          }
          if (key !== undefined && !hashMatches(lastLine, key)) {
            throw new Error('the log was written with another key');
          }
          prev = last.hash;
          seq = last.seq + 1;
        }
      }
    } catch (cause) {
      await fh.close();
      throw cause;
    }
    handle = fh;
    return fh;
  }

  return {
    append(entry) {
      const next = chain.then(async () => {
        if (closed)
          throw new AuditError('AUDIT_WRITE_FAILED', `audit log ${file} is closed`, { file });
        try {
          const fh = await openLog();
          const { line, record } = encode(entry, { seq, t: clock.now(), prev }, key);
          await fh.write(line + '\n');
          if (fsync) await fh.datasync();
          prev = record.hash;
          seq++;
          return record;
        } catch (cause) {
          // The line may be in the file in full, in part or not at all (a failed sync after a
          // good write, a short write): forget the handle, so the next append opens the file
          // again and takes `seq` and `prev` from its last complete record, cutting a torn one.
          const fh = handle;
          handle = undefined;
          await fh?.close().catch(() => undefined);
          throw new AuditError(
            'AUDIT_WRITE_FAILED',
            `cannot write audit log ${file}: ${messageOf(cause)}`,
            { file, cause },
          );
        }
      });
      chain = next.catch(() => undefined);
      return next;
    },
    async close() {
      await chain;
      closed = true;
      const fh = handle;
      handle = undefined;
      await fh?.close();
    },
  };
}

/** The result of {@link verifyAuditLog}. */
export interface AuditVerification {
  /** True when every complete record's hash and link are intact. */
  readonly ok: boolean;
  /** Complete records read. */
  readonly records: number;
  /** True when the file ends in a partial line (a crash mid-write); it is not counted. */
  readonly tornTail: boolean;
  /** The first problem, with its 1-based line number. */
  readonly error?: {
    /** 1-based line number of the record. */
    readonly line: number;
    /** What is wrong with it, in words. */
    readonly message: string;
  };
}

async function readLog(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new AuditError(
      'AUDIT_READ_FAILED',
      `cannot read audit log ${file}: ${messageOf(cause)}`,
      { file, cause },
    );
  }
}

/** A log's complete lines, and what follows its last newline (empty unless the tail is torn). */
function splitLines(text: string): { lines: string[]; tail: string } {
  const lines = text.split('\n');
  return { lines, tail: lines.pop() ?? '' };
}

/** True when `line` ends in the hash of its own body (under `key`, when given). */
function hashMatches(line: string, key: Buffer | undefined): boolean {
  const m = HASH_SUFFIX.exec(line);
  return m !== null && digest(`${line.slice(0, m.index)}}`, key) === m[1];
}

/** Options of {@link verifyAuditLog}. */
export interface VerifyAuditOptions {
  /** The key the log was written with ({@link FileAuditOptions.key}); required for a keyed log. */
  readonly key?: string | Uint8Array;
}

/**
 * Checks an audit log's hash chain: every line parses, its hash matches its content, its `prev`
 * is the previous record's hash and `seq` counts up by one. With `key`, every record must be
 * keyed and its hash an HMAC under that key; a keyed log checked without its key is refused
 * (its hashes cannot be checked).
 *
 * @remarks A last line without its newline is a torn tail (a crash mid-write) when it is not a
 * whole record. One that is a whole record (it ends in a hash) is checked like the others, so
 * that cutting a log's last newline does not hide an edit of its last record; it counts among
 * `records` when it holds, with `tornTail` still true.
 * @throws {AuditError} `AUDIT_READ_FAILED` when the file cannot be read.
 * @throws {RangeError} when `key` is shorter than 16 bytes.
 * @example
 * ```ts
 * const { ok, error } = await verifyAuditLog('audit.jsonl');
 * if (!ok) console.error(`audit log tampered at line ${error?.line}: ${error?.message}`);
 * ```
 */
export async function verifyAuditLog(
  file: string,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const key = keyBytes(options.key, 'verifyAuditLog');
  const { lines, tail } = splitLines(await readLog(file));
  const tornTail = tail.length > 0;
  if (HASH_SUFFIX.test(tail)) lines.push(tail);
  let prev = GENESIS;
  let expectedSeq: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const fail = (message: string): AuditVerification => ({
      ok: false,
      records: i,
      tornTail,
      error: { line: i + 1, message },
    });
    const line = lines[i]!;
    const m = HASH_SUFFIX.exec(line);
    if (!m) return fail('record has no hash');
    const body = `${line.slice(0, m.index)}}`;
    let rec: { prev?: unknown; seq?: unknown; keyed?: unknown };
    try {
      rec = JSON.parse(body) as typeof rec;
    } catch {
      return fail('record is not valid JSON');
    }
    if (rec.keyed === true && key === undefined)
      return fail('record was written with a key: verify the log with it');
    if (key !== undefined && rec.keyed !== true)
      return fail('record was not written with the key (replaced, or the log is not keyed)');
    if (digest(body, key) !== m[1])
      return fail(
        key === undefined
          ? 'hash does not match the record (edited?)'
          : 'hash does not match the record under the key (edited, or another key?)',
      );
    if (rec.prev !== prev)
      return fail('prev does not match the previous record (removed or reordered?)');
    if (typeof rec.seq !== 'number' || (expectedSeq !== undefined && rec.seq !== expectedSeq)) {
      return fail(`seq ${String(rec.seq)} is out of order (expected ${expectedSeq})`);
    }
    expectedSeq = rec.seq + 1;
    prev = m[1]!;
  }
  return { ok: true, records: lines.length, tornTail };
}

/**
 * Reads every complete record of an audit log (a torn last line is skipped).
 *
 * @throws {AuditError} when the file cannot be read or a complete line is not JSON.
 */
export async function readAuditLog(file: string): Promise<AuditRecord[]> {
  const { lines } = splitLines(await readLog(file));
  return lines.map((line, i) => {
    try {
      return JSON.parse(line) as AuditRecord;
    } catch (cause) {
      throw new AuditError('AUDIT_READ_FAILED', `${file} line ${i + 1} is not JSON`, {
        file,
        cause,
      });
    }
  });
}

/** A run that started and has no `run.finished` record. */
export interface InterruptedRun {
  /** Id of the run that never finished. */
  readonly runId: string;
  /** Decision id from the run's first record, when it had one. */
  readonly decisionId: string | undefined;
  /** Runbook id from the run's first (else last) record, when recorded. */
  readonly runbook: string | undefined;
  /** Targets from the run's latest record that listed them; empty when none did. */
  readonly targets: readonly string[];
  /** Time of the run's first record. */
  readonly startedAt: number;
  /** The last thing recorded for it. */
  readonly lastType: AuditType;
  /** True when at least one action (step or rollback step) had started: the target may be half-changed. */
  readonly actionsStarted: boolean;
  /** Steps that started and never finished: what was in flight at the crash. */
  readonly inFlightSteps: readonly string[];
}

/** What {@link recover} found. */
export interface RecoveryReport {
  /** Every run with records but no `run.finished`, in order of first record. */
  readonly interrupted: readonly InterruptedRun[];
  /** The chain check of the same file. */
  readonly verification: AuditVerification;
}

/**
 * After a crash, lists every run that started and never finished, with what was in flight.
 * `options.key` is the key of a keyed log, for the chain check ({@link verifyAuditLog}).
 *
 * @throws {AuditError} when the file cannot be read.
 * @example
 * ```ts
 * const { interrupted } = await recover('audit.jsonl');
 * for (const run of interrupted) pageOnCall(`run ${run.runId} on ${run.targets} was interrupted`);
 * ```
 */
export async function recover(
  file: string,
  options: VerifyAuditOptions = {},
): Promise<RecoveryReport> {
  const verification = await verifyAuditLog(file, options);
  const { lines } = splitLines(await readLog(file));
  const runs = new Map<
    string,
    {
      first: AuditRecord;
      last: AuditRecord;
      targets: string[];
      started: boolean;
      inFlight: Set<string>;
    }
  >();
  for (const line of lines) {
    let rec: AuditRecord;
    try {
      rec = JSON.parse(line) as AuditRecord;
    } catch {
      continue; // reported by the verification
    }
    if (typeof rec.runId !== 'string') continue;
    if (rec.type === 'run.finished') {
      runs.delete(rec.runId);
      continue;
    }
    let run = runs.get(rec.runId);
    if (!run) {
      run = { first: rec, last: rec, targets: [], started: false, inFlight: new Set() };
      runs.set(rec.runId, run);
    }
    run.last = rec;
    const targets = rec.data?.targets;
    if (Array.isArray(targets))
      run.targets = targets.filter((x): x is string => typeof x === 'string');
    const key = `${rec.type.startsWith('rollback') ? 'rollback:' : ''}${rec.step ?? ''}`;
    if (rec.type === 'step.started' || rec.type === 'rollback.step.started') {
      run.started = true;
      run.inFlight.add(key);
    }
    if (rec.type === 'step.finished' || rec.type === 'rollback.step.finished')
      run.inFlight.delete(key);
  }
  const interrupted = [...runs.entries()].map(([runId, r]) => ({
    runId,
    decisionId: r.first.decisionId,
    runbook: r.first.runbook ?? r.last.runbook,
    targets: r.targets,
    startedAt: r.first.t,
    lastType: r.last.type,
    actionsStarted: r.started,
    inFlightSteps: [...r.inFlight],
  }));
  return { interrupted, verification };
}
