/**
 * Names of the request and response properties read for every request, for keyed reads
 * (`req[P.url]` rather than `req.url`).
 *
 * Express replaces the prototype of every request and response and then adds properties to
 * them, which gives each object a hidden class of its own. V8 caches property lookups by hidden
 * class, so a named read from such an object misses every cache and falls back to the runtime:
 * about 60–120 ns per read on Node 20. A keyed read that misses finds an own property in
 * generated code instead, in under 10 ns. On objects whose hidden classes repeat (node:http,
 * Fastify) a keyed read with one name per site is cached like a named one.
 *
 * The names are properties of an object, not constants, so that a minifier that inlines
 * constants does not turn the keyed reads back into named ones.
 */
export const P = {
  url: 'url',
  method: 'method',
  rawHeaders: 'rawHeaders',
  socket: 'socket',
  statusCode: 'statusCode',
  finished: 'finished',
  outputSize: 'outputSize',
  route: 'route',
  baseUrl: 'baseUrl',
  header: '_header',
  contentLength: '_contentLength',
  hasBody: '_hasBody',
  chunkedEncoding: 'chunkedEncoding',
  sent100: '_sent100',
} as const;
