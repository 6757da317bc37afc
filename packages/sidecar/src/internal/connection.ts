import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';

/**
 * How the sidecar learns that a response has ended, without a listener per request.
 *
 * Most responses end while their handler runs (`res.end` inside it, or in Express's and
 * Fastify's synchronous paths) and are handed to the OS at once. Those the engine finishes as
 * soon as the handler returns (`Engine.settle`): the response is its connection's current one
 * ({@link sendingFrom}), so its size is the socket's byte counter then minus the counter when the
 * request started (which, for adapters that see every request, is the count the connection's
 * previous response ended at). Nothing else is needed for them.
 *
 * Many others end in a microtask already queued when their handler returns: an `async`
 * handler's result, which Fastify sends in a reaction to the handler's promise. Those wait in
 * their connection's queue ({@link enqueue}), and the engine looks at them again once the
 * microtasks queued so far have run (one promise reaction for all the requests one callback of
 * Node's settled, not one per request); what has ended by then is finished and taken off the
 * queue ({@link untrack}), and what has not is left to the channel, already in its place. That
 * is only worth its cost while the channel has no subscriber: once it has one (for responses
 * that end later), Node publishes every response's end anyway, and they are all watched.
 *
 * The rest (handlers that answer later, responses still being written, pipelined requests
 * queued behind another response) are watched here. Node's HTTP/1 server publishes every
 * response it finishes on the diagnostics channel `http.server.response.finish` (with the
 * request, response and socket), once the last byte has been handed to the socket. A sidecar
 * subscribes there while it has such responses (and one aggregation interval longer), and keeps
 * one small record per connection it has seen a request on (a symbol-keyed property of the
 * socket): the watched requests whose responses the connection is sending or will send next,
 * and how many bytes the connection had written when its previous response finished. A
 * response's size is then one read of the socket's byte counter at its finish, minus the
 * previous one.
 *
 * The channel is not kept subscribed for the responses that end in their handlers (or in such
 * a microtask): while it has a subscriber, Node builds a message and publishes it for every
 * response of every server in the process, which cost about 370 instructions per request
 * (measured), more than finishing the response after its handler does. Registering a `close`
 * listener on each response, the usual way, cost about as much as all of the sidecar's own
 * bookkeeping for a request (Node's `EventEmitter` stores listeners in a dictionary-mode
 * object); see docs/benchmarks/sidecar-history.md.
 *
 * A connection that closes before its response finished (the client left, or the response
 * was destroyed) is caught by one `close` listener per connection. Pipelined requests wait in
 * the connection's queue behind the response being sent. Responses Node's HTTP/1 server does
 * not send this way — HTTP/2's compatibility API, `fastify.inject` and other objects built by
 * hand — fall back to a `close` listener on the response ({@link track} says which).
 */

/** A request the sidecar is watching, as this module sees it. */
export interface Tracked {
  readonly res: ServerResponse;
  /**
   * Called once the response has ended: `sent` when Node finished sending it (rather than the
   * connection closing first), with the bytes the connection wrote for it, or {@link UNSENT}
   * when the connection closed while it waited behind the response being sent.
   */
  ended(sent: boolean, bytesOut: number): void;
}

/**
 * What a connection's close passes as the size of a response that waited behind the one being
 * sent (a pipelined request's): none of it went out, even if its handler had ended it (its head
 * was only buffered), so its status never reached the client.
 */
export const UNSENT = -2;

/**
 * What the sidecar keeps on a connection: one object per connection, reused by its requests.
 * Watched requests wait here, in the order Node will send their responses (usually one at a
 * time; more when the client pipelines, or when sidecars are nested on one server and each
 * watches the same response).
 */
class Connection {
  private first: Tracked | undefined = undefined;
  private rest: Tracked[] | undefined = undefined;
  /**
   * `bytes` was read when the connection's last response ended, and no request has started on
   * the connection since: it is where the next response's bytes begin. Cleared by the request
   * that uses it ({@link sendingFrom}) and by requests the sidecar answers without a state.
   */
  fresh = false;
  /**
   * The sidecar sees every request on the connection (its server emits them all to a listener
   * an adapter made), so `fresh` can be trusted: no response ends unseen.
   */
  whole = false;
  constructor(
    /** The connection's byte counter when its last response finished (or when first seen). */
    public bytes: number,
  ) {}

