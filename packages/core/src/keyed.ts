import { Observable, type OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Sample } from './events.js';
import { OperatorError } from './errors.js';
import { resolveOnError, type OperatorDeps } from './deps.js';
import { parseOptions } from './options.js';

/** Bounds of a keyed state map. */
export const keyedOptionsSchema = z.strictObject({
  /** Most keys held at once; the least recently used is evicted beyond it. Default 10,000. */
  maxKeys: z.number().int().min(1).default(10_000),
  /**
   * A key unseen for longer than this (in the time passed to the store — event time for the
   * operator) is evicted. `Infinity` (the default) disables idle eviction. Idleness is measured
   * against the store's clock: the latest finite time passed to it, except that a single jump of
   * more than `idleTtlMs` ahead counts only once an event of another key confirms it.
   */
  // zod's number() refuses Infinity, which is the documented way to disable idle eviction.
  idleTtlMs: z
    .custom<number>((v) => typeof v === 'number' && v > 0, {
      message: 'must be a number > 0 (Infinity disables idle eviction)',
    })
    .default(Number.POSITIVE_INFINITY),
});

/** Options of {@link KeyedStore} and {@link keyed} (all optional). */
export type KeyedOptions = z.input<typeof keyedOptionsSchema>;

/** Why a key was evicted. */
export type EvictionReason = 'lru' | 'idle';

/** Counters of a keyed map, readable at any time by the host. */
export interface KeyedStats {
  /** Keys held now. */
  keys: number;
  /** Keys created since the start (including re-created ones). */
  created: number;
  /** Keys evicted because `maxKeys` was reached. */
  evictedLru: number;
  /** Keys evicted because they were idle longer than `idleTtlMs`. */
  evictedIdle: number;
}

/** Creates zeroed {@link KeyedStats}, to pass to {@link keyed} and read later. */
export function createKeyedStats(): KeyedStats {
  return { keys: 0, created: 0, evictedLru: 0, evictedIdle: 0 };
}

interface Entry<S> {
  readonly key: string;
  state: S;
  /** The store's clock when the key was last used; non-decreasing from head to tail. */
  lastSeen: number;
  prev: Entry<S> | undefined;
  next: Entry<S> | undefined;
}

/** How a {@link KeyedStore} makes and forgets state. */
export interface KeyedStoreHooks<S, TEvent> {
  /** Makes the state of a key on first sight. */
  create: (key: string, event: TEvent) => S;
  /** Called when a key is evicted (not on `delete` or `clear`). Must not throw. */
  onEvict?: (key: string, state: S, reason: EvictionReason) => void;
}

/**
 * A bounded map from key to state with least-recently-used and idle eviction: the plain object
 * behind {@link keyed}.
 *
 * @remarks
 * Entries sit in an intrusive doubly-linked list ordered by last use, so a lookup of a known key
 * costs one `Map.get` and a few pointer moves, with no allocation. Idle eviction walks from the
 * least recently used end and stops at the first fresh entry, so it is O(1) amortised.
 *
 * Idle time is measured on the store's clock, not on each key's own times, so that one bad
 * timestamp cannot pin a key or evict the others:
 * - the clock is the latest finite `t` passed to {@link KeyedStore.getOrCreate}; a key used at
 *   any `t` — earlier, `NaN` or `±Infinity` included — counts as seen at the clock's time;
 * - a `t` more than `idleTtlMs` ahead of the clock (which alone would make every other key idle
 *   at once, e.g. one sample of a host whose clock is off by a year) does not move the clock
 *   until the next event of another key also lies that far ahead (the clock then moves to the
 *   earlier of the two); an event of any key within reach cancels it. A stream that really
 *   jumps ahead is confirmed by its next event of another key.
 * @example
 * ```ts
 * const store = new KeyedStore({ maxKeys: 1000 }, { create: () => ({ n: 0 }) });
 * store.getOrCreate('cpu', 0, undefined).n++;
 * ```
 */
