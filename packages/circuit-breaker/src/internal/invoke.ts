import type { CallContext, Protected } from '../policy.js';

/** Calls `fn`, turning a synchronous throw into a rejection and a plain value into a promise. */
export function invoke<T>(fn: Protected<T>, context: CallContext): Promise<T> {
  try {
    return Promise.resolve(fn(context));
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the caller's own error passes through unchanged
    return Promise.reject(error);
  }
}

/** True for anything with a callable `then` (a promise from any realm or library). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
