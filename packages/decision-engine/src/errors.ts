import { HomeostatError, type HomeostatErrorOptions } from '@homeostat/core';

/** Error codes raised by `@homeostat/decision-engine`. */
export type DecisionErrorCode = 'TEMPLATE_FIELD_MISSING';

/**
 * A runbook template named a field the incident does not have. The decision that needed it is
 * escalated with this error's message as the reason; it is never filled with an empty string.
 *
 * @example
 * ```ts
 * try { renderTemplate(compileTemplate('${label.pod}'), incident); }
 * catch (e) { if (isHomeostatError(e) && e.code === 'TEMPLATE_FIELD_MISSING') console.log(e.field); }
 * ```
 */
export class TemplateError extends HomeostatError<'TEMPLATE_FIELD_MISSING'> {
  /** The field that was missing, for example `label.pod`. */
  readonly field: string;

  constructor(field: string, options: HomeostatErrorOptions = {}) {
    super(
      'TEMPLATE_FIELD_MISSING',
      `template field \${${field}} is missing from the incident`,
      options,
    );
    this.field = field;
  }
}
