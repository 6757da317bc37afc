/**
 * `@homeostat/runbooks`: the Execute stage. Declarative runbooks (YAML, JSON or a TypeScript
 * builder) run as guarded, verified, rolled-back and audited remediation: Decision → Outcome.
 *
 * @packageDocumentation
 */
export {
  runbook,
  RunbookBuilder,
  defineRunbook,
  runbookSchema,
  stepSchema,
  paramSpecSchema,
  preconditionSchema,
  verificationSchema,
  targetsSchema,
  backoffSchema,
  undoSchema,
  metricConditionSchema,
  paramsSchemaOf,
  type Runbook,
  type RunbookInput,
  type RunbookStep,
  type StepOptions,
  type ParamSpec,
  type Verification,
  type Precondition,
} from './runbook.js';
export {
  parseRunbooks,
  loadRunbookFile,
  loadRunbookDir,
  type ParseRunbooksOptions,
} from './load-runbooks.js';
export {
  defineAction,
  type Action,
  type ActionDefinition,
  type ActionContext,
  type UndoContext,
  type ActionResult,
} from './action.js';
export {
  httpAction,
  httpActionOptionsSchema,
  type HttpActionOptions,
  type FetchLike,
} from './actions/http-action.js';
export {
  breakerAction,
  type BreakerRegistry,
  type ControllableBreaker,
  type BreakerActionOptions,
} from './actions/breaker-action.js';
export { scaleAction, type Scaler, type ScaleActionOptions } from './actions/scale-action.js';
export {
  commandAction,
  commandActionOptionsSchema,
  type CommandActionOptions,
} from './actions/command-action.js';
export {
  createRunbookRegistry,
  type RunbookRegistry,
  type RunbookRegistryInput,
} from './registry.js';
export { createMemoryLock, type Lock, type LockLease, type MemoryLock } from './lock.js';
export {
  createFileAudit,
  createMemoryAudit,
  verifyAuditLog,
  readAuditLog,
  recover,
  GENESIS,
  type AuditSink,
  type AuditEntry,
  type AuditRecord,
  type AuditType,
  type MemoryAudit,
  type MemoryAuditOptions,
  type FileAuditOptions,
  type AuditVerification,
  type VerifyAuditOptions,
  type InterruptedRun,
  type RecoveryReport,
} from './audit.js';
export {
  createApprovals,
  type Approvals,
  type ApprovalsOptions,
  type ApprovalRequest,
  type ApprovalIdentity,
  type ApprovalVerdict,
  type ApprovalAsk,
} from './approvals.js';
export {
  fromAlertmanager,
  alertmanagerPayloadSchema,
  type AlertmanagerPayload,
  type FromAlertmanagerOptions,
} from './alertmanager.js';
export {
  createExecutor,
  executorOptionsSchema,
  formatPlan,
  type Executor,
  type ExecutorOptions,
  type ExecutorDeps,
  type ExecutorStats,
  type Inventory,
  type Target,
  type MetricReader,
  type Escalation,
  type RunPlan,
} from './executor.js';
export { execute, type ExecuteDeps } from './execute.js';
export {
  ActionError,
  ApprovalError,
  AuditError,
  ExecutorError,
  type ActionErrorCode,
  type ApprovalErrorCode,
  type AuditErrorCode,
  type ExecutorErrorCode,
} from './errors.js';
