import { ConfigError, type Incident } from '@homeostat/core';
import { TemplateError } from './errors.js';
import { compileField, type FieldReader } from './internal/fields.js';

type Part = string | { readonly field: string; readonly read: FieldReader };

/**
 * A parameter template compiled once: literal text and named fields such as `${label.pod}`.
 * Rendering substitutes values only — nothing in a template or a value is ever evaluated.
 */
export interface CompiledTemplate {
  /** The template text as written. */
  readonly source: string;
  /** The fields the template names, in order. */
  readonly fields: readonly string[];
  /** @internal */
  readonly parts: readonly Part[];
}

/** Parses a template; returns the problem as a string instead of throwing. */
export function tryCompileTemplate(source: string): CompiledTemplate | string {
  const parts: Part[] = [];
  const fields: string[] = [];
  let lit = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === '$' && source[i + 1] === '$') {
      lit += '$';
      i += 2;
      continue;
    }
    if (c === '$' && source[i + 1] === '{') {
      const end = source.indexOf('}', i + 2);
      if (end < 0) return `unclosed "\${" at position ${i} in template "${source}"`;
      const name = source.slice(i + 2, end).trim();
      if (name === '') return `empty "\${}" at position ${i} in template "${source}"`;
      const field = compileField(name);
      if (typeof field === 'string') return `${field} in template "${source}"`;
      if (lit !== '') parts.push(lit);
      lit = '';
      parts.push({ field: name, read: field.single });
      fields.push(name);
      i = end + 1;
      continue;
    }
    lit += c;
    i++;
  }
  if (lit !== '') parts.push(lit);
  return { source, fields, parts };
}

/**
 * Compiles a template such as `"restart ${label.pod} in ${label.namespace}"`.
 *
 * @remarks Fields: `label.<name>`, `annotation.<name>`, `incident.(id|resource|severity|status|openedAt)`,
 * `severity`, `score`, `rootCause`, `rootCause.score`, `symptom.(series|resource|metric|detector|value|score)`
 * (the highest-scoring symptom). `$$` writes a literal `$`.
 * @throws {ConfigError} when the template names an unknown field or is malformed.
 * @example
 * ```ts
 * const t = compileTemplate('${label.pod}');
 * renderTemplate(t, incident); // 'api-7f9c'
 * ```
 */
export function compileTemplate(source: string): CompiledTemplate {
  const t = tryCompileTemplate(source);
  if (typeof t === 'string')
    throw new ConfigError([{ path: '', message: t }], { source: 'template' });
  return t;
}

/**
 * Fills a compiled template from an incident by plain substitution.
 *
 * @throws {TemplateError} (`TEMPLATE_FIELD_MISSING`) when a named field is absent or empty:
 * a missing field is an error, never an empty string.
 */
export function renderTemplate(template: CompiledTemplate, incident: Incident): string {
  const parts = template.parts;
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = p.read(incident);
    if (v === undefined || v === '') throw new TemplateError(p.field);
    out += typeof v === 'number' ? String(v) : v;
  }
  return out;
}
