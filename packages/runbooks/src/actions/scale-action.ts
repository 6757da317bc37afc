import { z } from 'zod';
import { defineAction, type Action } from '../action.js';

/** Scales something (deployment, pool, worker group); the host implements it. */
export interface Scaler {
  /** Current replica count of `target`. */
  getReplicas(target: string, signal: AbortSignal): Promise<number> | number;
  /** Sets the replica count of `target`. */
  setReplicas(target: string, replicas: number, signal: AbortSignal): Promise<void> | void;
}

/** Options of {@link scaleAction}. */
export interface ScaleActionOptions {
  /** Action name; default `scale`. */
  readonly name?: string;
  /** Never scale below this. Default 0. */
  readonly minReplicas?: number;
  /** Never scale above this. Default 1000. */
  readonly maxReplicas?: number;
}

const paramsSchema = z
  .strictObject({
    /** What to scale, as the host's {@link Scaler} names it (non-empty). */
    target: z.string().min(1),
    /**
     * Replica count to set (integer ≥ 0), clamped to `[minReplicas, maxReplicas]`. Give this or
     * `delta`.
     */
    replicas: z.number().int().min(0).optional(),
    /**
     * Change to the current replica count (integer, negative to scale in), clamped to
     * `[minReplicas, maxReplicas]`. Give this or `replicas`.
     */
    delta: z.number().int().optional(),
  })
  .refine((p) => (p.replicas === undefined) !== (p.delta === undefined), {
    message: 'give exactly one of "replicas" or "delta"',
  });

/**
 * Scaling through a host {@link Scaler}: params `{ target, replicas }` or `{ target, delta }`,
 * clamped to `[minReplicas, maxReplicas]`. Undo restores the count seen before.
 *
 * @throws {TypeError} when the scaler lacks a method or the bounds are invalid.
 * @example
 * ```ts
 * const scale = scaleAction({ getReplicas: (t) => k8s.replicas(t), setReplicas: (t, n) => k8s.scale(t, n) });
 * ```
 */
export function scaleAction(scaler: Scaler, options: ScaleActionOptions = {}): Action {
  if (
    !scaler ||
    typeof scaler.getReplicas !== 'function' ||
    typeof scaler.setReplicas !== 'function'
  ) {
    throw new TypeError(
      'scaleAction: scaler must have getReplicas(target) and setReplicas(target, n)',
    );
  }
  const min = options.minReplicas ?? 0;
  const max = options.maxReplicas ?? 1000;
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
    throw new TypeError(
      `scaleAction: need integers 0 ≤ minReplicas ≤ maxReplicas, got ${min}..${max}`,
    );
  }
  return defineAction({
    name: options.name ?? 'scale',
    description: 'Sets or changes the replica count of a target through the host Scaler.',
    params: paramsSchema,
    async run({ target, replicas, delta }, { signal }) {
      const previous = await scaler.getReplicas(target, signal);
      const wanted = replicas ?? previous + (delta ?? 0);
      const next = Math.min(max, Math.max(min, wanted));
      await scaler.setReplicas(target, next, signal);
      return { detail: `scaled ${target} ${previous} → ${next}`, data: { previous, next } };
    },
    async undo({ target }, { signal, result }) {
      const previous = (result?.data as { previous?: unknown } | undefined)?.previous;
      if (typeof previous !== 'number')
        return { ok: false, detail: 'no previous replica count to restore' };
      await scaler.setReplicas(target, previous, signal);
      return { detail: `restored ${target} to ${previous}` };
    },
  });
}
