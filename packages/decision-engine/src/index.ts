/**
 * Policies, risk and confidence scoring, gating and scaling decisions for the Plan stage.
 *
 * @packageDocumentation
 */
export {};
