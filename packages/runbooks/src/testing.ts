/**
 * Test helpers: `@homeostat/runbooks/testing`. A scheduler whose time moves only when told to,
 * so timeouts, backoff, verification windows and approval expiry run in virtual time.
 *
 * @example
 * ```ts
 * const scheduler = createManualScheduler();
 * const executor = createExecutor(registry, {}, { scheduler, audit: createMemoryAudit() });
 * const outcome = await scheduler.drive(executor.run(decision));
 * ```
 *
 * @packageDocumentation
 */
export { createManualScheduler, flush, type ManualScheduler } from './internal/manual-scheduler.js';
