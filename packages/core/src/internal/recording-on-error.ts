import type { HomeostatError } from '../errors.js';
import type { OnError } from '../deps.js';

/** An `onError` that records what it receives, for assertions. */
export interface RecordingOnError {
  readonly onError: OnError;
  readonly errors: HomeostatError[];
}

/**
 * Creates an `onError` that keeps every error it is given.
 *
 * @example
 * ```ts
 * const { onError, errors } = createRecordingOnError();
 * source$.pipe(detect(d, { onError })).subscribe();
 * expect(errors).toHaveLength(1);
 * ```
 */
export function createRecordingOnError(): RecordingOnError {
  const errors: HomeostatError[] = [];
  return { errors, onError: (e) => void errors.push(e) };
}
