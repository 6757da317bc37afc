/**
 * A request target in origin form (`/path?query`). A target in absolute form
 * (`http://host/path?query`, which HTTP/1.1 servers must accept, RFC 9112 §3.2.2; Node passes it
 * on as `req.url` unchanged) is cut to its path and query, so that endpoints, never-shed
 * prefixes, timeouts and route guesses see the path the host's router sees. Any other target
 * (`*`, a CONNECT authority, something that is not a URL) is returned as it is.
 */
export function originForm(target: string): string {
  const colon = target.indexOf('://');
  if (colon < 1 || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(target.slice(0, colon))) return target;
  let end = colon + 3;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 47 /* / */ || c === 63 /* ? */ || c === 35 /* # */) break;
    end++;
  }
  const rest = target.slice(end);
  return rest.charCodeAt(0) === 47 ? rest : '/' + rest;
}

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

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** True for segments that look like ids: all digits, hex of 8+ chars, a UUID, or 33+ chars. */
function idLike(path: string, from: number, to: number): boolean {
  const n = to - from;
  if (n === 0) return false;
  if (n > 32) return true;
  let digits = true;
  let hex = true;
  let dashes = 0;
  for (let i = from; i < to; i++) {
    const c = path.charCodeAt(i);
    if (c < 48 || c > 57) digits = false;
    if (c === 45 /* - */) dashes++;
    else if (!isHex(c)) hex = false;
  }
  if (digits) return true;
  if (!hex) return false;
  return dashes === 0 ? n >= 8 : n === 36 && dashes === 4;
}

/**
 * A route template guessed from a raw path when the host gives none: segments that look like
 * ids (numbers, hex, UUIDs, very long) become `:id`, and only the first `maxSegments` are kept.
 * Paths that need no change are returned without building a new string.
 */
export function guessRoute(url: string | undefined, maxSegments = 4): string {
  const path = pathOf(url);
  if (path === '/' || path.charCodeAt(0) !== 47) return '/';
  // First pass: is any change needed?
  let segments = 0;
  let clean = true;
  for (let from = 1; from <= path.length;) {
    let to = path.indexOf('/', from);
    if (to < 0) to = path.length;
    if (to === path.length && to === from) break; // trailing slash
    segments++;
    if (segments > maxSegments || idLike(path, from, to)) {
      clean = false;
      break;
    }
    from = to + 1;
  }
  if (clean) return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  let out = '';
  segments = 0;
  for (let from = 1; from <= path.length;) {
    let to = path.indexOf('/', from);
    if (to < 0) to = path.length;
    if (to === path.length && to === from) break;
    if (segments === maxSegments) {
      out += '/*';
      break;
    }
    out += idLike(path, from, to) ? '/:id' : '/' + path.slice(from, to);
    segments++;
    from = to + 1;
  }
  return out === '' ? '/' : out;
}