  get head(): Tracked | undefined {
    return this.first;
  }

  push(tracked: Tracked): void {
    if (this.first === undefined) this.first = tracked;
    else (this.rest ??= []).push(tracked);
  }

  shift(): Tracked | undefined {
    const tracked = this.first;
    this.first = this.rest !== undefined && this.rest.length > 0 ? this.rest.shift() : undefined;
    return tracked;
  }

  /** Takes `tracked` off the queue wherever it waits. */
  remove(tracked: Tracked): void {
    if (this.first === tracked) this.shift();
    else if (this.rest !== undefined) {
      const i = this.rest.indexOf(tracked);
      if (i >= 0) this.rest.splice(i, 1);
    }
  }

  holds(res: unknown): boolean {
    return this.first?.res === res || (this.rest?.some((t) => t.res === res) ?? false);
  }

  /**
   * Ends the requests waiting ahead of the first one for `res`. Node sends a connection's
   * responses in order, so once `res` is being sent or has finished, those have ended without
   * a finish the sidecar saw (only possible when every sidecar closed while they were in
   * flight, and the channel went quiet).
   */
  dropAhead(res: unknown): void {
    while (this.first !== undefined && this.first.res !== res) this.shift()!.ended(false, 0);
  }
}

type Socketish = Socket & {
  [kConnection]?: Connection;
  _httpMessage?: unknown;
  /** The server that accepted the connection (set by `net`). */
  server?: unknown;
};

const kConnection = Symbol('homeostat.sidecar.connection');
const CHANNEL = 'http.server.response.finish';
let users = 0;

/**
 * The symbol under which Node's `net.Socket` keeps its handle. The socket's `_handle` is a
 * getter that reads it; that getter is shared by every socket-like object in Node, so the read
 * inside it is a megamorphic keyed lookup (measured: 230–350 instructions per response, the
 * largest single item of the sidecar's own cost). Reading the symbol at the sidecar's own
 * call site is an ordinary cached property load. Found on the first connection that has it
 * ({@link learnHandleKey}); `undefined` until then, and for good when Node has no such
 * property (then `_handle` is read).
 */
let handleKey: symbol | undefined;
/** Connections looked at without finding the handle's symbol; the search stops at 8. */
let handleKeyMisses = 0;

/**
 * Looks for the handle's symbol among `socket`'s own symbols, and keeps it if reading it gives
 * what the `_handle` getter gives.
 */
function learnHandleKey(socket: Socket): void {
  if (handleKey !== undefined || handleKeyMisses >= 8) return;
  const viaGetter = (socket as unknown as { _handle?: unknown })._handle;
  if (viaGetter === null || viaGetter === undefined) return; // nothing to compare with
  for (const key of Object.getOwnPropertySymbols(socket)) {
    if (
      key.description === 'kHandle' &&
      (socket as unknown as Record<symbol, unknown>)[key] === viaGetter
    ) {
      handleKey = key;
      return;
    }
  }
  handleKeyMisses++;
}

/**
 * Bytes a socket has handed to the OS: the handle's counter, read directly (the socket's own
 * `bytesWritten` getter also walks its pending write buffer, and `_bytesDispatched` is one more
 * getter around the same read); the getter once the handle is gone (a closed socket keeps its
 * final count there).
 */
export function writtenBytes(socket: Socket | null | undefined): number {
  // Kept small: V8 inlines it into the adapters' per-request code, where every byte of it
  // counts against the budget that also inlines the host's own handler.
  const key = handleKey;
  if (key !== undefined && socket !== null && socket !== undefined) {
    const handle = (socket as unknown as Record<symbol, Handle | null | undefined>)[key];
    const n = handle === null || handle === undefined ? undefined : handle.bytesWritten;
    if (typeof n === 'number') return n;
  }
  return writtenBytesSlowly(socket);
}

/** {@link writtenBytes} for a socket whose handle is gone or not found under `handleKey`. */
function writtenBytesSlowly(socket: Socket | null | undefined): number {
  if (socket === null || socket === undefined) return 0;
  const s = socket as unknown as {
    _handle?: Handle | null;
    [key: symbol]: Handle | null | undefined;
  };
  const key = handleKey;
  let handle = key === undefined ? undefined : s[key];
  // Not a socket of Node's `net` (built by hand, or a proxy): its `_handle`, if any.
  if (handle === undefined) handle = s._handle;
  const n = handle === null || handle === undefined ? undefined : handle.bytesWritten;
  return typeof n === 'number' ? n : (socket.bytesWritten ?? 0);
}

