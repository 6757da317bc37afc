/**
 * Where policies get their timers. The default uses the host's `setTimeout` (unref'd, so a
 * pending timer never keeps the process alive); tests pass a manual implementation.
 */
export interface Timers {
  /** Calls `callback` after `ms` milliseconds; returns a handle for {@link Timers.clearTimeout}. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/**
 * The host's timers, unref'd.
 *
 * @example
 * ```ts
 * const timeout = createTimeout({ timeoutMs: 500 }, { timers: systemTimers });
 * ```
 */
export const systemTimers: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
