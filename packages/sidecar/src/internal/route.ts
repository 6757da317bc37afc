/** The path part of a request URL (before `?`). */
export function pathOf(url: string | undefined): string {
  if (url === undefined || url === '') return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** True when `url`'s path is `prefix` or lies under it (`/health` matches `/health/db`, not `/healthy`). */
export function underPrefix(url: string, prefix: string): boolean {
  if (!url.startsWith(prefix)) return false;
  if (url.length === prefix.length || prefix.endsWith('/')) return true;
  const c = url.charCodeAt(prefix.length);
  return c === 47 /* / */ || c === 63; /* ? */
}

/** True when `url`'s path is exactly `path` (query ignored). */
export function isPath(url: string, path: string): boolean {
  if (!url.startsWith(path)) return false;
  return url.length === path.length || url.charCodeAt(path.length) === 63;
}

const ID_LIKE =
  /^(?:\d+|[0-9a-f]{8,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|.{33,})$/i;

/**
 * A route template guessed from a raw path when the host gives none: segments that look like
 * ids (numbers, hex, UUIDs, very long) become `:id`, and only the first `maxSegments` are kept.
 */
export function guessRoute(url: string | undefined, maxSegments = 4): string {
  const path = pathOf(url);
  if (path === '/') return '/';
  const parts = path.split('/');
  let out = '';
  let n = 0;
  for (let i = 1; i < parts.length; i++) {
    const seg = parts[i]!;
    if (seg === '' && i === parts.length - 1) break;
    if (n === maxSegments) {
      out += '/*';
      break;
    }
    out += '/' + (ID_LIKE.test(seg) ? ':id' : seg);
    n++;
  }
  return out === '' ? '/' : out;
}
