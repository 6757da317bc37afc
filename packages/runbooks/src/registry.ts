import { ConfigError, toIssues, type Issue } from '@homeostat/core';
import type { Action } from './action.js';
import type { Runbook } from './runbook.js';

/** Runbooks and the actions their steps call, checked against each other. */
export interface RunbookRegistry {
  /** The runbook with this id, if registered. */
  get(id: string): Runbook | undefined;
  /** The action with this name, if registered. */
  action(name: string): Action | undefined;
  /** Every registered runbook, in the order given. */
  readonly runbooks: readonly Runbook[];
  /** Every registered action, in the order given. */
  readonly actions: readonly Action[];
}

/** What {@link createRunbookRegistry} takes. */
export interface RunbookRegistryInput {
  /**
   * The runbooks (from {@link defineRunbook}, {@link loadRunbookDir} or {@link parseRunbooks}); ids
   * must be unique.
   */
  readonly runbooks: readonly Runbook[];
  /** The actions the runbooks call (from {@link defineAction}); names must be unique. */
  readonly actions: readonly Action[];
}

function hasTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{');
  if (Array.isArray(value)) return value.some(hasTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasTemplate);
  return false;
}

/**
 * Registers runbooks with the actions they call, and checks that every step, undo, probe and
 * precondition names a registered action, that probes are read-only, and that params without
 * templates already satisfy the action's schema.
 *
 * @throws {ConfigError} naming the runbook (`source`) and the path (`steps.2.action`) of every
 * problem; also for duplicate runbook ids or action names.
 * @example
 * ```ts
 * const registry = createRunbookRegistry({ runbooks: await loadRunbookDir('runbooks'), actions: [scaleAction(scaler)] });
 * ```
 */
export function createRunbookRegistry(input: RunbookRegistryInput): RunbookRegistry {
  const actions = new Map<string, Action>();
  for (const [i, a] of input.actions.entries()) {
    if (!a || typeof a.name !== 'string' || typeof a.run !== 'function') {
      throw new ConfigError(
        [{ path: `actions.${i}`, message: 'not an action (use defineAction)' }],
        { source: 'createRunbookRegistry' },
      );
    }
    if (actions.has(a.name)) {
      throw new ConfigError(
        [{ path: `actions.${i}.name`, message: `duplicate action name "${a.name}"` }],
        { source: 'createRunbookRegistry' },
      );
    }
    actions.set(a.name, a);
  }
  const runbooks = new Map<string, Runbook>();
  for (const rb of input.runbooks) {
    const issues: Issue[] = [];
    if (runbooks.has(rb.id))
      issues.push({ path: 'id', message: `duplicate runbook id "${rb.id}"` });
    const checkCall = (
      path: string,
      { action: name, params }: { action: string; params: Record<string, unknown> },
      mustBeReadOnly: boolean,
    ): void => {
      const action = actions.get(name);
      if (!action) {
        issues.push({
          path: `${path}.action`,
          message: `unknown action "${name}" (registered: ${[...actions.keys()].join(', ') || 'none'})`,
        });
        return;
      }
      if (mustBeReadOnly && !action.readOnly)
        issues.push({
          path: `${path}.action`,
          message: `action "${name}" is not read-only, so it cannot be a probe`,
        });
      if (!hasTemplate(params)) {
        const r = action.params.safeParse(params);
        if (!r.success)
          for (const issue of toIssues(r.error))
            issues.push({
              path: [path, 'params', issue.path].filter(Boolean).join('.'),
              message: issue.message,
            });
      }
    };
    rb.steps.forEach((s, i) => {
      checkCall(`steps.${i}`, s, false);
      if (s.undo) checkCall(`steps.${i}.undo`, s.undo, false);
    });
    rb.preconditions.forEach((p, i) => {
      if (p.kind === 'probe') checkCall(`preconditions.${i}`, p, true);
    });
    if (rb.verify?.kind === 'probe') checkCall('verify', rb.verify, true);
    if (issues.length > 0) throw new ConfigError(issues, { source: `runbook ${rb.id}` });
    runbooks.set(rb.id, rb);
  }
  return {
    get: (id) => runbooks.get(id),
    action: (name) => actions.get(name),
    runbooks: [...runbooks.values()],
    actions: [...actions.values()],
  };
}