export class KeyedStore<S, TEvent = unknown> {
  /** Counters; `keys` is kept equal to the number of entries. */
  readonly stats: KeyedStats;
  private readonly map = new Map<string, Entry<S>>();
  private head: Entry<S> | undefined; // least recently used
  private tail: Entry<S> | undefined; // most recently used
  private readonly maxKeys: number;
  private readonly idleTtlMs: number;
  private readonly hooks: KeyedStoreHooks<S, TEvent>;
  /** The store's clock (see the class remarks); -Infinity before any finite time. */
  private clock = Number.NEGATIVE_INFINITY;
  /** Key and time of an unconfirmed jump of the clock, if one is pending. */
  private jumpKey: string | undefined;
  private jumpT = Number.NaN;

  /**
   * @throws {ConfigError} when `maxKeys` or `idleTtlMs` is invalid.
   */
  constructor(
    options: KeyedOptions,
    hooks: KeyedStoreHooks<S, TEvent>,
    stats: KeyedStats = createKeyedStats(),
  ) {
    const parsed = parseOptions(keyedOptionsSchema, options, { source: 'keyed' });
    this.maxKeys = parsed.maxKeys;
    this.idleTtlMs = parsed.idleTtlMs;
    this.hooks = hooks;
    this.stats = stats;
  }

  /** Number of keys held. */
  get size(): number {
    return this.map.size;
  }

  /** The state of `key`, without touching its recency; `undefined` when absent. */
  peek(key: string): S | undefined {
    return this.map.get(key)?.state;
  }

  /** True when `key` is held. */
  has(key: string): boolean {
    return this.map.has(key);
  }

  /**
   * The state of `key`, created on first sight; marks it most recently used at time `t` and
   * evicts what the bounds require. A non-finite or implausible `t` is handled as described in
   * the class remarks.
   */
  getOrCreate(key: string, t: number, event: TEvent): S {
    const idle = this.idleTtlMs !== Number.POSITIVE_INFINITY;
    if (idle) this.tick(key, t);
    let entry = this.map.get(key);
    if (entry === undefined) {
      entry = {
        key,
        state: this.hooks.create(key, event),
        lastSeen: this.clock,
        prev: this.tail,
        next: undefined,
      };
      if (this.tail) this.tail.next = entry;
      else this.head = entry;
      this.tail = entry;
      this.map.set(key, entry);
      this.stats.created++;
      if (this.map.size > this.maxKeys) this.evict(this.head!, 'lru');
    } else this.touch(entry);
    if (idle) {
      const cutoff = this.clock - this.idleTtlMs;
      let h = this.head;
      while (h !== undefined && h !== entry && h.lastSeen < cutoff) {
        const nextHead: Entry<S> | undefined = h.next;
        this.evict(h, 'idle');
        h = nextHead;
      }
    }
    this.stats.keys = this.map.size;
    return entry.state;
  }

  /** Replaces the state of a held key (for immutable states); returns false when absent. */
  set(key: string, state: S): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    entry.state = state;
    return true;
  }

  /** Forgets `key` without calling `onEvict`. */
  delete(key: string): boolean {
    const entry = this.map.get(key);
    if (entry === undefined) return false;
    this.unlink(entry);
    this.map.delete(key);
    this.stats.keys = this.map.size;
    return true;
  }

  /** Forgets every key without calling `onEvict`. */
  clear(): void {
    this.map.clear();
    this.head = undefined;
    this.tail = undefined;
    this.stats.keys = 0;
  }

  /** Keys with their states, least recently used first. */
  *entries(): IterableIterator<[string, S]> {
    for (let e = this.head; e !== undefined; e = e.next) yield [e.key, e.state];
  }

  /** Moves the clock for an event of `key` at `t` (see the class remarks). */
  private tick(key: string, t: number): void {
    if (!Number.isFinite(t)) return;
    if (this.clock === Number.NEGATIVE_INFINITY) {
      // The first finite time: keys used before it (at non-finite times) were seen "now". Once.
      for (let e = this.head; e !== undefined; e = e.next) e.lastSeen = t;
      this.clock = t;
    } else if (t - this.clock <= this.idleTtlMs) {
      if (t > this.clock) this.clock = t;
      this.jumpKey = undefined;
    } else if (this.jumpKey === undefined) {
      this.jumpKey = key;
      this.jumpT = t;
    } else if (this.jumpKey !== key) {
      this.clock = Math.min(t, this.jumpT);
      // The key that jumped first was seen at the new time too, not at the old clock.
      const first = this.map.get(this.jumpKey);
      if (first !== undefined) this.touch(first);
      this.jumpKey = undefined;
    }
  }

  /** Marks a held entry most recently used at the clock's time. */
  private touch(entry: Entry<S>): void {
    entry.lastSeen = this.clock;
    if (entry === this.tail) return;
    this.unlink(entry);
    entry.prev = this.tail;
    entry.next = undefined;
    this.tail!.next = entry;
    this.tail = entry;
  }

  private unlink(entry: Entry<S>): void {
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = undefined;
    entry.next = undefined;
  }

  private evict(entry: Entry<S>, reason: EvictionReason): void {
    this.unlink(entry);
    this.map.delete(entry.key);
    if (reason === 'lru') this.stats.evictedLru++;
    else this.stats.evictedIdle++;
    this.stats.keys = this.map.size;
    if (this.hooks.onEvict) {
      try {
        this.hooks.onEvict(entry.key, entry.state, reason);
      } catch {
        // Documented as must-not-throw; a faulty hook must not corrupt the store.
      }
    }
  }
}

