/**
 * Test helpers: `@homeostat/circuit-breaker/testing`.
 *
 * @packageDocumentation
 */
export { createManualTimers, type ManualTimers } from './manual-timers.js';
