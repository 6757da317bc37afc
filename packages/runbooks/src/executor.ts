import { randomBytes } from 'node:crypto';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import {
  parseOptions,
  resolveOnError,
  severityRank,
  toIssues,
  type Decision,
  type Labels,
  type Logger,
  type OnError,
  type Outcome,
  type OutcomeStatus,
  type StepOutcome,
} from '@homeostat/core';
import type { Action, ActionContext, ActionResult } from './action.js';
import type { ApprovalIdentity, Approvals } from './approvals.js';
import { createMemoryAudit, type AuditEntry, type AuditSink, type AuditType } from './audit.js';
import { ExecutorError } from './errors.js';
import { createMemoryLock, type Lock, type LockLease } from './lock.js';
import type { RunbookRegistry } from './registry.js';
import {
  paramsSchemaOf,
  type Precondition,
  type Runbook,
  type RunbookStep,
  type Verification,
} from './runbook.js';
import { durationSchema, timerDurationSchema } from './internal/duration.js';
import { CooldownStore, KeyedMutex, Semaphore, SlidingWindow } from './internal/limits.js';
import { checkResult, messageOf } from './internal/result.js';
import { openSharedFileAudit } from './internal/shared-file-audit.js';
import { render } from './internal/template.js';
import { delay, within } from './internal/timers.js';

/** zod schema of {@link ExecutorOptions}. */
export const executorOptionsSchema = z.strictObject({
  /** Runs executing at once, across all targets (1–10,000). Default 8. */
  concurrency: z.number().int().min(1).max(10_000).default(8),
  /**
   * Decisions that may wait (for a target or a slot) beyond `concurrency` (0–1,000,000); more
   * are blocked (`queue_full`). Default 1,000.
   */
  maxQueued: z.number().int().min(0).max(1_000_000).default(1000),
  /**
   * Global rate limit over all runbooks: at most `count` runs per sliding `window`. None when
   * absent.
   */
  rateLimit: z
    .strictObject({
      /** Most runs started within any `window` (integer ≥ 1); more are blocked. */
      count: z.number().int().min(1),
      /** Length of the sliding window: ms, or a string like `"1m"`. */
      window: durationSchema,
    })
    .optional(),
  /**
   * Plan and run only read-only actions, for every decision (a decision can also ask with
   * `dryRun`). Default `false`.
   */
  dryRun: z.boolean().default(false),
  /**
   * How long a timed-out action gets to stop after its signal is aborted: ms, or a string like
   * `"1s"`. Default 1 s. An action still running then stops the run and keeps its targets locked
   * until it settles.
   */
  abortGrace: timerDurationSchema.default(1000),
  /**
   * Bound on remembered per-target cooldowns (integer ≥ 1); past it an expired entry is dropped,
   * else the oldest (counted in `cooldownEvictions`). Default 10,000.
   */
  maxCooldownEntries: z.number().int().min(1).default(10_000),
  /**
   * Append-only JSONL audit file, when no `audit` sink is passed in deps. Executors of one process
   * that name the same file (same resolved path) share one writer, so the hash chain stays
   * intact; it is closed when the last of them is closed.
   */
  auditFile: z.string().min(1).optional(),
  /**
   * How long each inventory or metric read may take: ms, or a string like `"10s"`. Default 10 s;
   * a slower read counts as failed.
   */
  readTimeout: timerDurationSchema.default(10_000),
});

/** Executor options (plain data). */
export type ExecutorOptions = z.input<typeof executorOptionsSchema>;

/** A target the host knows about, for label selectors. */
export interface Target {
  /** Target name, as actions receive it in `ctx.target`. */
  readonly name: string;
  /**
   * Labels matched by runbook selectors (each selector value must equal the label, as a string).
   */
  readonly labels: Labels;
}

/** The host's list of targets, used to resolve runbook selectors. */
export interface Inventory {
  /**
   * Every target the host knows; read once per run whose runbook has a selector, within
   * `readTimeout` (then `signal` aborts).
   */
  list(signal: AbortSignal): readonly Target[] | Promise<readonly Target[]>;
}

/** Reads a metric for verifications and metric preconditions (for example from Prometheus). */
export interface MetricReader {
  /**
   * The current value of `query` (for `context.target`), within `readTimeout` (then
   * `context.signal` aborts).
   */
  read(
    query: string,
    context: {
      readonly target: string;
      readonly targets: readonly string[];
      readonly signal: AbortSignal;
    },
  ): number | Promise<number>;
}

/** Something a human must look at now. */
export interface Escalation {
  /** Why a person must look, in words. */
  readonly reason: string;
  /** The decision concerned. */
  readonly decision: Decision;
  /** The run concerned. */
  readonly runId: string;
}

/** What a run would do: printed in dry runs. */
export interface RunPlan {
  /** Id of the run. */
  readonly runId: string;
  /** Id of the runbook. */
  readonly runbook: string;
  /** Id of the decision. */
  readonly decisionId: string;
  /** Targets the run resolved (selector matches, or the incident's resource). */
  readonly targets: readonly string[];
  /** The decision's params after the runbook's param schema (defaults applied). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Each step in order, with params rendered for the first target. */
  readonly steps: readonly {
    /** Step name (default `<n>:<action>`). */
    readonly step: string;
    /** Name of the action the step calls. */
    readonly action: string;
    /** True when the action is read-only: it runs in a dry run; others are skipped. */
    readonly readOnly: boolean;
    /** Params rendered for the first target, or `(cannot render: …)`. */
    readonly params: unknown;
  }[];
  /** The runbook's verification, if any. */
  readonly verify: Verification | undefined;
  /** True when a real run would wait for approval (an `approve` verdict or `approval.required`). */
  readonly approvalRequired: boolean;
}

