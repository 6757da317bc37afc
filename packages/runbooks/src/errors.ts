import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/** Codes of {@link ActionError}. */
export type ActionErrorCode =
  'ACTION_FAILED' | 'ACTION_TIMEOUT' | 'ACTION_INVALID_RESULT' | 'ACTION_FORBIDDEN';

/**
 * An action failed, timed out, returned something that is not an action result, or was refused
 * by its own guard (host not allow-listed, command actions disabled, argv not allowed).
 *
 * @example
 * ```ts
 * if (isHomeostatError(e) && e.code === 'ACTION_FORBIDDEN') console.error(e.action, e.message);
 * ```
 */
export class ActionError extends HomeostatError<ActionErrorCode> {
  /** Name of the action. */
  readonly action: string;

  constructor(
    code: ActionErrorCode,
    message: string,
    options: HomeostatErrorOptions & { readonly action: string },
  ) {
    super(code, `${options.action}: ${message}`, options);
    this.action = options.action;
  }
}

/** Codes of {@link ApprovalError}. */
export type ApprovalErrorCode = 'APPROVAL_NOT_FOUND' | 'APPROVAL_FORBIDDEN' | 'APPROVAL_INVALID';

/**
 * An approve/deny call that cannot be honoured: unknown or already settled request, an identity
 * without an allowed role, or a malformed identity.
 */
export class ApprovalError extends HomeostatError<ApprovalErrorCode> {
  /** The approval request the call was about. */
  readonly requestId: string;

  constructor(
    code: ApprovalErrorCode,
    message: string,
    options: HomeostatErrorOptions & { readonly requestId: string },
  ) {
    super(code, message, options);
    this.requestId = options.requestId;
  }
}

/** Codes of {@link AuditError}. */
export type AuditErrorCode = 'AUDIT_WRITE_FAILED' | 'AUDIT_READ_FAILED';

/**
 * The audit log could not be written or read. The executor refuses to act when it cannot write
 * the audit record that must precede an action.
 */
export class AuditError extends HomeostatError<AuditErrorCode> {
  /** The file involved, when there is one. */
  readonly file: string | undefined;

  constructor(
    code: AuditErrorCode,
    message: string,
    options: HomeostatErrorOptions & { readonly file?: string } = {},
  ) {
    super(code, message, options);
    this.file = options.file;
  }
}

/** Code of {@link ExecutorError}. */
export type ExecutorErrorCode = 'EXECUTOR_FAILED';

/** An unexpected failure inside the executor while handling one decision; reported via `onError`. */
export class ExecutorError extends HomeostatError<ExecutorErrorCode> {
  /** The id of the decision being handled. */
  readonly decisionId: string;

  constructor(decisionId: string, message: string, options: HomeostatErrorOptions = {}) {
    super('EXECUTOR_FAILED', message, options);
    this.decisionId = decisionId;
  }
}
