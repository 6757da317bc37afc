import { Observable, type Observer, type Subscription } from 'rxjs';
import { z } from 'zod';
import {
  ConfigError,
  monotonicClock,
  parseOptions,
  type BreakerEvent,
  type BreakerState,
  type Clock,
} from '@homeostat/core';
import {
  createCircuitBreaker,
  type BreakerSnapshot,
  type BreakerSource,
  type CircuitBreaker,
  type CircuitBreakerDeps,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';
import { RegistryFullError } from './errors.js';

/** zod schema of {@link BreakerRegistryOptions}. */
export const breakerRegistryOptionsSchema = z
  .object({
    /**
     * Most breakers the registry holds; adding more throws {@link RegistryFullError}. Default
     * 1,000.
     */
    maxBreakers: z.number().int().min(1).max(1_000_000).default(1_000),
  })
  .strict();

/** Options of {@link createBreakerRegistry}. */
export type BreakerRegistryOptions = z.input<typeof breakerRegistryOptionsSchema>;

/** Control methods a runbook may call; breakers have all of them, adapters some. */
export interface BreakerControls {
  /** Opens the breaker now, as if it had tripped. */
  open?(): void;
  /** Closes the breaker now. */
  close?(): void;
  /**
   * Forces the breaker open until the returned release function is called (reference-counted
   * holds).
   */
  isolate?(): () => void;
  /** Releases one isolation hold; returns the number of holds left (0 when there was none). */
  release?(): number;
  /** Back to a fresh closed breaker: holds, window and counters cleared. */
  reset?(): void;
}

/** Health of every registered breaker at one moment. */
export interface RegistryHealth {
  /** Clock time of the snapshot. */
  readonly t: number;
  /** True when no breaker is open, half-open or forced-open. */
  readonly healthy: boolean;
  /** How many breakers are in each state. */
  readonly states: Readonly<Record<BreakerState, number>>;
  /** One snapshot per breaker, in registration order. */
  readonly breakers: readonly BreakerSnapshot[];
  /** Registrations refused because the registry was full. */
  readonly refused: number;
}

type Entry = BreakerSource & BreakerControls;

/**
 * Names breakers (and adapted ones, see {@link fromOpossum}), gives a health snapshot of all of
 * them and one merged event stream, and lets runbooks control them by name.
 */
export class BreakerRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly maxBreakers: number;
  private readonly clock: Clock;
  private readonly subscribers = new Set<{
    /** Forwards one breaker's events and errors, never its completion. */
    forward: Partial<Observer<BreakerEvent>>;
    subs: Map<string, Subscription>;
  }>();
  private nRefused = 0;

  /**
   * Every event of every registered breaker (breakers added later included), hot.
   *
   * @remarks
   * Removing a breaker, or a registered adapter completing its own stream (as
   * `fromOpossum(...).dispose()` does), only stops that breaker's events; the merged stream never
   * completes. An error from one breaker's stream is passed on.
   */
  readonly events$: Observable<BreakerEvent>;

  /** Use {@link createBreakerRegistry}, which validates the options. */
  constructor(
    options: z.output<typeof breakerRegistryOptionsSchema>,
    deps: { readonly clock?: Clock } = {},
  ) {
    this.maxBreakers = options.maxBreakers;
    this.clock = deps.clock ?? monotonicClock;
    this.events$ = new Observable<BreakerEvent>((subscriber) => {
      // A plain observer, not the subscriber itself: RxJS reuses a Subscriber passed to
      // `subscribe` and returns it, so unsubscribing one breaker would end the whole stream.
      const forward: Partial<Observer<BreakerEvent>> = {
        next: (event) => subscriber.next(event),
        error: (err: unknown) => subscriber.error(err),
      };
      const record = { forward, subs: new Map<string, Subscription>() };
      this.subscribers.add(record);
      for (const [name, entry] of this.entries)
        record.subs.set(name, entry.events$.subscribe(forward));
      return () => {
        this.subscribers.delete(record);
        for (const s of record.subs.values()) s.unsubscribe();
      };
    });
  }

  /** Number of registered breakers. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a breaker or adapter under its name.
   *
   * @throws {ConfigError} when the name is taken. {@link RegistryFullError} when full.
   */
  add<T extends Entry>(breaker: T): T {
    if (this.entries.has(breaker.name))
      throw new ConfigError(
        [{ path: 'name', message: `a breaker named "${breaker.name}" is already registered` }],
        {
          source: 'BreakerRegistry.add',
        },
      );
    if (this.entries.size >= this.maxBreakers) {
      this.nRefused++;
      throw new RegistryFullError(breaker.name, this.maxBreakers);
    }
    this.entries.set(breaker.name, breaker);
    for (const record of this.subscribers)
      record.subs.set(breaker.name, breaker.events$.subscribe(record.forward));
    return breaker;
  }

  /**
   * Returns the breaker named `options.name`, creating and registering it on first use.
   *
   * @throws {ConfigError} on invalid options, or when the name belongs to an adapter.
   * {@link RegistryFullError} when full.
   * @example
   * ```ts
   * const payments = registry.getOrCreate({ name: 'payments', openDurationMs: 10_000 });
   * ```
   */
  getOrCreate(
    options: CircuitBreakerOptions & { readonly name: string },
    deps: CircuitBreakerDeps = {},
  ): CircuitBreaker {
    const existing = this.entries.get(options.name);
    if (existing !== undefined) {
      if (!isBreaker(existing))
        throw new ConfigError(
          [
            {
              path: 'name',
              message: `"${options.name}" is registered but is not a CircuitBreaker`,
            },
          ],
          {
            source: 'BreakerRegistry.getOrCreate',
          },
        );
      return existing;
    }
    return this.add(createCircuitBreaker(options, { clock: this.clock, ...deps }));
  }

  /** The breaker or adapter registered under `name`. */
  get(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  /**
   * Unregisters `name`; its events stop flowing into {@link BreakerRegistry.events$}, while the
   * other breakers' events keep flowing.
   */
  remove(name: string): boolean {
    if (!this.entries.delete(name)) return false;
    for (const record of this.subscribers) {
      record.subs.get(name)?.unsubscribe();
      record.subs.delete(name);
    }
    return true;
  }

  /** Names in registration order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** A health snapshot of every registered breaker. */
  health(): RegistryHealth {
    const states: Record<BreakerState, number> = {
      closed: 0,
      open: 0,
      'half-open': 0,
      'forced-open': 0,
      disabled: 0,
    };
    const breakers: BreakerSnapshot[] = [];
    for (const entry of this.entries.values()) {
      const snap = entry.snapshot();
      states[snap.state]++;
      breakers.push(snap);
    }
    return {
      t: this.clock.now(),
      healthy: states.open + states['half-open'] + states['forced-open'] === 0,
      states,
      breakers,
      refused: this.nRefused,
    };
  }

  /**
   * Calls a control method on a breaker by name, for runbooks.
   *
   * @returns False when no breaker has that name or it does not support the action.
   * @example
   * ```ts
   * registry.control('payments', 'isolate');
   * ```
   */
  control(name: string, action: 'open' | 'close' | 'isolate' | 'release' | 'reset'): boolean {
    const entry = this.entries.get(name);
    if (entry === undefined || typeof entry[action] !== 'function') return false;
    switch (action) {
      case 'open':
        entry.open?.();
        break;
      case 'close':
        entry.close?.();
        break;
      case 'isolate':
        entry.isolate?.();
        break;
      case 'release':
        entry.release?.();
        break;
      case 'reset':
        entry.reset?.();
        break;
    }
    return true;
  }
}

function isBreaker(entry: Entry): entry is CircuitBreaker {
  return (
    typeof (entry as Partial<CircuitBreaker>).execute === 'function' &&
    typeof entry.isolate === 'function'
  );
}

/**
 * Creates a {@link BreakerRegistry}.
 *
 * @throws {ConfigError} when `maxBreakers` is invalid.
 * @example
 * ```ts
 * const registry = createBreakerRegistry();
 * registry.getOrCreate({ name: 'payments' });
 * registry.events$.subscribe((e) => events.next(e));
 * app.get('/health/breakers', (_req, res) => res.json(registry.health()));
 * ```
 */
export function createBreakerRegistry(
  options: BreakerRegistryOptions = {},
  deps: { readonly clock?: Clock } = {},
): BreakerRegistry {
  return new BreakerRegistry(
    parseOptions(breakerRegistryOptionsSchema, options, { source: 'createBreakerRegistry' }),
    deps,
  );
}