/** Capabilities of the executor. */
export interface ExecutorDeps {
  /** Time and timers (timeouts, backoff, verification, approval expiry). Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Where audit records go. Default: `options.auditFile`, else a bounded in-memory log (with a warning). */
  readonly audit?: AuditSink;
  /** Per-target lock. Default: in-memory. */
  readonly lock?: Lock;
  /**
   * Asked when a runbook or an `approve` verdict needs a person; without it such runs are rejected.
   */
  readonly approvals?: Approvals;
  /**
   * Resolves runbook target selectors; without it a runbook with `targets` is blocked
   * (`blast_radius`).
   */
  readonly inventory?: Inventory;
  /**
   * Reads metrics for metric preconditions and verifications; without it a metric precondition
   * blocks the run and a metric verification fails.
   */
  readonly metrics?: MetricReader;
  /** Receives each dry-run plan and its text. Default: `console.log` of the text. */
  readonly onPlan?: (plan: RunPlan, text: string) => void;
  /**
   * Told about expired approvals, `escalate` verdicts, failed rollbacks, and rollbacks not run
   * because an action ignored its abort signal and is still running.
   */
  readonly onEscalate?: (escalation: Escalation) => void;
  /**
   * Receives isolated errors (a throwing `onPlan` or `onEscalate`, an executor failure). Default:
   * log through `logger`.
   */
  readonly onError?: OnError;
  /** Used by the default `onError` and for the in-memory-audit warning. Default: `console`. */
  readonly logger?: Logger;
}

/** Counters of an executor. */
export interface ExecutorStats {
  /** Decisions handed to `run`. */
  readonly received: number;
  /** Runs executing now (holding a concurrency slot). */
  readonly running: number;
  /** Runs waiting now for their targets or a slot. */
  readonly queued: number;
  /** Outcomes returned, by status. */
  readonly outcomes: Readonly<Record<OutcomeStatus, number>>;
  /** Why runs were blocked, by reason. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Actions that ignored their abort signal; their targets stay locked until they settle. */
  readonly hungActions: number;
  /** Per-target cooldowns forgotten because `maxCooldownEntries` was reached. */
  readonly cooldownEvictions: number;
}

/** Runs decisions; share one between `execute` operators to share its limits and locks. */
export interface Executor {
  /** Handles one decision. Never rejects; resolves `undefined` for `ignore` and `escalate` verdicts. */
  run(decision: Decision): Promise<Outcome | undefined>;
  /** A snapshot of the counters (a new object on each call). */
  stats(): ExecutorStats;
  /**
   * Stops taking decisions, lets the runs in flight end, then waits for the audit sink to flush
   * and closes it (a shared `auditFile` stays open until the last executor using it is closed).
   *
   * @remarks A run that has started acting runs to its end, audited as usual (its steps and
   * verification are bounded by their timeouts). A run that has not started acting yet ends
   * `blocked` (reason `closed`) when it would start, and one waiting for approval ends
   * `rejected` at once: its approval request stays pending in the approvals service, and a
   * verdict given later is ignored. A decision given to `run` after `close` resolves `blocked`
   * (reason `closed`) without being recorded. Calling `close` again returns the same promise.
   */
  close(): Promise<void>;
}

/** Formats a plan as readable text. */
export function formatPlan(plan: RunPlan): string {
  const lines = [
    `plan ${plan.runId}: runbook ${plan.runbook} for decision ${plan.decisionId}`,
    `  targets: ${plan.targets.join(', ') || '(none)'}`,
    `  params: ${JSON.stringify(plan.params)}`,
    ...plan.steps.map(
      (s, i) =>
        `  ${i + 1}. ${s.step}: ${s.action} ${JSON.stringify(s.params)}${s.readOnly ? ' (read-only, runs)' : ' (skipped in dry run)'}`,
    ),
    `  verify: ${plan.verify ? JSON.stringify(plan.verify) : '(none)'}`,
    `  approval: ${plan.approvalRequired ? 'required' : 'not required'}`,
  ];
  return lines.join('\n');
}

class Blocked extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

type Rec = (type: AuditType, extra?: Omit<AuditEntry, 'type' | 'runId'>) => Promise<void>;
type CtxFor = (
  at: { step: string; target: string; attempt: number },
  signal: AbortSignal,
) => ActionContext;
type Done = {
  step: RunbookStep;
  name: string;
  action: Action;
  params: unknown;
  target: string;
  result: ActionResult | undefined;
  index: number;
};

type Attempt = {
  status: 'succeeded' | 'failed' | 'timed_out';
  error?: string;
  result?: ActionResult;
  /** Set when the action did not settle within the abort grace: it may still be running. */
  hung?: Promise<unknown>;
};

/**
 * Creates an executor: Decision → guarded, verified, rolled-back and audited run → Outcome.
 *
 * @remarks Every decision passes, in order: runbook and params check → preconditions → target
 * resolution and blast-radius guard → rate limits and cooldown → approval (when required) →
 * per-target serialisation and `Lock` → steps with timeout, retries and on-failure policy →
 * verification → rollback in reverse on failed verification. Every stage is audited; audit
 * records that precede an action are durable before it starts. A throwing, hanging or
 * garbage-returning action becomes a step failure in the Outcome.
 * @throws {ConfigError} on invalid options.
 * @example
 * ```ts
 * const executor = createExecutor(registry, { concurrency: 4 }, { audit: createFileAudit('audit.jsonl') });
 * const outcome = await executor.run(decision);
 * ```
 */
