import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/** Where inside the sidecar a failure happened. */
export type SidecarStage =
  | 'admit'
  | 'observe'
  | 'aggregate'
  | 'endpoint'
  | 'overload-check'
  | 'outgoing'
  | 'fault'
  | 'timeout';

/**
 * A failure inside the sidecar itself, reported through `deps.onError`. The request it happened
 * on was still served: the sidecar fails open.
 *
 * @example
 * ```ts
 * createSidecar({}, { onError: (e) => { if (e.code === 'SIDECAR_FAILED') log(e.message); } });
 * ```
 */
export class SidecarError extends HomeostatError<'SIDECAR_FAILED'> {
  /** The part of the sidecar that failed. */
  readonly stage: SidecarStage;

  constructor(stage: SidecarStage, options: HomeostatErrorOptions = {}) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      'SIDECAR_FAILED',
      `sidecar failed in ${stage} (request served anyway): ${reason}`,
      options,
    );
    this.stage = stage;
  }
}
