import {
  BehaviorSubject,
  Subject,
  asyncScheduler,
  type Observable,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import type { Incident } from '@homeostat/core';
import { ApprovalError } from './errors.js';

/** Who approves or denies, and with which roles. */
export interface ApprovalIdentity {
  /** Who it is (a user or tool id); recorded in the audit log. */
  readonly id: string;
  /** Roles the identity holds; an approver needs one of the request's `roles`. */
  readonly roles: readonly string[];
}

/** A pending request for approval of one run. */
export interface ApprovalRequest {
  /** Request id (`apr-<n>-<runId>`): pass it to `approve` or `deny`. */
  readonly id: string;
  /** The run waiting for the verdict. */
  readonly runId: string;
  /** The decision being executed. */
  readonly decisionId: string;
  /** Id of the runbook the run would execute. */
  readonly runbook: string;
  /** The incident the decision is about. */
  readonly incident: Incident;
  /** Targets the run would touch (the incident's resource when `allowEmpty` matched none). */
  readonly targets: readonly string[];
  /** Runbook parameters the run would use. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Roles of which an approver needs one; empty means anyone with an identity. */
  readonly roles: readonly string[];
  /** Scheduler time of the request (epoch ms). */
  readonly requestedAt: number;
  /**
   * `requestedAt + timeoutMs`: unanswered by then, it expires and the run is rejected and
   * escalated.
   */
  readonly expiresAt: number;
}

/** How an approval request ended. */
export type ApprovalVerdict =
  | {
      /** `true`: the run may go ahead. */
      readonly approved: true;
      /** Who approved. */
      readonly by: ApprovalIdentity;
      /** The approver's note, when given. */
      readonly note?: string;
    }
  | {
      /** `false`: the run is rejected. */
      readonly approved: false;
      /**
       * `denied` by a person, `expired` unanswered after `timeoutMs`, or `overflow` when
       * `maxPending` requests were already waiting.
       */
      readonly reason: 'denied' | 'expired' | 'overflow';
      /** Who denied (for `denied` only). */
      readonly by?: ApprovalIdentity;
      /** The denier's note, or for `overflow` why the request was refused. */
      readonly note?: string;
    };

/** What the executor passes to {@link Approvals.request}. */
export type ApprovalAsk = Omit<ApprovalRequest, 'id' | 'requestedAt' | 'expiresAt'> & {
  /** How long the request may wait unanswered before it expires, in ms of scheduler time. */
  readonly timeoutMs: number;
};

/** Pending approvals: a stream for people and tools, and approve/deny calls. */
export interface Approvals {
  /** The pending requests, re-emitted whenever the set changes (starts with the current set). */
  readonly pending$: Observable<readonly ApprovalRequest[]>;
  /** Each new request as it is made. */
  readonly requests$: Observable<ApprovalRequest>;
  /** The pending requests now. */
  pending(): readonly ApprovalRequest[];
  /**
   * Approves a pending request.
   * @remarks A request whose `expiresAt` has passed is expired even if its expiry timer has not
   * fired yet: it is settled as `expired` and the call throws `APPROVAL_NOT_FOUND`.
   * @throws {ApprovalError} `APPROVAL_NOT_FOUND` (unknown, expired or settled), `APPROVAL_FORBIDDEN` (no allowed role), `APPROVAL_INVALID` (no identity).
   */
  approve(requestId: string, identity: ApprovalIdentity, note?: string): void;
  /**
   * Denies a pending request.
   * @throws {ApprovalError} like {@link Approvals.approve}.
   */
  deny(requestId: string, identity: ApprovalIdentity, note?: string): void;
  /** Asks for approval; resolves when approved, denied or expired. Used by the executor. */
  request(ask: ApprovalAsk): {
    /** The pending request, or `undefined` when it was refused at once (`overflow`). */
    readonly request: ApprovalRequest | undefined;
    /** Settles with the verdict; never rejects. */
    readonly verdict: Promise<ApprovalVerdict>;
  };
  /** Requests refused at once because `maxPending` were already waiting. */
  readonly dropped: number;
}

/** Options of {@link createApprovals}. */
export interface ApprovalsOptions {
  /** Requests that may wait at once; more are denied with reason `overflow`. Default 1000. */
  readonly maxPending?: number;
}

/**
 * Creates the approvals service the executor asks when a runbook (or a decision's `approve`
 * verdict) requires a human. Expiry runs on the injected scheduler.
 *
 * @throws {RangeError} when `maxPending` is not a positive integer.
 * @example
 * ```ts
 * const approvals = createApprovals();
 * approvals.requests$.subscribe((r) => slack.post(`approve ${r.runbook} on ${r.targets}? id ${r.id}`));
 * approvals.approve(id, { id: 'alice', roles: ['sre'] });
 * ```
 */
export function createApprovals(
  options: ApprovalsOptions = {},
  deps: { readonly scheduler?: SchedulerLike } = {},
): Approvals {
  const maxPending = options.maxPending ?? 1000;
  if (!Number.isInteger(maxPending) || maxPending < 1)
    throw new RangeError(
      `createApprovals: maxPending must be a positive integer, got ${maxPending}`,
    );
  const scheduler = deps.scheduler ?? asyncScheduler;
  const open = new Map<
    string,
    { request: ApprovalRequest; settle: (v: ApprovalVerdict) => void; timer: Subscription }
  >();
  const pending$ = new BehaviorSubject<readonly ApprovalRequest[]>([]);
  const requests$ = new Subject<ApprovalRequest>();
  let counter = 0;
  let dropped = 0;
  const publish = (): void => pending$.next([...open.values()].map((o) => o.request));

  const settle = (id: string, verdict: ApprovalVerdict): void => {
    const entry = open.get(id);
    if (!entry) return;
    open.delete(id);
    entry.timer.unsubscribe();
    entry.settle(verdict);
    publish();
  };

  const check = (requestId: string, identity: ApprovalIdentity): void => {
    if (
      !identity ||
      typeof identity.id !== 'string' ||
      identity.id.trim() === '' ||
      !Array.isArray(identity.roles)
    ) {
      throw new ApprovalError('APPROVAL_INVALID', 'an approval needs an identity { id, roles }', {
        requestId,
      });
    }
    const entry = open.get(requestId);
    // The expiry timer may be late (a busy event loop): the deadline, not the timer, decides.
    if (!entry || scheduler.now() >= entry.request.expiresAt) {
      if (entry) settle(requestId, { approved: false, reason: 'expired' });
      throw new ApprovalError(
        'APPROVAL_NOT_FOUND',
        `no pending approval request "${requestId}" (unknown, expired or already settled)`,
        { requestId },
      );
    }
    const need = entry.request.roles;
    if (need.length > 0 && !(identity.roles as readonly string[]).some((r) => need.includes(r))) {
      throw new ApprovalError(
        'APPROVAL_FORBIDDEN',
        `${identity.id} has none of the roles allowed to approve ${entry.request.runbook} (${need.join(', ')})`,
        { requestId },
      );
    }
  };

  return {
    pending$: pending$.asObservable(),
    requests$: requests$.asObservable(),
    pending: () => pending$.getValue(),
    approve(requestId, identity, note) {
      check(requestId, identity);
      settle(requestId, {
        approved: true,
        by: { id: identity.id, roles: [...identity.roles] },
        ...(note === undefined ? {} : { note }),
      });
    },
    deny(requestId, identity, note) {
      check(requestId, identity);
      settle(requestId, {
        approved: false,
        reason: 'denied',
        by: { id: identity.id, roles: [...identity.roles] },
        ...(note === undefined ? {} : { note }),
      });
    },
    request(ask) {
      if (open.size >= maxPending) {
        dropped++;
        return {
          request: undefined,
          verdict: Promise.resolve({
            approved: false,
            reason: 'overflow',
            note: `more than ${maxPending} approvals pending`,
          }),
        };
      }
      const now = scheduler.now();
      const { timeoutMs, ...rest } = ask;
      const request: ApprovalRequest = {
        ...rest,
        id: `apr-${++counter}-${ask.runId}`,
        requestedAt: now,
        expiresAt: now + timeoutMs,
      };
      const verdict = new Promise<ApprovalVerdict>((resolve) => {
        const timer = scheduler.schedule(
          () => settle(request.id, { approved: false, reason: 'expired' }),
          timeoutMs,
        );
        open.set(request.id, { request, settle: resolve, timer });
      });
      publish();
      requests$.next(request);
      return { request, verdict };
    },
    get dropped() {
      return dropped;
    },
  };
}
