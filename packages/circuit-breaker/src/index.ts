/**
 * `@homeostat/circuit-breaker`: circuit breaker, bulkhead, retry, timeout and fallback as
 * functions and RxJS operators, with a `BreakerEvent` stream that feeds the loop, a registry with
 * health snapshots, control methods for runbooks, and an opossum adapter.
 *
 * @packageDocumentation
 */
export {
  CircuitBreaker,
  createCircuitBreaker,
  circuitBreakerOptionsSchema,
  circuitBreakerJsonSchema,
  type CircuitBreakerOptions,
  type CircuitBreakerDeps,
  type CircuitBreakerJSON,
  type BreakerStats,
  type BreakerSnapshot,
  type BreakerWindowSnapshot,
  type BreakerEventType,
  type BreakerSource,
  type BreakerPermit,
  type Unsubscribe,
} from './circuit-breaker.js';
export {
  BreakerOpenError,
  TimeoutError,
  BulkheadRejectedError,
  RegistryFullError,
  type CircuitBreakerErrorCode,
} from './errors.js';
export { neverAbortedSignal, type CallContext, type Policy, type Protected } from './policy.js';
export { systemTimers, type Timers } from './timers.js';
export {
  Timeout,
  createTimeout,
  timeoutOptionsSchema,
  type TimeoutOptions,
  type TimeoutDeps,
} from './timeout.js';
export {
  Retry,
  createRetry,
  retryOptionsSchema,
  type RetryOptions,
  type RetryDeps,
  type RetryStats,
} from './retry.js';
export {
  Bulkhead,
  createBulkhead,
  bulkheadOptionsSchema,
  type BulkheadOptions,
  type BulkheadStats,
} from './bulkhead.js';
export { createFallback, type Fallback, type FallbackDeps } from './fallback.js';
export { wrap } from './wrap.js';
export {
  BreakerRegistry,
  createBreakerRegistry,
  breakerRegistryOptionsSchema,
  type BreakerRegistryOptions,
  type BreakerControls,
  type RegistryHealth,
} from './registry.js';
export { protect } from './protect.js';
export {
  retryWithBackoff,
  retryWithBackoffOptionsSchema,
  type RetryWithBackoffOptions,
  type RetryWithBackoffDeps,
} from './retry-with-backoff.js';
export {
  fromOpossum,
  type OpossumLike,
  type OpossumSource,
  type FromOpossumDeps,
} from './from-opossum.js';
