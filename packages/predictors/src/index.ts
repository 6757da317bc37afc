/**
 * Forecasts with prediction intervals, time-to-exhaustion and predictive scaling inputs.
 *
 * @packageDocumentation
 */
export {};
