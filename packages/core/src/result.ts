/** A value or an error, for callers who want failures in the stream rather than reported. */
export type Result<T, E = Error> =
  | {
      /** `true`: the value is in `value`. */
      readonly ok: true;
      /** The successful value. */
      readonly value: T;
    }
  | {
      /** `false`: the failure is in `error`. */
      readonly ok: false;
      /** The failure. */
      readonly error: E;
    };

/** Wraps a success. */
export function ok<T>(value: T): Result<T, never> {
  return { ok: true, value };
}

/** Wraps a failure. */
export function err<E>(error: E): Result<never, E> {
  return { ok: false, error };
}
