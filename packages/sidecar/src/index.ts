/**
 * HTTP middleware for node:http, Express and Fastify that measures, protects and heals at near-zero cost.
 *
 * @packageDocumentation
 */
export {};
