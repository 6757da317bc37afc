import { isHomeostatError } from '@homeostat/core';

/** True for a `TimeoutError` from any copy of this package. */
export function isTimeoutError(error: unknown): boolean {
  return isHomeostatError(error) && error.code === 'TIMEOUT';
}