interface Handle {
  bytesWritten?: unknown;
}

/**
 * Node calls this for every response every HTTP/1 server in the process finishes, so it does
 * as little as it can for connections the sidecar does not know, and it never throws: an error
 * thrown by a diagnostics-channel subscriber is rethrown in the host as an uncaught exception.
 */
function onResponseFinish(message: unknown): void {
  try {
    const m = message as { response?: unknown; socket?: Socketish | null };
    const socket = m.socket;
    if (socket === null || socket === undefined) return;
    const connection = socket[kConnection];
    if (connection === undefined) return;
    // Every response on the connection moves the baseline, watched or not, so that each
    // response is charged only its own bytes.
    const bytes = writtenBytes(socket);
    const sent = bytes - connection.bytes;
    connection.bytes = bytes;
    connection.fresh = true;
    const res = m.response;
    const head = connection.head;
    if (head === undefined) return;
    if (head.res !== res) {
      if (!connection.holds(res)) return; // a response no sidecar watched
      connection.dropAhead(res);
    }
    // Sidecars nested on one server each watch the same response.
    while (connection.head?.res === res) connection.shift()!.ended(true, sent);
  } catch {
    // `ended` reports its own failures; nothing else here can fail short of a broken socket.
  }
}

/** A connection closed: the responses still waiting on it have ended without finishing. */
function onConnectionClose(this: Socketish): void {
  try {
    const connection = this[kConnection];
    const head = connection?.head;
    if (connection === undefined || head === undefined) return;
    // What the connection wrote since its last finished response belongs to the one being sent
    // (Node keeps it as the socket's message until it finishes); the others never went out.
    const sent = writtenBytes(this) - connection.bytes;
    const res = this._httpMessage ?? head.res;
    for (let t = connection.shift(); t !== undefined; t = connection.shift()) {
      t.ended(false, t.res === res ? sent : UNSENT);
    }
  } catch {
    // As in onResponseFinish.
  }
}

/**
 * Where `res`'s bytes begin in `socket`'s byte counter, when `res` is the response Node's HTTP/1
 * server is sending (or will send next) on `socket`, so that the counter's next bytes are its
 * own; -1 otherwise (a response queued behind another, or not sent by Node's HTTP/1 server).
 *
 * On a connection whose server emits every request to `listener` (the request listener an
 * adapter made; see {@link emitsAllTo}), the sidecar sees every response end. There the count
 * at which the previous response ended ({@link settled}, or the finish channel) is used when
 * no request has started since, instead of reading the counter again: the read is a call into
 * the socket's native handle, about 140 instructions. Elsewhere (Express middleware, a wrapped
 * listener the host calls for some requests only) the counter is read, since a response the
 * sidecar never saw end would otherwise be counted with the next one.
 */
export function sendingFrom(
  socket: Socket | null | undefined,
  res: unknown,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- compared by identity only
  listener: Function | undefined,
): number {
  if (socket === null || socket === undefined) return -1;
  const s = socket as Socketish;
  if (s._httpMessage !== res) return -1;
  const connection = s[kConnection];
  if (connection === undefined) {
    const adopted = adopt(s, writtenBytes(s));
    adopted.whole = listener !== undefined && emitsAllTo(s.server, listener);
    return adopted.bytes;
  }
  const fresh = connection.fresh;
  connection.fresh = false;
  return fresh && connection.whole ? connection.bytes : writtenBytes(s);
}

/**
 * Whether `server` emits every request it reads to `listener`: it is one of the server's
 * `request` listeners, and no `checkContinue` or `checkExpectation` listener takes requests
 * that expect a `100 Continue` elsewhere. Read from the emitter's listener table, which Node's
 * `EventEmitter` keeps in `_events` (`listeners()` would copy an array per connection); `false`
 * when there is none (not an emitter of Node's, or an HTTPS socket whose server is not linked).
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- compared by identity only
export function emitsAllTo(server: unknown, listener: Function): boolean {
  const events = (server as { _events?: Record<string, unknown> | null } | null | undefined)
    ?._events;
  if (events === null || events === undefined || typeof events !== 'object') return false;
  const request = events.request;
  return (
    (request === listener || (Array.isArray(request) && request.includes(listener))) &&
    events.checkContinue === undefined &&
    events.checkExpectation === undefined
  );
}

/**
 * A response Node's HTTP/1 server is sending on `socket` has been handed to it in full, and the
 * socket's byte counter reads `bytes`: where the connection's next response begins.
 */
