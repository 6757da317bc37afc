import { resolve } from 'node:path';
import type { Clock } from '@homeostat/core';
import { createFileAudit, type AuditSink } from '../audit.js';
import { AuditError } from '../errors.js';

// One writer per audit file: two sinks on the same file would each keep their own `seq` and
// `prev` and break the hash chain. A file is a process-wide resource, so this map is too.
const open = new Map<string, { sink: AuditSink; refs: number }>();
// Sinks of a path still flushing after their last user closed them.
const closing = new Map<string, Promise<void>>();

/**
 * The file sink of `file` shared by every executor of this process that names the same resolved
 * path (reference-counted); `close()` releases this user's reference, and the last one closes it.
 */
export function openSharedFileAudit(file: string, clock: Clock): AuditSink {
  const path = resolve(file);
  let entry = open.get(path);
  if (!entry) {
    // A sink being closed may still be writing: a new one must read the tail after it is done.
    const previous = (closing.get(path) ?? Promise.resolve()).catch(() => undefined);
    const inner = createFileAudit(path, {}, { clock });
    entry = {
      sink: { append: (e) => previous.then(() => inner.append(e)), close: () => inner.close() },
      refs: 0,
    };
    open.set(path, entry);
  }
  entry.refs++;
  const shared = entry;
  let released = false;
  return {
    // Closed for this user, as its own sink would be, even while others keep the file open.
    append: (e) =>
      released
        ? Promise.reject(
            new AuditError('AUDIT_WRITE_FAILED', `audit log ${path} is closed`, { file: path }),
          )
        : shared.sink.append(e),
    async close() {
      if (released) return;
      released = true;
      if (--shared.refs > 0) return;
      open.delete(path);
      const done: Promise<void> = shared.sink.close().finally(() => {
        if (closing.get(path) === done) closing.delete(path);
      });
      closing.set(path, done);
      await done;
    },
  };
}