export function createExecutor(
  registry: RunbookRegistry,
  options: ExecutorOptions = {},
  deps: ExecutorDeps = {},
): Executor {
  const opts = parseOptions(executorOptionsSchema, options, { source: 'createExecutor' });
  const scheduler = deps.scheduler ?? asyncScheduler;
  const onError = resolveOnError(deps);
  const logger = deps.logger ?? console;
  let audit = deps.audit;
  if (!audit && opts.auditFile) audit = openSharedFileAudit(opts.auditFile, scheduler);
  if (!audit) {
    audit = createMemoryAudit({}, { clock: scheduler });
    try {
      logger.warn(
        '[homeostat] runbooks executor: no audit sink or auditFile given; keeping audit records in memory only',
      );
    } catch {
      // a broken logger must not stop the executor
    }
  }
  const sink = audit;
  const lock = deps.lock ?? createMemoryLock();
  const onPlan =
    deps.onPlan ??
    ((_plan: RunPlan, text: string) => {
      console.log(text);
    });
  const escalate = (e: Escalation): void => {
    try {
      deps.onEscalate?.(e);
    } catch (cause) {
      onError(new ExecutorError(e.decision.id, `onEscalate threw: ${messageOf(cause)}`, { cause }));
    }
  };

  const mutex = new KeyedMutex();
  const slots = new Semaphore(opts.concurrency);
  const globalWindow = opts.rateLimit
    ? new SlidingWindow(opts.rateLimit.count, opts.rateLimit.window)
    : undefined;
  const runbookWindows = new Map<string, SlidingWindow>();
  const cooldowns = new CooldownStore(opts.maxCooldownEntries);
  // Run ids must be unique across executors and restarts that share one audit log.
  const instance = randomBytes(4).toString('hex');
  let counter = 0;
  let received = 0;
  let running = 0;
  let queued = 0;
  let admitted = 0;
  let hungActions = 0;
  const outcomes: Record<OutcomeStatus, number> = {
    succeeded: 0,
    failed: 0,
    rolled_back: 0,
    blocked: 0,
    timed_out: 0,
    rejected: 0,
  };
  const blocked: Record<string, number> = {};
  // Closing: runs in flight (each run's promise, which never rejects), and what wakes the runs
  // waiting for approval (one per waiting run, removed when it stops waiting).
  let closing = false;
  let closed: Promise<void> | undefined;
  const inflight = new Set<Promise<unknown>>();
  const approvalWaiters = new Set<() => void>();

  const windowOf = (rb: Runbook): SlidingWindow | undefined => {
    if (!rb.maxRuns) return undefined;
    let w = runbookWindows.get(rb.id);
    if (!w) {
      w = new SlidingWindow(rb.maxRuns.count, rb.maxRuns.window);
      runbookWindows.set(rb.id, w); // bounded by the number of registered runbooks
    }
    return w;
  };

  function checkLimits(rb: Runbook, targets: readonly string[]): void {
    const now = scheduler.now();
    if (globalWindow && !globalWindow.allows(now)) {
      throw new Blocked(
        'rate_limited',
        `global rate limit of ${globalWindow.count} runs per ${globalWindow.windowMs} ms reached (retry in ${globalWindow.retryInMs(now)} ms)`,
      );
    }
    const w = windowOf(rb);
    if (w && !w.allows(now)) {
      throw new Blocked(
        'runbook_rate_limited',
        `runbook ${rb.id} already ran ${w.count} times in ${w.windowMs} ms (retry in ${w.retryInMs(now)} ms)`,
      );
    }
    for (const t of targets) {
      const left = cooldowns.remaining(`${rb.id}\u0000${t}`, now);
      if (left > 0)
        throw new Blocked(
          'cooldown',
          `target ${t} is cooling down after ${rb.id} for another ${left} ms`,
        );
    }
  }

  async function readWithTimeout<T>(
    fn: (signal: AbortSignal) => T | Promise<T>,
    what: string,
  ): Promise<T> {
    const controller = new AbortController();
    const r = await within(
      scheduler,
      Promise.resolve().then(() => fn(controller.signal)),
      opts.readTimeout,
    );
    if (!r.settled) {
      controller.abort();
      throw new Error(`${what} did not answer within ${opts.readTimeout} ms`);
    }
    if (r.value.status === 'rejected')
      throw new Error(`${what} failed: ${messageOf(r.value.reason)}`);
    return r.value.value;
  }

  async function handle(
    decision: Decision,
    runId: string,
    t0: number,
  ): Promise<Outcome | undefined> {
    const steps: StepOutcome[] = [];
    let verified = false;
    const base = {
      runId,
      decisionId: decision.id,
      ...(decision.runbook === undefined ? {} : { runbook: decision.runbook }),
    };
    const rec: Rec = async (type, extra = {}) => {
      await sink.append({ ...base, ...extra, type });
    };
    const finish = async (status: OutcomeStatus, error?: string): Promise<Outcome> => {
      const t = scheduler.now();
      const outcome: Outcome = {
        decision,
        status,
        verified,
        steps: steps.slice(),
        durationMs: Math.max(0, t - t0),
        t,
        ...(error === undefined ? {} : { error }),
      };
      await rec('run.finished', {
        data: {
          status,
          verified,
          durationMs: outcome.durationMs,
          steps: steps.length,
          ...(error === undefined ? {} : { error }),
        },
      });
      // Counted once written: a failed write makes the run `failed`, counted where that is
      // handled.
      outcomes[status]++;
      return outcome;
    };

    await rec('decision.received', {
      data: {
        verdict: decision.verdict,
        incident: decision.incident.id,
        resource: decision.incident.resource,
        confidence: decision.confidence,
        risk: decision.risk,
        params: decision.params ?? {},
        dryRun: decision.dryRun === true || opts.dryRun,
      },
    });
    if (decision.verdict === 'ignore') {
      await rec('run.finished', { data: { status: 'ignored' } });
      return undefined;
    }
    if (decision.verdict === 'escalate') {
      escalate({ reason: 'the decision verdict is escalate', decision, runId });
      await rec('run.finished', { data: { status: 'escalated' } });
      return undefined;
    }
    if (decision.runbook === undefined) return finish('rejected', 'the decision names no runbook');
    const rb = registry.get(decision.runbook);
    if (!rb) return finish('rejected', `unknown runbook "${decision.runbook}"`);
    const parsed = paramsSchemaOf(rb).safeParse(decision.params ?? {});
    if (!parsed.success) {
      return finish(
        'rejected',
        `invalid params for ${rb.id}: ${toIssues(parsed.error)
          .map((i) => `${i.path || '(root)'}: ${i.message}`)
          .join('; ')}`,
      );
    }
    const params = parsed.data;
    const incident = decision.incident;
    const dryRun = decision.dryRun === true || opts.dryRun;
    const vars = (targets: readonly string[], target: string): Record<string, unknown> => ({
      params,
      incident: {
        id: incident.id,
        resource: incident.resource,
        severity: incident.severity,
        labels: incident.labels,
        annotations: incident.annotations ?? {},
      },
      targets,
      target,
      runId,
      runbook: rb.id,
    });

    const blockedOutcome = async (b: Blocked): Promise<Outcome> => {
      blocked[b.reason] = (blocked[b.reason] ?? 0) + 1;
      return finish('blocked', `${b.reason}: ${b.message}`);
    };

    // Static preconditions and target resolution (the blast-radius guard).
    let targets: string[];
    // Everything an action will see as its `target` (with zero allowed targets, the resource):
    // what is locked, cooled down and shown to the approver.
    let keys: string[];
    try {
      for (const p of rb.preconditions) checkStaticPrecondition(p, decision);
      targets = await resolveTargets(rb, vars([], incident.resource));
      // Sorted: every run takes its locks in one order, so two runs cannot deadlock.
      keys = [...new Set(targets.length > 0 ? targets : [incident.resource])].sort();
      await rec('plan', { data: { targets, params } });
      if (!dryRun) checkLimits(rb, keys);
    } catch (e) {
      if (e instanceof Blocked) return blockedOutcome(e);
      throw e;
    }
    const first = targets[0] ?? incident.resource;

    const ctxFor: CtxFor = ({ step, target, attempt }, signal) => ({
      signal,
      target,
      targets,
      runId,
      runbook: rb.id,
      step,
      attempt,
      incident,
      decision,
      dryRun,
    });

    if (dryRun) {
      const plan: RunPlan = {
        runId,
        runbook: rb.id,
        decisionId: decision.id,
        targets,
        params,
        steps: rb.steps.map((s, i) => {
          const action = registry.action(s.action);
          let rendered: unknown;
          try {
            rendered = render(s.params, vars(targets, first));
          } catch (e) {
            rendered = `(cannot render: ${messageOf(e)})`;
          }
          return {
            step: stepName(s, i),
            action: s.action,
            readOnly: action?.readOnly ?? false,
            params: rendered,
          };
        }),
        verify: rb.verify,
        approvalRequired: decision.verdict === 'approve' || rb.approval?.required === true,
      };
      try {
        onPlan(plan, formatPlan(plan));
      } catch (cause) {
        onError(new ExecutorError(decision.id, `onPlan threw: ${messageOf(cause)}`, { cause }));
      }
    }

    // Approval.
    const needsApproval =
      !dryRun && (decision.verdict === 'approve' || rb.approval?.required === true);
    if (needsApproval) {
      if (!deps.approvals)
        return finish(
          'rejected',
          `runbook ${rb.id} needs approval but the executor has no approvals service`,
        );
      const ask = deps.approvals.request({
        runId,
        decisionId: decision.id,
        runbook: rb.id,
        incident,
        targets: keys,
        params,
        roles: rb.approval?.roles ?? [],
        timeoutMs: rb.approval?.timeout ?? 15 * 60_000,
      });
      await rec('approval.requested', {
        data: {
          request: ask.request?.id ?? null,
          roles: rb.approval?.roles ?? [],
          expiresAt: ask.request?.expiresAt ?? null,
        },
      });
      let wake!: () => void;
      const woken = new Promise<'closed'>((resolve) => (wake = () => resolve('closed')));
      approvalWaiters.add(wake);
      const verdict = await Promise.race([ask.verdict, woken]).finally(() =>
        approvalWaiters.delete(wake),
      );
      if (verdict === 'closed')
        return finish('rejected', 'the executor closed while the run waited for approval');
      if (verdict.approved) {
        await rec('approval.granted', {
          data: { by: identityOf(verdict.by), note: verdict.note ?? null },
        });
      } else if (verdict.reason === 'expired') {
        await rec('approval.expired', { data: { escalated: true } });
        escalate({ reason: `approval for ${rb.id} expired`, decision, runId });
        return finish('rejected', 'approval expired; the incident was escalated');
      } else {
        await rec('approval.denied', {
          data: {
            reason: verdict.reason,
            by: verdict.by ? identityOf(verdict.by) : null,
            note: verdict.note ?? null,
          },
        });
        return finish(
          'rejected',
          `approval ${verdict.reason}${verdict.by ? ` by ${verdict.by.id}` : ''}${verdict.note ? `: ${verdict.note}` : ''}`,
        );
      }
    }

    // Serialise per target (in process), then take a concurrency slot, then the shared lock.
    const lockKeys = dryRun ? [] : keys;
    if (admitted >= opts.concurrency + opts.maxQueued) {
      return blockedOutcome(
        new Blocked(
          'queue_full',
          `${admitted} runs are already running or waiting (concurrency ${opts.concurrency} + maxQueued ${opts.maxQueued})`,
        ),
      );
    }
    admitted++;
    queued++;
    for (const k of lockKeys) await mutex.acquire(k);
    await slots.acquire();
    queued--;
    running++;
    const leases: LockLease[] = [];
    const hung: Promise<unknown>[] = [];
    let acted = false;
    let cooling = false;
    const startCooldowns = (): void => {
      if (!acted || cooling) return;
      cooling = true;
      const now = scheduler.now();
      for (const t of keys) cooldowns.start(`${rb.id}\u0000${t}`, now, rb.cooldown);
    };
    try {
      for (const k of lockKeys) {
        const lease = await lock.acquire(k, estimateMs(rb, targets.length, opts));
        if (!lease)
          return await blockedOutcome(
            new Blocked('locked', `target ${k} is locked by another run`),
          );
        leases.push(lease);
      }
      if (closing)
        return await blockedOutcome(
          new Blocked('closed', 'the executor was closed before the run started'),
        );
      if (!dryRun) {
        try {
          checkLimits(rb, keys); // again: the world may have changed while we waited
        } catch (e) {
          if (e instanceof Blocked) return await blockedOutcome(e);
          throw e;
        }
        const now = scheduler.now();
        globalWindow?.record(now);
        windowOf(rb)?.record(now);
      }
      try {
        for (const p of rb.preconditions)
          await checkDynamicPrecondition(p, {
            target: first,
            vars: vars(targets, first),
            ctx: (signal) => ctxFor({ step: 'precondition', target: first, attempt: 1 }, signal),
            hung,
            rec,
          });
      } catch (e) {
        if (e instanceof Blocked) return await blockedOutcome(e);
        throw e;
      }

      // What the run acts on (the resource when `allowEmpty` matched nothing), as locked: what
      // `recover` reports for a run interrupted from here on.
      await rec('run.started', { data: { targets: keys, params, dryRun } });
      // From here on an action may have run: the cooldown starts however the run ends, even when
      // a later audit write fails and the run ends as an executor error.
      acted = !dryRun;
      const done: Done[] = [];
      let failure: { status: OutcomeStatus; error: string } | undefined;
      let rollbackWanted = false;

      stepsLoop: for (const [i, s] of rb.steps.entries()) {
        const name = stepName(s, i);
        const action = registry.action(s.action);
        const perTarget = s.forEachTarget ? targets : [first];
        for (const target of perTarget) {
          const label = s.forEachTarget ? `${name}@${target}` : name;
          if (!action) {
            steps.push({
              step: label,
              action: s.action,
              status: 'failed',
              durationMs: 0,
              attempts: 0,
              error: `unknown action "${s.action}"`,
            });
            failure = { status: 'failed', error: `step ${label}: unknown action "${s.action}"` };
            break stepsLoop;
          }
          if (dryRun && !action.readOnly) {
            steps.push({
              step: label,
              action: s.action,
              status: 'skipped',
              durationMs: 0,
              attempts: 0,
            });
            continue;
          }
          const r = await runStep({
            s,
            label,
            action,
            vars: vars(targets, target),
            ctx: (attempt, signal) =>
              ctxFor({ step: label, target: target, attempt: attempt }, signal),
            rec,
            hung,
          });
          steps.push(r.outcome);
          if (r.hung) {
            // Already among `hung` (see `callOnce`).
            failure = {
              status: 'timed_out',
              error: `step ${label}: action ignored its abort signal and is still running; stopping the run`,
            };
            // Wanted, but not run while the action runs: escalated below instead.
            rollbackWanted = s.onFailure === 'rollback';
            break stepsLoop;
          }
          if (r.outcome.status === 'succeeded') {
            done.push({
              step: s,
              name: label,
              action,
              params: r.params,
              target,
              result: r.result,
              index: steps.length - 1,
            });
            continue;
          }
          const err = `step ${label} ${r.outcome.status === 'timed_out' ? 'timed out' : 'failed'}: ${r.outcome.error ?? ''}`;
          if (s.onFailure === 'continue') continue;
          failure = {
            status: r.outcome.status === 'timed_out' ? 'timed_out' : 'failed',
            error: err,
          };
          rollbackWanted = s.onFailure === 'rollback';
          break stepsLoop;
        }
      }

      if (!failure && rb.verify && !dryRun) {
        await rec('verification.started', { data: { kind: rb.verify.kind } });
        const v = await verify(rb.verify, {
          vars: vars(targets, first),
          target: first,
          targets,
          ctx: (signal) => ctxFor({ step: 'verify', target: first, attempt: 1 }, signal),
          hung,
        });
        verified = v.passed;
        await rec('verification.finished', {
          data: { passed: v.passed, detail: v.detail, ...(v.hung ? { stillRunning: true } : {}) },
        });
        if (v.hung) {
          failure = { status: 'timed_out', error: `verification failed: ${v.detail}` };
          rollbackWanted = true;
        } else if (!v.passed) {
          failure = { status: 'rolled_back', error: `verification failed: ${v.detail}` };
          rollbackWanted = true;
        }
      }

      if (failure && rollbackWanted && !dryRun && hung.length > 0) {
        // Like a hung step, a hung action stops the run: an undo must not touch the target while
        // an action on it may still be running, and waiting for it could take forever. So the
        // rollback is not run; a person is told instead, and the targets stay locked until the
        // action settles.
        const notUndone = done.map((d) => d.name).reverse();
        const why = 'an action ignored its abort signal and is still running';
        await rec('rollback.finished', {
          data: { undone: 0, failed: 0, skipped: true, reason: why, notUndone, escalated: true },
        });
        escalate({
          reason: `rollback of ${rb.id} was not run because ${why}${notUndone.length > 0 ? `; steps not undone: ${notUndone.join(', ')}` : ''}`,
          decision,
          runId,
        });
        failure = { status: failure.status, error: `${failure.error}; rollback not run: ${why}` };
      } else if (failure && rollbackWanted && !dryRun) {
        const rb2 = await rollback({ done, vars, targets, ctxFor, rec, hung, steps });
        if (rb2.failed > 0) {
          escalate({
            reason: `rollback of ${rb.id} was incomplete (${rb2.failed} undo step(s) failed)`,
            decision,
            runId,
          });
          failure = {
            status: 'failed',
            error: `${failure.error}; rollback incomplete: ${rb2.failed} undo step(s) failed`,
          };
        } else {
          failure = { status: 'rolled_back', error: failure.error };
        }
      }
      startCooldowns();
      return await finish(failure?.status ?? 'succeeded', failure?.error);
    } finally {
      startCooldowns(); // before the targets are released to the next run
      running--;
      admitted--;
      slots.release();
      const releaseAll = async (): Promise<void> => {
        for (const l of leases) {
          try {
            await l.release();
          } catch (cause) {
            onError(
              new ExecutorError(decision.id, `lock release failed: ${messageOf(cause)}`, { cause }),
            );
          }
        }
        for (const k of lockKeys) mutex.release(k);
      };
      if (hung.length > 0) {
        // The target is not safe to touch while an action on it may still be running.
        hungActions += hung.length;
        void Promise.allSettled(hung).then(() => {
          hungActions -= hung.length;
          return releaseAll();
        });
      } else {
        await releaseAll();
      }
    }
  }

  function checkStaticPrecondition(p: Precondition, decision: Decision): void {
    if (p.kind === 'labels') {
      for (const [k, v] of Object.entries(p.match)) {
        if (decision.incident.labels[k] !== v)
          throw new Blocked(
            'precondition',
            `incident label ${k} is ${JSON.stringify(decision.incident.labels[k] ?? null)}, not ${JSON.stringify(v)}`,
          );
      }
    } else if (p.kind === 'severity') {
      if (severityRank(decision.incident.severity) < severityRank(p.atLeast)) {
        throw new Blocked(
          'precondition',
          `incident severity ${decision.incident.severity} is below ${p.atLeast}`,
        );
      }
    }
  }

  async function checkDynamicPrecondition(
    p: Precondition,
    env: {
      target: string;
      vars: Record<string, unknown>;
      ctx: (signal: AbortSignal) => ActionContext;
      /** The run's hung actions (see `callOnce`). */
      hung: Promise<unknown>[];
      /** The run's audit: a probe is an action, audited before it starts and after it ends. */
      rec: Rec;
    },
  ): Promise<void> {
    const { target } = env;
    if (p.kind === 'metric') {
      if (!deps.metrics)
        throw new Blocked(
          'precondition',
          'a metric precondition needs a metric reader (deps.metrics)',
        );
      const reader = deps.metrics;
      let value: number;
      try {
        value = await readWithTimeout(
          (signal) => reader.read(p.query, { target, targets: [target], signal }),
          `metric ${p.query}`,
        );
      } catch (e) {
        throw new Blocked('precondition', messageOf(e));
      }
      if (!holds(value, p))
        throw new Blocked(
          'precondition',
          `metric ${p.query} = ${value} is not ${p.below !== undefined ? `below ${p.below}` : `above ${p.above}`}`,
        );
    }
    if (p.kind === 'probe') {
      const action = registry.action(p.action);
      if (!action) throw new Blocked('precondition', `unknown probe action "${p.action}"`);
      let params: unknown;
      try {
        const r = action.params.safeParse(render(p.params, env.vars));
        if (!r.success)
          throw new Error(
            toIssues(r.error)
              .map((i) => `${i.path || '(root)'}: ${i.message}`)
              .join('; '),
          );
        params = r.data;
      } catch (e) {
        throw new Blocked('precondition', `invalid probe params: ${messageOf(e)}`);
      }
      await env.rec('precondition.started', { data: { kind: 'probe', action: action.name } });
      const a = await callOnce(
        (signal) => action.run(params, env.ctx(signal)),
        p.timeout,
        env.hung,
      );
      await env.rec('precondition.finished', {
        data: {
          kind: 'probe',
          action: action.name,
          passed: a.status === 'succeeded' && !a.hung,
          status: a.status,
          ...(a.error === undefined ? {} : { error: a.error }),
          ...(a.hung ? { stillRunning: true } : {}),
        },
      });
      if (a.hung) {
        throw new Blocked(
          'precondition',
          `probe ${p.action} did not pass: ${a.error ?? a.status}; it is still running`,
        );
      }
      if (a.status !== 'succeeded')
        throw new Blocked('precondition', `probe ${p.action} did not pass: ${a.error ?? a.status}`);
    }
  }

  async function resolveTargets(rb: Runbook, v: Record<string, unknown>): Promise<string[]> {
    const incident = (v.incident as { resource: string }).resource;
    if (!rb.targets) {
      if (typeof incident !== 'string' || incident.trim() === '') {
        throw new Blocked(
          'blast_radius',
          'the incident names no resource, so the run has no target',
        );
      }
      return [incident];
    }
    if (!deps.inventory)
      throw new Blocked(
        'blast_radius',
        `runbook ${rb.id} selects targets but the executor has no inventory`,
      );
    const inventory = deps.inventory;
    let selector: Record<string, unknown>;
    try {
      selector = render(rb.targets.selector, v) as Record<string, unknown>;
    } catch (e) {
      throw new Blocked('blast_radius', `cannot render the target selector: ${messageOf(e)}`);
    }
    let all: readonly Target[];
    try {
      all = await readWithTimeout((signal) => inventory.list(signal), 'inventory');
    } catch (e) {
      throw new Blocked('blast_radius', messageOf(e));
    }
    const names = new Set<string>();
    for (const t of all) if (t && typeof t.name === 'string') names.add(t.name);
    const matched = [
      ...new Set(
        all
          .filter(
            (t) =>
              t &&
              typeof t.name === 'string' &&
              Object.entries(selector).every(([k, val]) => t.labels?.[k] === String(val)),
          )
          .map((t) => t.name),
      ),
    ].sort();
    const desc = JSON.stringify(selector);
    if (matched.length === 0 && !rb.targets.allowEmpty)
      throw new Blocked(
        'blast_radius',
        `selector ${desc} matches no targets; refusing (set targets.allowEmpty to allow)`,
      );
    if (matched.length > 0 && matched.length === names.size && !rb.targets.allowAll) {
      throw new Blocked(
        'blast_radius',
        `selector ${desc} matches all ${names.size} targets; refusing (set targets.allowAll to allow)`,
      );
    }
    if (rb.targets.max !== undefined && matched.length > rb.targets.max) {
      throw new Blocked(
        'blast_radius',
        `selector ${desc} matches ${matched.length} targets, more than targets.max = ${rb.targets.max}`,
      );
    }
    return matched;
  }

  /**
   * Calls an action once within `timeoutMs`. One that ignores its abort signal joins `hung` at
   * once, before anything else can fail, so its targets stay locked until it settles.
   */
  async function callOnce(
    fn: (signal: AbortSignal) => unknown,
    timeoutMs: number,
    hung: Promise<unknown>[],
  ): Promise<Attempt> {
    const controller = new AbortController();
    const p = Promise.resolve().then(() => fn(controller.signal));
    const r = await within(scheduler, p, timeoutMs);
    if (!r.settled) {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      const grace = await within(scheduler, p, opts.abortGrace);
      if (!grace.settled) {
        const still = p.catch(() => undefined);
        hung.push(still);
        return {
          status: 'timed_out',
          error: `timed out after ${timeoutMs} ms and ignored the abort for ${opts.abortGrace} ms`,
          hung: still,
        };
      }
      return { status: 'timed_out', error: `timed out after ${timeoutMs} ms` };
    }
    if (r.value.status === 'rejected')
      return { status: 'failed', error: messageOf(r.value.reason) };
    const checked = checkResult(r.value.value);
    if (!checked.ok) return { status: 'failed', error: `invalid result: ${checked.reason}` };
    if (checked.result.ok === false)
      return {
        status: 'failed',
        error: checked.result.detail ?? 'action reported ok: false',
        result: checked.result,
      };
    return { status: 'succeeded', result: checked.result };
  }

  async function runStep(call: {
    s: RunbookStep;
    label: string;
    action: Action;
    vars: Record<string, unknown>;
    ctx: (attempt: number, signal: AbortSignal) => ActionContext;
    rec: Rec;
    /** The run's hung actions (see `callOnce`). */
    hung: Promise<unknown>[];
  }): Promise<{
    outcome: StepOutcome;
    params?: unknown;
    result?: ActionResult;
    hung?: Promise<unknown>;
  }> {
    const { s, label, action, ctx, rec } = call;
    const t0 = scheduler.now();
    let params: unknown;
    try {
      const rendered = render(s.params, call.vars);
      const r = action.params.safeParse(rendered);
      if (!r.success)
        throw new Error(
          `invalid params: ${toIssues(r.error)
            .map((i) => `${i.path || '(root)'}: ${i.message}`)
            .join('; ')}`,
        );
      params = r.data;
    } catch (e) {
      const error = messageOf(e);
      await rec('step.started', { step: label, data: { action: action.name, attempt: 0 } });
      await rec('step.finished', { step: label, data: { status: 'failed', error } });
      return {
        outcome: {
          step: label,
          action: action.name,
          status: 'failed',
          durationMs: 0,
          attempts: 0,
          error,
        },
      };
    }
    let last: Attempt = { status: 'failed', error: 'not run' };
    let attempts = 0;
    for (let attempt = 1; attempt <= s.retries + 1; attempt++) {
      if (attempt > 1) {
        const wait = Math.min(s.backoff.max, s.backoff.initial * s.backoff.factor ** (attempt - 2));
        await delay(scheduler, wait).promise;
      }
      attempts = attempt;
      await rec('step.started', {
        step: label,
        data: { action: action.name, attempt, params: params },
      });
      last = await callOnce(
        (signal) => action.run(params, ctx(attempt, signal)),
        s.timeout,
        call.hung,
      );
      await rec('step.finished', {
        step: label,
        data: {
          action: action.name,
          attempt,
          status: last.status,
          ...(last.error === undefined ? {} : { error: last.error }),
          ...(last.result?.detail === undefined ? {} : { detail: last.result.detail }),
          ...(last.hung ? { stillRunning: true } : {}),
        },
      });
      if (last.status === 'succeeded' || last.hung) break;
    }
    const outcome: StepOutcome = {
      step: label,
      action: action.name,
      status: last.status,
      durationMs: Math.max(0, scheduler.now() - t0),
      attempts,
      ...(last.error === undefined ? {} : { error: last.error }),
    };
    return {
      outcome,
      params,
      ...(last.result === undefined ? {} : { result: last.result }),
      ...(last.hung ? { hung: last.hung } : {}),
    };
  }

  async function verify(
    v: Verification,
    env: {
      vars: Record<string, unknown>;
      target: string;
      targets: readonly string[];
      ctx: (signal: AbortSignal) => ActionContext;
      /** The run's hung actions (see `callOnce`). */
      hung: Promise<unknown>[];
    },
  ): Promise<{ passed: boolean; detail: string; hung?: Promise<unknown> }> {
    const { vars, target, targets, ctx } = env;
    const start = scheduler.now();
    const deadline = start + v.timeout;
    if (v.kind === 'probe') {
      const action = registry.action(v.action);
      if (!action) return { passed: false, detail: `unknown probe action "${v.action}"` };
      let params: unknown;
      try {
        const r = action.params.safeParse(render(v.params, vars));
        if (!r.success)
          return {
            passed: false,
            detail: `invalid probe params: ${toIssues(r.error)
              .map((i) => `${i.path}: ${i.message}`)
              .join('; ')}`,
          };
        params = r.data;
      } catch (e) {
        return { passed: false, detail: messageOf(e) };
      }
      let streak = 0;
      let lastError = 'no probe ran';
      for (;;) {
        const left = deadline - scheduler.now();
        if (left <= 0)
          return {
            passed: false,
            detail: `probe ${v.action} did not pass ${v.successes} time(s) in a row within ${v.timeout} ms (last: ${lastError})`,
          };
        const a = await callOnce((signal) => action.run(params, ctx(signal)), left, env.hung);
        if (a.hung)
          return {
            passed: false,
            detail: `probe ${v.action} ignored its abort signal and is still running`,
            hung: a.hung,
          };
        if (a.status === 'succeeded') {
          streak++;
          if (streak >= v.successes)
            return { passed: true, detail: `probe ${v.action} passed ${streak} time(s)` };
        } else {
          streak = 0;
          lastError = a.error ?? a.status;
        }
        if (deadline - scheduler.now() <= 0) continue;
        await delay(scheduler, Math.min(v.interval, Math.max(0, deadline - scheduler.now())))
          .promise;
      }
    }
    const reader = deps.metrics;
    if (!reader)
      return {
        passed: false,
        detail: 'a metric verification needs a metric reader (deps.metrics)',
      };
    const want = v.below !== undefined ? `below ${v.below}` : `above ${v.above}`;
    let since: number | undefined;
    let last = 'no reading';
    for (;;) {
      const now = scheduler.now();
      let value: number | undefined;
      try {
        value = await readWithTimeout(
          (signal) => reader.read(v.query, { target, targets, signal }),
          `metric ${v.query}`,
        );
        if (typeof value !== 'number' || Number.isNaN(value)) {
          last = `read ${String(value)}`;
          value = undefined;
        }
      } catch (e) {
        last = messageOf(e);
      }
      const at = scheduler.now();
      if (value !== undefined && holds(value, v)) {
        since ??= now;
        last = `${value}`;
        if (at - since >= v.for)
          return {
            passed: true,
            detail: `${v.query} stayed ${want} for ${at - since} ms (last ${value})`,
          };
      } else {
        if (value !== undefined) last = `${value}`;
        since = undefined;
      }
      if (at >= deadline)
        return {
          passed: false,
          detail: `${v.query} was not ${want} for ${v.for} ms within ${v.timeout} ms (last reading: ${last})`,
        };
      const wait = since === undefined ? v.interval : Math.min(v.interval, since + v.for - at);
      await delay(scheduler, Math.max(0, Math.min(wait, deadline - at))).promise;
    }
  }

  async function rollback(args: {
    done: readonly Done[];
    vars: (targets: readonly string[], target: string) => Record<string, unknown>;
    targets: readonly string[];
    ctxFor: CtxFor;
    rec: Rec;
    hung: Promise<unknown>[];
    steps: StepOutcome[];
  }): Promise<{ failed: number }> {
    const { done, vars, targets, ctxFor, rec, hung, steps } = args;
    await rec('rollback.started', { data: { steps: done.map((d) => d.name).reverse() } });
    let failed = 0;
    let undone = 0;
    for (const d of [...done].reverse()) {
      if (d.step.undo === false) continue;
      let call: ((signal: AbortSignal) => unknown) | undefined;
      let name = d.action.name;
      if (d.step.undo) {
        const undoAction = registry.action(d.step.undo.action);
        if (!undoAction) {
          failed++;
          steps.push({
            step: `undo:${d.name}`,
            action: d.step.undo.action,
            status: 'failed',
            durationMs: 0,
            error: 'unknown undo action',
          });
          continue;
        }
        name = undoAction.name;
        let p: unknown;
        try {
          const r = undoAction.params.safeParse(
            render(d.step.undo.params, vars(targets, d.target)),
          );
          if (!r.success)
            throw new Error(
              `invalid undo params: ${toIssues(r.error)
                .map((i) => `${i.path}: ${i.message}`)
                .join('; ')}`,
            );
          p = r.data;
        } catch (e) {
          failed++;
          steps.push({
            step: `undo:${d.name}`,
            action: name,
            status: 'failed',
            durationMs: 0,
            error: messageOf(e),
          });
          continue;
        }
        call = (signal) =>
          undoAction.run(
            p,
            ctxFor({ step: `undo:${d.name}`, target: d.target, attempt: 1 }, signal),
          );
      } else if (d.action.undo) {
        const undo = d.action.undo.bind(d.action);
        call = (signal) =>
          undo(d.params, {
            ...ctxFor({ step: `undo:${d.name}`, target: d.target, attempt: 1 }, signal),
            result: d.result,
          });
      }
      if (!call) continue;
      const t0 = scheduler.now();
      await rec('rollback.step.started', { step: d.name, data: { action: name } });
      const a = await callOnce(call, d.step.timeout, hung);
      await rec('rollback.step.finished', {
        step: d.name,
        data: {
          action: name,
          status: a.status,
          ...(a.error === undefined ? {} : { error: a.error }),
        },
      });
      if (a.status === 'succeeded') {
        undone++;
        const prev = steps[d.index];
        if (prev) steps[d.index] = { ...prev, status: 'rolled_back' };
      } else {
        failed++;
        steps.push({
          step: `undo:${d.name}`,
          action: name,
          status: a.status,
          durationMs: Math.max(0, scheduler.now() - t0),
          attempts: 1,
          ...(a.error === undefined ? {} : { error: a.error }),
        });
      }
    }
    await rec('rollback.finished', { data: { undone, failed } });
    return { failed };
  }

  return {
    run(decision) {
      received++;
      if (closing) {
        outcomes.blocked++;
        blocked.closed = (blocked.closed ?? 0) + 1;
        const t = scheduler.now();
        return Promise.resolve({
          decision,
          status: 'blocked',
          verified: false,
          steps: [],
          durationMs: 0,
          t,
          error: 'closed: the executor is closed',
        });
      }
      const p = runOne(decision);
      inflight.add(p);
      void p.then(() => inflight.delete(p));
      return p;
    },
    stats: () => ({
      received,
      running,
      queued,
      outcomes: { ...outcomes },
      blocked: { ...blocked },
      hungActions,
      cooldownEvictions: cooldowns.evicted,
    }),
    close: () =>
      (closed ??= (async () => {
        closing = true;
        for (const wake of [...approvalWaiters]) wake();
        await Promise.allSettled([...inflight]);
        await sink.close();
      })()),
  };

  async function runOne(decision: Decision): Promise<Outcome | undefined> {
    const runId = `${instance}-${++counter}`;
    const t0 = scheduler.now();
    try {
      return await handle(decision, runId, t0);
    } catch (cause) {
      onError(
        new ExecutorError(
          decision?.id ?? '(unknown)',
          `executor failed on decision ${decision?.id}: ${messageOf(cause)}`,
          { cause },
        ),
      );
      outcomes.failed++;
      try {
        await sink.append({
          type: 'run.finished',
          runId,
          decisionId: String(decision?.id),
          data: { status: 'failed', error: messageOf(cause) },
        });
      } catch {
        // already reported; the audit itself is what failed
      }
      const t = scheduler.now();
      return {
        decision,
        status: 'failed',
        verified: false,
        steps: [],
        durationMs: Math.max(0, t - t0),
        t,
        error: `executor error: ${messageOf(cause)}`,
      };
    }
  }
}

