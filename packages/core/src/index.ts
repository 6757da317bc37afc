/**
 * Event types, zod schemas, errors, clocks, option parsing and the operator toolkit shared by every Homeostat package.
 *
 * @packageDocumentation
 */
export {};
