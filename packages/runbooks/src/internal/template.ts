// Parameter templates: a string that is exactly `{{ path }}` becomes the value at `path` (any
// type); `{{ path }}` inside a longer string is replaced by its text. Paths are dotted, looked up
// in a plain context object; an unknown path is an error so a typo never becomes an empty target.

const WHOLE = /^\{\{\s*([\w.-]+)\s*\}\}$/;
const INNER = /\{\{\s*([\w.-]+)\s*\}\}/g;

/** Thrown when a template names a path that the context does not have. */
export class TemplateError extends Error {}

function lookup(context: Readonly<Record<string, unknown>>, path: string): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) {
      throw new TemplateError(`unknown template variable "{{ ${path} }}"`);
    }
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Replaces templates in `value` (recursively through arrays and plain objects). */
export function render(value: unknown, context: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return lookup(context, whole[1]!);
    return value.replace(INNER, (_m, path: string) => {
      const v = lookup(context, path);
      return typeof v === 'string' ? v : JSON.stringify(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => render(v, context));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = render(v, context);
    return out;
  }
  return value;
}
