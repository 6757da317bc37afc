/** A held lock; release it exactly once. */
export interface LockLease {
  /** Gives the key back. Call it exactly once (the in-memory lock ignores repeats). */
  release(): Promise<void> | void;
}

/**
 * Mutual exclusion per target. `acquire` must not wait: it returns a lease, or `undefined` when
 * someone else holds the key. A Redis (or other shared) implementation lets a fleet share it.
 */
export interface Lock {
  /**
   * Tries to take `key`. `ttlMs` is an upper bound on how long the run can hold it (every step
   * attempt at its timeout plus `abortGrace`, once per target for `forEachTarget` steps, undo,
   * preconditions and verification included); shared implementations should expire the lock
   * after it so a crashed holder cannot block forever. (An action that ignores its abort signal
   * keeps the in-process lock until it settles, which no TTL can bound.)
   */
  acquire(key: string, ttlMs: number): Promise<LockLease | undefined> | LockLease | undefined;
}

/** The in-memory {@link Lock}, with a view of what is held. */
export interface MemoryLock extends Lock {
  /** Keys currently held. */
  held(): readonly string[];
}

/**
 * Creates an in-process {@link Lock}. Leases never expire (the executor always releases them),
 * so `ttlMs` is ignored.
 *
 * @example
 * ```ts
 * const lock = createMemoryLock();
 * const lease = await lock.acquire('checkout', 60_000);
 * if (lease) try { … } finally { await lease.release(); }
 * ```
 */
export function createMemoryLock(): MemoryLock {
  const keys = new Set<string>();
  return {
    acquire(key) {
      if (keys.has(key)) return undefined;
      keys.add(key);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          keys.delete(key);
        },
      };
    },
    held: () => [...keys],
  };
}
