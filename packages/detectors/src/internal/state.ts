import { isHomeostatError } from '@homeostat/core';
import { DetectorStateError } from '../errors.js';

/** The checks {@link StateReader.num} can apply on top of "a finite number". */
export type NumRule = 'finite' | 'nonNegative' | 'count';

const PREFIX = 'Invalid detector state at ';

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** A {@link DetectorStateError} naming the field at `path` and what is wrong with it. */
function stateError(
  path: string,
  problem: string,
  options: { readonly state: unknown; readonly cause?: unknown },
): DetectorStateError {
  return new DetectorStateError(`${PREFIX}${path}: ${problem}`, options.state, {
    path,
    cause: options.cause,
  });
}

/**
 * Runs the restore of a nested detector saved at `path` and, when it rejects its state, throws
 * the same problem with the path taken from the outer state (so `members.likelihood` +
 * `window.values` reads `members.likelihood.window.values`).
 */
export function restoreNested<T>(path: string, outer: unknown, restore: () => T): T {
  try {
    return restore();
  } catch (e) {
    if (!(isHomeostatError(e) && e.code === 'DETECTOR_STATE_INVALID')) throw e;
    const inner = e as DetectorStateError;
    // Errors of this module read `PREFIX path: problem`; others (unknown kind, …) are the problem.
    const own = `${PREFIX}${inner.path}: `;
    const problem = inner.message.startsWith(own) ? inner.message.slice(own.length) : inner.message;
    const at = inner.path === '' ? path : join(path, inner.path);
    throw stateError(at, problem, { state: outer, cause: inner });
  }
}

/**
 * Strict reader of saved detector state: every field read is required and of the expected type,
 * otherwise a {@link DetectorStateError} names its dotted path. A restored detector therefore
 * either continues exactly where the saved one stopped or is refused; it never silently starts
 * over part of its state.
 */
export class StateReader {
  constructor(
    /** The object being read. */
    readonly o: Record<string, unknown>,
    /** Where {@link StateReader.o} sits in the detector's state (`''` at its root). */
    readonly path = '',
    /** The detector's whole state, attached to errors. */
    readonly root: unknown = o,
  ) {}

  /** Throws a {@link DetectorStateError} for field `key`. */
  fail(key: string, problem: string): never {
    throw stateError(join(this.path, key), problem, { state: this.root });
  }

  /** A required finite number, optionally non-negative or a non-negative integer (`count`). */
  num(key: string, rule: NumRule = 'finite'): number {
    const v = this.o[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'must be a finite number');
    if (rule !== 'finite' && v < 0) this.fail(key, 'must be ≥ 0');
    if (rule === 'count' && !Number.isInteger(v)) this.fail(key, 'must be an integer ≥ 0');
    return v;
  }

  /** A required finite number, or `null` (how JSON saves a non-finite one). */
  numOrNull(key: string): number | null {
    return this.o[key] === null ? null : this.num(key);
  }

  /** A required boolean. */
  bool(key: string): boolean {
    const v = this.o[key];
    if (typeof v !== 'boolean') this.fail(key, 'must be a boolean');
    return v;
  }

  /** A required string. */
  str(key: string): string {
    const v = this.o[key];
    if (typeof v !== 'string') this.fail(key, 'must be a string');
    return v;
  }

  /** A required array (entries unchecked). */
  arr(key: string): unknown[] {
    const v = this.o[key];
    if (!Array.isArray(v)) this.fail(key, 'must be an array');
    return v;
  }

  /**
   * A required array of finite numbers (each checked by `rule`), of exactly `length` entries or
   * at most `max`.
   */
  nums(
    key: string,
    size: { readonly length?: number; readonly max?: number; readonly rule?: NumRule },
  ): number[] {
    const v = this.arr(key);
    if (size.length !== undefined && v.length !== size.length) {
      this.fail(key, `must have ${size.length} entries, not ${v.length}`);
    }
    if (size.max !== undefined && v.length > size.max) {
      this.fail(key, `must have at most ${size.max} entries, not ${v.length}`);
    }
    const items = new StateReader(
      v as unknown as Record<string, unknown>,
      join(this.path, key),
      this.root,
    );
    for (let i = 0; i < v.length; i++) items.num(String(i), size.rule);
    return v as number[];
  }

  /** A required array of plain objects, each read by its own reader. */
  objs(key: string): StateReader[] {
    const items = new StateReader(
      this.arr(key) as unknown as Record<string, unknown>,
      join(this.path, key),
      this.root,
    );
    // Array.from visits holes too (map would skip them and leave the result sparse).
    return Array.from(items.o as unknown as unknown[], (_, i) => items.obj(String(i)));
  }

  /** A required plain object, read by a reader whose errors carry the nested path. */
  obj(key: string): StateReader {
    const v = this.o[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      this.fail(key, 'must be an object');
    return new StateReader(v as Record<string, unknown>, join(this.path, key), this.root);
  }
}