function stepName(s: RunbookStep, i: number): string {
  return s.name ?? `${i + 1}:${s.action}`;
}

function holds(
  value: number,
  c: { below?: number | undefined; above?: number | undefined },
): boolean {
  if (!Number.isFinite(value)) return false;
  return c.below !== undefined ? value < c.below : c.above !== undefined ? value > c.above : false;
}

function identityOf(i: ApprovalIdentity): { id: string; roles: string[] } {
  return { id: i.id, roles: [...i.roles] };
}

/**
 * The lock TTL: an upper bound on how long a run holds its targets, so a shared lock that
 * expires after it never lets a second run in while this one may still act. Each attempt may
 * take its timeout plus `abortGrace`, `forEachTarget` steps run once per target, and every
 * completed step may be undone; a margin covers the audit writes.
 */
function estimateMs(
  rb: Runbook,
  targetCount: number,
  opts: { readonly abortGrace: number; readonly readTimeout: number },
): number {
  const grace = opts.abortGrace;
  let total = 60_000;
  for (const p of rb.preconditions) {
    if (p.kind === 'probe') total += p.timeout + grace;
    else if (p.kind === 'metric') total += opts.readTimeout;
  }
  for (const s of rb.steps) {
    const times = s.forEachTarget ? Math.max(1, targetCount) : 1;
    const run = (s.retries + 1) * (s.timeout + grace) + s.retries * s.backoff.max;
    const undo = s.undo === false ? 0 : s.timeout + grace;
    total += times * (run + undo);
  }
  if (rb.verify) total += rb.verify.timeout + Math.max(opts.readTimeout, grace);
  return total;
}
