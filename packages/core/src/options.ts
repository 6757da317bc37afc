import type { z } from 'zod';
import { ConfigError, InputError, type Issue, type IssueErrorOptions } from './errors.js';

/** Turns zod issues into `{ path, message }` pairs with dotted paths. */
export function toIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.'),
    message: issue.message,
  }));
}

/** Where a configuration or input came from, for error messages. */
export interface ParseContext {
  /** A file name, option name or route; it appears in the error message. */
  readonly source?: string;
}

/**
 * Validates options against a zod schema and returns the parsed output (defaults applied).
 *
 * @remarks Call it once, when a factory is called — never per event.
 * @throws {ConfigError} with every issue (path + message) and the `ZodError` as `cause`.
 * @example
 * ```ts
 * const opts = parseOptions(z.object({ windowSize: z.number().int().min(2).default(64) }), input);
 * ```
 */
export function parseOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  context: ParseContext = {},
): z.output<TSchema> {
  return parseWith(
    schema,
    input,
    (error) => new ConfigError(toIssues(error), errorOptions(error, context)),
  );
}

/**
 * Validates input from outside the process (HTTP bodies, files, webhooks).
 *
 * @throws {InputError} with every issue (path + message) and the `ZodError` as `cause`.
 */
export function parseInput<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  context: ParseContext = {},
): z.output<TSchema> {
  return parseWith(
    schema,
    input,
    (error) => new InputError(toIssues(error), errorOptions(error, context)),
  );
}

function errorOptions(error: z.ZodError, context: ParseContext): IssueErrorOptions {
  return context.source === undefined ? { cause: error } : { cause: error, source: context.source };
}

function parseWith<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  fail: (error: z.ZodError) => Error,
): z.output<TSchema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw fail(result.error);
}
