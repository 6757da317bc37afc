/**
 * Declarative, guarded, verified and audited remediation for the Execute stage.
 *
 * @packageDocumentation
 */
export {};