export function settled(socket: Socket | null | undefined, bytes: number): void {
  const connection = (socket as Socketish | null | undefined)?.[kConnection];
  if (connection === undefined) return;
  connection.bytes = bytes;
  connection.fresh = true;
}

/**
 * A request on `socket` is answered without the sidecar observing it (one of its endpoints, or
 * a failure of its own before the request had a state): the count kept for the connection is
 * no longer where its next response begins.
 */
export function unseen(socket: Socket | null | undefined): void {
  const connection = (socket as Socketish | null | undefined)?.[kConnection];
  if (connection !== undefined) connection.fresh = false;
}

/**
 * Gives a connection its record and its `close` listener, once, on its first request.
 *
 * The listener is added even while every response on the connection ends in its handler and
 * nothing else needs it: Node's server adds a `close` listener of its own to the socket for each
 * response and removes it after, and with one listener already there beside the server's, the
 * socket keeps its `close` listeners in an array that Node appends to and trims, instead of
 * replacing the entry in the socket's listener table twice per response (measured: about 200
 * instructions per request on Node 20; see docs/benchmarks/sidecar-history.md).
 */
function adopt(s: Socketish, bytes: number): Connection {
  learnHandleKey(s);
  const connection = new Connection(bytes);
  s[kConnection] = connection;
  s.on('close', onConnectionClose);
  return connection;
}

/** A sidecar opened: subscribe to the finish channel (once for all sidecars of the process). */
export function retainFinishChannel(): void {
  if (users++ === 0) subscribe(CHANNEL, onResponseFinish);
}

/**
 * Whether some sidecar of the process holds the finish channel: Node then publishes every
 * response's end, watched or not.
 */
export function channelInUse(): boolean {
  return users > 0;
}

/** A sidecar closed: unsubscribe when it was the last. */
export function releaseFinishChannel(): void {
  if (users > 0 && --users === 0) unsubscribe(CHANNEL, onResponseFinish);
}

/**
 * Starts watching `tracked`'s response on `socket`. Returns `true` when the finish channel and
 * the connection's `close` will report its end: Node's HTTP/1 server is sending a response on
 * this socket now (this one, or one ahead of it in a pipeline). Returns `false` otherwise
 * (no sidecar subscribed, HTTP/2's compatibility API, objects built by hand), and the caller
 * must listen for the response's own `close`. `baseline` is the socket's byte counter when the
 * request started if its response was the connection's current one then ({@link sendingFrom}),
 * else -1.
 */
export function track(
  tracked: Tracked,
  socket: Socket | null | undefined,
  baseline: number,
): boolean {
  if (users === 0) return false;
  return enqueue(tracked, socket, baseline);
}

/**
 * Puts `tracked` in its connection's queue, at its place in the order Node sends responses in,
 * as {@link track} does, but whether or not the finish channel has a subscriber: for a response
 * the caller expects to see end by itself shortly ({@link untrack} takes it off again), and that
 * the channel must report otherwise. `false` where {@link track} would be `false` for any reason
 * but the channel.
 */
export function enqueue(
  tracked: Tracked,
  socket: Socket | null | undefined,
  baseline: number,
): boolean {
  if (socket === null || socket === undefined) return false;
  const s = socket as Socketish;
  const sending = s._httpMessage;
  if (sending === null || sending === undefined) return false;
  let connection = s[kConnection];
  if (connection === undefined) {
    connection = adopt(s, baseline >= 0 ? baseline : writtenBytes(s));
  } else if (sending === tracked.res) {
    connection.dropAhead(tracked.res);
    // The connection's responses before this one have all been sent; while no sidecar was
    // subscribed, the channel did not move the count past them.
    if (baseline >= 0) connection.bytes = baseline;
  }
  connection.push(tracked);
  return true;
}

/** Takes `tracked` off its connection's queue: its end was seen another way. */
export function untrack(tracked: Tracked, socket: Socket | null | undefined): void {
  (socket as Socketish | null | undefined)?.[kConnection]?.remove(tracked);
}
