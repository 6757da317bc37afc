/**
 * Test helpers: `@homeostat/core/testing`.
 *
 * @packageDocumentation
 */
export { createManualClock, type ManualClock } from './clock.js';
export { createRecordingOnError, type RecordingOnError } from './internal/recording-on-error.js';
