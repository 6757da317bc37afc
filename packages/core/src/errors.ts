/** Error codes raised by `@homeostat/core`. Other packages add their own codes. */
export type CoreErrorCode =
  'CONFIG_INVALID' | 'INPUT_INVALID' | 'SAMPLE_INVALID' | 'OPERATOR_FAILED';

/** Options accepted by every {@link HomeostatError} constructor. */
export interface HomeostatErrorOptions {
  /**
   * The underlying error or value, kept as the standard `Error.cause`; omitted when `undefined`.
   */
  readonly cause?: unknown;
}

/**
 * Base class of every error thrown or reported by Homeostat packages.
 *
 * @remarks
 * Branch on `code`, not on `instanceof`: when both the ESM and the CJS build of a package are
 * loaded, each has its own class. {@link isHomeostatError} checks the brand field instead.
 *
 * @example
 * ```ts
 * try { parseOptions(schema, input); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'CONFIG_INVALID') console.error(e.issues); }
 * ```
 */
export class HomeostatError<TCode extends string = string> extends Error {
  /** Brand checked by {@link isHomeostatError}; survives duplicated module copies. */
  readonly isHomeostatError = true as const;
  /** Stable, documented machine-readable code. */
  readonly code: TCode;

  constructor(code: TCode, message: string, options: HomeostatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * True when `value` is a {@link HomeostatError} from any copy of any Homeostat package.
 *
 * @example
 * ```ts
 * if (isHomeostatError(err) && err.code === 'BREAKER_OPEN') retryLater();
 * ```
 */
export function isHomeostatError(value: unknown): value is HomeostatError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isHomeostatError?: unknown }).isHomeostatError === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** One problem found while validating configuration or input. */
export interface Issue {
  /** Dotted path inside the input, `''` for the root (for example `steps.2.timeoutMs`). */
  readonly path: string;
  /** What is wrong, in words. */
  readonly message: string;
}

/** Options of {@link ConfigError} and {@link InputError}. */
export interface IssueErrorOptions extends HomeostatErrorOptions {
  /** Where the input came from: a file name, an option name, an HTTP route. */
  readonly source?: string;
}

function describeIssues(what: string, issues: readonly Issue[], source?: string): string {
  const where = source ? ` in ${source}` : '';
  const lines = issues.map((i) => `  - ${i.path === '' ? '(root)' : i.path}: ${i.message}`);
  return `${what}${where}:\n${lines.join('\n')}`;
}

/**
 * Invalid configuration: thrown synchronously by factories, with every issue found.
 *
 * @example
 * ```ts
 * new ConfigError([{ path: 'windowSize', message: 'must be at least 2' }], { source: 'rollingZ' });
 * ```
 */
export class ConfigError extends HomeostatError<'CONFIG_INVALID'> {
  /** Every problem found, each with its path inside the configuration. */
  readonly issues: readonly Issue[];
  /** The file or option object the configuration came from, when known. */
  readonly source: string | undefined;

  constructor(issues: readonly Issue[], options: IssueErrorOptions = {}) {
    super(
      'CONFIG_INVALID',
      describeIssues('Invalid configuration', issues, options.source),
      options,
    );
    this.issues = issues;
    this.source = options.source;
  }
}

/**
 * Invalid input that entered from outside (HTTP, files, webhooks), with every issue found.
 */
export class InputError extends HomeostatError<'INPUT_INVALID'> {
  /** Every problem found, each with its path inside the input. */
  readonly issues: readonly Issue[];
  /** Where the input came from, when known. */
  readonly source: string | undefined;

  constructor(issues: readonly Issue[], options: IssueErrorOptions = {}) {
    super('INPUT_INVALID', describeIssues('Invalid input', issues, options.source), options);
    this.issues = issues;
    this.source = options.source;
  }
}

/**
 * A throw inside an operator while handling one event; the event was skipped and the stream
 * went on.
 */
export class OperatorError<TEvent = unknown> extends HomeostatError<'OPERATOR_FAILED'> {
  /** Name of the operator that failed. */
  readonly operator: string;
  /** The event that was being handled. */
  readonly event: TEvent;

  constructor(operator: string, event: TEvent, options: HomeostatErrorOptions = {}) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('OPERATOR_FAILED', `${operator} failed on one event and skipped it: ${reason}`, options);
    this.operator = operator;
    this.event = event;
  }
}
