// Builders shared by this package's tests (not exported from the package).
import { z } from 'zod';
import type { Decision, Incident } from '@homeostat/core';
import { defineAction, type Action, type ActionContext } from '../action.js';

/** An incident on `resource`. */
export function incidentOn(resource: string, extra: Partial<Incident> = {}): Incident {
  return {
    id: `inc-${resource}`,
    resource,
    symptoms: [],
    severity: 'error',
    openedAt: 0,
    labels: {},
    ...extra,
  };
}

let decisions = 0;

/** A decision to run `runbook` against `resource`. */
export function decide(
  runbook: string,
  resource = 'svc-a',
  extra: Partial<Decision> = {},
): Decision {
  decisions++;
  return {
    id: `d-${decisions}`,
    incident: incidentOn(resource),
    verdict: 'execute',
    runbook,
    confidence: 0.9,
    risk: 0.1,
    rationale: ['test'],
    ...extra,
  };
}

/** A call an action saw. */
export interface Call {
  readonly action: string;
  readonly params: unknown;
  readonly target: string;
  readonly attempt: number;
  readonly kind: 'run' | 'undo';
}

/** Actions whose behaviour is set per test, recording every call. */
export function recordingActions(): {
  calls: Call[];
  ok: Action;
  fail: Action;
  flaky: (failures: number) => Action;
  custom: (
    name: string,
    run: (params: unknown, ctx: ActionContext) => unknown,
    readOnly?: boolean,
  ) => Action;
} {
  const calls: Call[] = [];
  const params = z.record(z.string(), z.unknown());
  const record = (
    action: string,
    kind: 'run' | 'undo',
    at: { p: unknown; ctx: ActionContext },
  ): void => {
    calls.push({ action, params: at.p, target: at.ctx.target, attempt: at.ctx.attempt, kind });
  };
  const ok = defineAction({
    name: 'ok',
    params,
    run: (p, ctx) => {
      record('ok', 'run', { p, ctx });
      return { detail: 'done' };
    },
    undo: (p, ctx) => {
      record('ok', 'undo', { p, ctx });
    },
  });
  const fail = defineAction({
    name: 'fail',
    params,
    run: (p, ctx) => {
      record('fail', 'run', { p, ctx });
      throw new Error('boom');
    },
  });
  const flaky = (failures: number): Action => {
    let left = failures;
    return defineAction({
      name: 'flaky',
      params,
      run: (p, ctx) => {
        record('flaky', 'run', { p, ctx });
        if (left-- > 0) throw new Error('transient');
        return { detail: 'finally' };
      },
    });
  };
  const custom = (
    name: string,
    run: (p: unknown, ctx: ActionContext) => unknown,
    readOnly = false,
  ): Action =>
    defineAction({
      name,
      params,
      readOnly,
      run: (p, ctx) => {
        record(name, 'run', { p, ctx });
        return run(p, ctx) as never;
      },
    });
  return { calls, ok, fail, flaky, custom };
}