/** How {@link keyed} finds, makes and updates per-key state. */
export interface KeyedHandlers<T, S, R> {
  /** Makes the state of a new key. */
  create: (key: string, event: T) => S;
  /** Updates the state with one event; returns the output, or `undefined` to emit nothing. */
  update: (state: S, event: T, key: string) => R | undefined;
  /** The key of an event. Default: `event.series`. */
  key?: (event: T) => string;
  /** The time of an event, for idle eviction. Default: `event.t` (event time). */
  time?: (event: T) => number;
  /** Called when a key is evicted. */
  onEvict?: (key: string, state: S, reason: EvictionReason) => void;
}

/** Capabilities of {@link keyed}: the usual operator deps plus counters the host can read. */
export interface KeyedDeps extends OperatorDeps {
  /** Counters updated in place (see {@link createKeyedStats}). */
  readonly stats?: KeyedStats;
}

/**
 * Runs per-series state over a stream: creates state on first sight of a key, updates it per
 * event, and emits what `update` returns. Memory is bounded by `maxKeys` (least recently used
 * evicted) and `idleTtlMs`; evictions are counted in `deps.stats`.
 *
 * @remarks
 * The hot path of every detector and predictor: no allocation per event beyond the output.
 * A throw in `create`, `update`, `key` or `time` is reported through `deps.onError` and that
 * event skipped. State is per subscription.
 * @throws {ConfigError} when the bounds are invalid.
 * @example
 * ```ts
 * samples$.pipe(
 *   keyed({ maxKeys: 10_000 }, {
 *     create: () => ({ n: 0, mean: 0 }),
 *     update: (s, x) => { s.n++; s.mean += (x.value - s.mean) / s.n; return s.mean; },
 *   }),
 * );
 * ```
 */
export function keyed<T extends Sample, S, R>(
  options: KeyedOptions,
  handlers: KeyedHandlers<T, S, R>,
  deps: KeyedDeps = {},
): OperatorFunction<T, R> {
  // Validate at composition time; the store below re-validates cheaply per subscription.
  parseOptions(keyedOptionsSchema, options, { source: 'keyed' });
  const onError = resolveOnError(deps);
  const keyOf = handlers.key;
  const timeOf = handlers.time;
  const update = handlers.update;
  const hooks: KeyedStoreHooks<S, T> = handlers.onEvict
    ? { create: handlers.create, onEvict: handlers.onEvict }
    : { create: handlers.create };
  return (source) =>
    new Observable<R>((subscriber) => {
      const store = new KeyedStore<S, T>(options, hooks, deps.stats ?? createKeyedStats());
      const subscription = source.subscribe({
        next(event) {
          let out: R | undefined;
          try {
            const key = keyOf ? keyOf(event) : event.series;
            const t = timeOf ? timeOf(event) : event.t;
            out = update(store.getOrCreate(key, t, event), event, key);
          } catch (cause) {
            onError(new OperatorError('keyed', event, { cause }));
            return;
          }
          if (out !== undefined) subscriber.next(out);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        subscription.unsubscribe();
        store.clear();
      };
    });
}
