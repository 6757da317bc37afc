import type { z } from 'zod';
import type { Decision, Incident } from '@homeostat/core';

/** What an action may return: nothing, or a small JSON-serialisable report. */
export interface ActionResult {
  /** `false` marks a failed probe or a refused operation; default `true`. */
  readonly ok?: boolean;
  /** A one-line human summary, copied into the audit log. */
  readonly detail?: string;
  /** Data kept for `undo` (for example the replica count before scaling). JSON only. */
  readonly data?: unknown;
}

/** What an action's `run` and `undo` receive besides their params. */
export interface ActionContext {
  /** Aborted when the step times out or the executor gives up; pass it to fetch, execFile… */
  readonly signal: AbortSignal;
  /** The target of this invocation (the first target when the step is not per-target). */
  readonly target: string;
  /** Every target of the run. */
  readonly targets: readonly string[];
  /** Id of the run this call belongs to; every audit record of the run carries it. */
  readonly runId: string;
  /** Id of the runbook being run. */
  readonly runbook: string;
  /**
   * Step label: the step's `name` (default `<n>:<action>`), `name@target` per target,
   * `precondition`, `verify`, or `undo:<name>` in a rollback.
   */
  readonly step: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The incident the decision is about. */
  readonly incident: Incident;
  /** The decision being executed. */
  readonly decision: Decision;
  /** True in a dry run (only read-only actions are called then). */
  readonly dryRun: boolean;
}

/** What `undo` receives: the context plus the result the `run` it undoes returned. */
export interface UndoContext extends ActionContext {
  /** What the `run` being undone returned; `undefined` when it returned nothing. */
  readonly result: ActionResult | undefined;
}

/** The definition of an action, as given to {@link defineAction}. */
export interface ActionDefinition<TSchema extends z.ZodType> {
  /** Name that runbook steps refer to. */
  readonly name: string;
  /** A one-line description for people. Default `''`. */
  readonly description?: string;
  /** zod schema of the params, checked after templates are rendered and before `run`. */
  readonly params: TSchema;
  /** Does the work. Must honour `ctx.signal`. */
  run(
    params: z.output<TSchema>,
    ctx: ActionContext,
  ): Promise<ActionResult | void> | ActionResult | void;
  /** Reverses `run`; used by rollbacks. */
  undo?(
    params: z.output<TSchema>,
    ctx: UndoContext,
  ): Promise<ActionResult | void> | ActionResult | void;
  /** True when the action changes nothing: only such actions run in a dry run. Default false. */
  readonly readOnly?: boolean;
}

/** A registered action, type-erased for the registry. */
export interface Action {
  /** Name that runbook steps refer to (unique within a registry). */
  readonly name: string;
  /** A one-line description for people; `''` when none was given. */
  readonly description: string;
  /** True when the action changes nothing: only such actions run in a dry run. */
  readonly readOnly: boolean;
  /** zod schema of the params, checked after templates are rendered and before `run`. */
  readonly params: z.ZodType;
  /** True when the action has its own `undo`. */
  readonly hasUndo: boolean;
  /** Does the work, with params already checked against `params`. Must honour `ctx.signal`. */
  run(params: unknown, ctx: ActionContext): Promise<ActionResult | void> | ActionResult | void;
  /** Reverses `run`, for rollbacks; absent when the action has none. */
  undo?(params: unknown, ctx: UndoContext): Promise<ActionResult | void> | ActionResult | void;
}

/**
 * Defines a typed action that runbook steps can call by name.
 *
 * @throws {TypeError} when the name is empty or `params` is not a zod schema.
 * @example
 * ```ts
 * const flushCache = defineAction({
 *   name: 'cache.flush',
 *   params: z.object({ region: z.string() }),
 *   run: async ({ region }, { signal }) => {
 *     await cache.flush(region, { signal });
 *     return { detail: `flushed ${region}` };
 *   },
 * });
 * ```
 */
export function defineAction<TSchema extends z.ZodType>(
  definition: ActionDefinition<TSchema>,
): Action {
  const { name, params } = definition;
  const run = definition.run.bind(definition);
  const undo = definition.undo?.bind(definition);
  if (typeof name !== 'string' || name.trim() === '')
    throw new TypeError('defineAction: name must be a non-empty string');
  if (!params || typeof (params as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`defineAction(${name}): params must be a zod schema`);
  }
  if (typeof definition.run !== 'function')
    throw new TypeError(`defineAction(${name}): run must be a function`);
  const action: Action = {
    name,
    description: definition.description ?? '',
    readOnly: definition.readOnly ?? false,
    params,
    hasUndo: typeof undo === 'function',
    run: (p, ctx) => run(p as z.output<TSchema>, ctx),
    ...(typeof undo === 'function'
      ? {
          undo: (p: unknown, ctx: UndoContext) => undo(p as z.output<TSchema>, ctx),
        }
      : {}),
  };
  return Object.freeze(action);
}
