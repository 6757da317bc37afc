/**
 * Circuit breaker, bulkhead, retry and timeout as functions and RxJS operators, with an event stream for the loop.
 *
 * @packageDocumentation
 */
export {};
