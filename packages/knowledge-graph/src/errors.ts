import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/** Error codes raised by {@link GraphError}. */
export type GraphErrorCode = 'GRAPH_UNKNOWN_NODE' | 'GRAPH_SELF_LOOP' | 'GRAPH_INVALID_ARGUMENT';

/**
 * A graph operation was asked about a node that is not there, to add a self-loop, or was given
 * an argument out of range.
 *
 * @example
 * ```ts
 * try { graph.impact('nope'); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'GRAPH_UNKNOWN_NODE') console.warn(e.node); }
 * ```
 */
export class GraphError extends HomeostatError<GraphErrorCode> {
  /** The node the operation was about, when there is one. */
  readonly node: string | undefined;

  constructor(
    code: GraphErrorCode,
    message: string,
    options: HomeostatErrorOptions & { readonly node?: string } = {},
  ) {
    super(code, message, options);
    this.node = options.node;
  }
}

/** Error codes raised by {@link StoreError}. */
export type StoreErrorCode = 'STORE_IO_FAILED' | 'SNAPSHOT_INVALID';

/**
 * Reading or writing a knowledge snapshot failed (`STORE_IO_FAILED`), or a snapshot read back
 * does not have the expected shape (`SNAPSHOT_INVALID`).
 *
 * @example
 * ```ts
 * try { await memory.load(); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'SNAPSHOT_INVALID') startFresh(); }
 * ```
 */
export class StoreError extends HomeostatError<StoreErrorCode> {
  /** The file or store location involved, when known. */
  readonly location: string | undefined;

  constructor(
    code: StoreErrorCode,
    message: string,
    options: HomeostatErrorOptions & { readonly location?: string } = {},
  ) {
    super(code, message, options);
    this.location = options.location;
  }
}
