import type { ActionResult } from '../action.js';

const MAX_DATA = 64 * 1024;

/** Checks what an action returned; anything but void or a small `ActionResult` is garbage. */
export function checkResult(
  value: unknown,
): { ok: true; result: ActionResult } | { ok: false; reason: string } {
  if (value === undefined || value === null) return { ok: true, result: {} };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      reason: `returned ${describe(value)} instead of void or { ok?, detail?, data? }`,
    };
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    return {
      ok: false,
      reason: 'returned a class instance instead of a plain { ok?, detail?, data? } object',
    };
  }
  const rec = value as Record<string, unknown>;
  const extra = Object.keys(rec).filter((k) => k !== 'ok' && k !== 'detail' && k !== 'data');
  if (extra.length > 0)
    return {
      ok: false,
      reason: `returned unknown fields ${extra.map((k) => JSON.stringify(k)).join(', ')}`,
    };
  if (rec.ok !== undefined && typeof rec.ok !== 'boolean')
    return { ok: false, reason: `returned ok = ${describe(rec.ok)}, not a boolean` };
  if (rec.detail !== undefined && typeof rec.detail !== 'string')
    return { ok: false, reason: `returned detail = ${describe(rec.detail)}, not a string` };
  let data: unknown;
  if (rec.data !== undefined) {
    let text: string | undefined;
    try {
      text = JSON.stringify(rec.data);
    } catch (e) {
      return {
        ok: false,
        reason: `returned data that is not JSON-serialisable (${e instanceof Error ? e.message : String(e)})`,
      };
    }
    if (text === undefined)
      return { ok: false, reason: 'returned data that is not JSON-serialisable' };
    if (text.length > MAX_DATA)
      return { ok: false, reason: `returned data larger than ${MAX_DATA} bytes of JSON` };
    data = JSON.parse(text) as unknown;
  }
  const detail = typeof rec.detail === 'string' ? rec.detail.slice(0, 1000) : undefined;
  return {
    ok: true,
    result: {
      ...(typeof rec.ok === 'boolean' ? { ok: rec.ok } : {}),
      ...(detail === undefined ? {} : { detail }),
      ...(data === undefined ? {} : { data }),
    },
  };
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `a string (${JSON.stringify(v.slice(0, 40))})`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return 'an array';
  return `${typeof v} ${String(v).slice(0, 40)}`;
}

/** An error's message, or the thrown value as text. */
export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  try {
    return typeof e === 'string' ? e : `non-error thrown: ${JSON.stringify(e) ?? String(e)}`;
  } catch {
    return 'non-error thrown';
  }
}
