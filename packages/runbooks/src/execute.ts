import { Observable, type OperatorFunction } from 'rxjs';
import { resolveOnError, type Decision, type Outcome } from '@homeostat/core';
import { ExecutorError } from './errors.js';
import {
  createExecutor,
  type Executor,
  type ExecutorDeps,
  type ExecutorOptions,
} from './executor.js';
import type { RunbookRegistry } from './registry.js';
import { messageOf } from './internal/result.js';

/** Deps of {@link execute}: the executor's capabilities plus its (plain-data) options. */
export interface ExecuteDeps extends ExecutorDeps {
  /** Executor options (concurrency, queue bound, rate limit, dry run…) when `execute` creates it. */
  readonly options?: ExecutorOptions;
}

function isExecutor(value: RunbookRegistry | Executor): value is Executor {
  return (
    typeof (value as Executor).run === 'function' && typeof (value as Executor).stats === 'function'
  );
}

/**
 * The Execute stage: each Decision becomes a guarded, verified, rolled-back and audited run, and
 * its Outcome is emitted when the run ends (so outcomes may come out of order).
 *
 * @param registry - Runbooks and actions, or an {@link Executor} to share its locks and limits.
 * @remarks Runs go in parallel up to `options.concurrency`; runs on one target are serialised in
 * arrival order; beyond `options.maxQueued` waiting decisions, new ones are blocked (counted).
 * `ignore` and `escalate` verdicts are audited and emit nothing. The operator completes when the
 * source has completed and every run has ended. Unsubscribing does not abort runs in flight:
 * they finish and are audited, but their outcomes are not emitted. Upstream errors pass through.
 * @throws {ConfigError} on invalid options (when `execute` creates the executor).
 * @example
 * ```ts
 * decisions$.pipe(execute(registry, { approvals, audit: createFileAudit('audit.jsonl') })).subscribe(learn);
 * ```
 */
export function execute(
  registry: RunbookRegistry | Executor,
  deps: ExecuteDeps = {},
): OperatorFunction<Decision, Outcome> {
  const executor = isExecutor(registry)
    ? registry
    : createExecutor(registry, deps.options ?? {}, deps);
  const onError = resolveOnError(deps);
  return (source) =>
    new Observable<Outcome>((subscriber) => {
      let active = 0;
      let sourceDone = false;
      const settle = (): void => {
        active--;
        if (sourceDone && active === 0) subscriber.complete();
      };
      const subscription = source.subscribe({
        next(decision) {
          active++;
          executor.run(decision).then(
            (outcome) => {
              if (outcome && !subscriber.closed) subscriber.next(outcome);
              settle();
            },
            (cause: unknown) => {
              onError(
                new ExecutorError(
                  String((decision as Partial<Decision> | undefined)?.id),
                  `run rejected: ${messageOf(cause)}`,
                  { cause },
                ),
              );
              settle();
            },
          );
        },
        error: (err: unknown) => subscriber.error(err),
        complete() {
          sourceDone = true;
          if (active === 0) subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}
