/**
 * Model-based tests: random command sequences run against the breaker and against a plain model
 * written for clarity (arrays, no rings); after every command the state, the window counts and
 * every counter must match exactly, and every state change the breaker announced must be legal.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BreakerEvent, BreakerState } from '@homeostat/core';
import { createManualClock, type ManualClock } from '@homeostat/core/testing';
import {
  createCircuitBreaker,
  type BreakerPermit,
  type CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker.js';

type WindowConfig =
  | { type: 'consecutive'; failureThreshold: number }
  | { type: 'count'; size: number }
  | { type: 'time'; durationMs: number; buckets: number };

interface Config {
  window: WindowConfig;
  minimumCalls: number;
  failureRateThreshold: number;
  permits: number;
  successThreshold: number;
  openDurationMs: number;
  multiplier: number;
  maxOpenDurationMs: number;
}

const LEGAL: Record<BreakerState, readonly BreakerState[]> = {
  closed: ['open', 'forced-open', 'disabled'],
  open: ['half-open', 'closed', 'forced-open', 'disabled'],
  'half-open': ['open', 'closed', 'forced-open', 'disabled'],
  'forced-open': ['closed', 'disabled'],
  disabled: ['closed', 'open', 'forced-open'],
};

type Base = 'closed' | 'open' | 'half-open' | 'disabled';

/** The reference model. */
class Model {
  base: Base = 'closed';
  gen = 0;
  isolations = 0;
  openUntil = 0;
  reopen = 0;
  trialAdmitted = 0;
  trialOk = 0;
  trialFail = 0;
  /** count / consecutive windows: outcomes in order (true = failure). */
  outcomes: boolean[] = [];
  /** time window: (absolute bucket index, failure) per call, and the origin of bucket 0. */
  timed: { bucket: number; failure: boolean }[] = [];
  origin: number | undefined = undefined;
  stats = { calls: 0, successes: 0, failures: 0, rejected: 0, cancelled: 0, trips: 0 };

  constructor(
    readonly cfg: Config,
    readonly clock: ManualClock,
  ) {}

  private bucketOf(t: number): number {
    const w = this.cfg.window;
    if (w.type !== 'time') return 0;
    this.origin ??= t;
    const width = w.durationMs / w.buckets;
    return Math.floor((t - this.origin) / width);
  }

  windowCounts(): { calls: number; failures: number } {
    const w = this.cfg.window;
    if (w.type === 'consecutive') {
      let run = 0;
      for (let i = this.outcomes.length - 1; i >= 0 && this.outcomes[i]; i--) run++;
      return { calls: run, failures: run };
    }
    if (w.type === 'count') {
      const last = this.outcomes.slice(-w.size);
      return { calls: last.length, failures: last.filter(Boolean).length };
    }
    if (this.origin === undefined) return { calls: 0, failures: 0 };
    const current = this.bucketOf(this.clock.now());
    const live = this.timed.filter((c) => c.bucket > current - w.buckets);
    return { calls: live.length, failures: live.filter((c) => c.failure).length };
  }

  private resetWindow(): void {
    this.outcomes = [];
    this.timed = [];
    this.origin = undefined;
  }

  private toBase(next: Base): void {
    this.base = next;
    this.gen++;
    this.trialAdmitted = this.trialOk = this.trialFail = 0;
    if (next === 'closed') {
      this.resetWindow();
      this.reopen = 0;
    }
  }

  private trip(): void {
    this.stats.trips++;
    const dur = Math.min(
      this.cfg.maxOpenDurationMs,
      this.cfg.openDurationMs * this.cfg.multiplier ** this.reopen,
    );
    this.openUntil = this.clock.now() + (this.reopen === 0 ? this.cfg.openDurationMs : dur);
    this.toBase('open');
  }

  state(): BreakerState {
    if (this.isolations > 0) return 'forced-open';
    if (this.base === 'open' && this.clock.now() >= this.openUntil) this.toBase('half-open');
    return this.base;
  }

  admit(): number | undefined {
    if (this.isolations === 0) {
      const s = this.state();
      if (s === 'closed' || s === 'disabled') {
        this.stats.calls++;
        return this.gen;
      }
      if (s === 'half-open' && this.trialAdmitted < this.cfg.permits) {
        this.trialAdmitted++;
        this.stats.calls++;
        return this.gen;
      }
    }
    this.stats.rejected++;
    return undefined;
  }

  settle(gen: number, failed: boolean): void {
    if (failed) this.stats.failures++;
    else this.stats.successes++;
    if (gen !== this.gen) return;
    if (this.base === 'closed') {
      const w = this.cfg.window;
      if (w.type === 'time')
        this.timed.push({ bucket: this.bucketOf(this.clock.now()), failure: failed });
      else this.outcomes.push(failed);
      const { calls, failures } = this.windowCounts();
      const trips =
        w.type === 'consecutive'
          ? failures >= w.failureThreshold
          : calls >= this.cfg.minimumCalls && failures / calls >= this.cfg.failureRateThreshold;
      if (trips) this.trip();
    } else if (this.base === 'half-open') {
      if (failed) {
        this.trialFail++;
        if (this.trialFail > this.cfg.permits - this.cfg.successThreshold) {
          this.reopen++;
          this.trip();
        }
      } else {
        this.trialOk++;
        if (this.trialOk >= this.cfg.successThreshold) this.toBase('closed');
      }
    }
  }

  cancel(gen: number): void {
    this.stats.cancelled++;
    if (gen === this.gen && this.base === 'half-open') this.trialAdmitted--;
  }

  open(): void {
    this.trip();
  }
  close(): void {
    this.toBase('closed');
  }
  disable(): void {
    this.toBase('disabled');
  }
  enable(): void {
    if (this.base === 'disabled') this.toBase('closed');
  }
  isolate(): void {
    this.isolations++;
  }
  release(): void {
    if (this.isolations === 0) return;
    this.isolations--;
    if (this.isolations === 0 && this.base !== 'disabled') this.toBase('closed');
  }
  reset(): void {
    this.isolations = 0;
    this.stats = { calls: 0, successes: 0, failures: 0, rejected: 0, cancelled: 0, trips: 0 };
    this.reopen = 0;
    this.toBase('closed');
    this.resetWindow();
  }
}

interface Real {
  breaker: CircuitBreaker;
  clock: ManualClock;
  inFlight: { permit: BreakerPermit; gen: number }[];
  changes: BreakerEvent[];
}

type Cmd = fc.Command<Model, Real>;

function check(m: Model, r: Real): void {
  const state = r.breaker.state;
  expect(state).toBe(m.state());
  const snap = r.breaker.snapshot();
  const counts = m.windowCounts();
  expect({ calls: snap.window.calls, failures: snap.window.failures }).toEqual(counts);
  expect(snap.stats).toMatchObject(m.stats);
  expect(snap.inFlight).toBe(r.inFlight.length);
  expect(snap.isolations).toBe(m.isolations);
  let previous: BreakerState = 'closed';
  for (const e of r.changes) {
    expect(e.from).toBe(previous);
    expect(LEGAL[e.from!]).toContain(e.state);
    previous = e.state;
  }
  expect(previous).toBe(state);
}

const simple = (name: string, run: (m: Model, r: Real) => void): Cmd => ({
  check: () => true,
  run(m, r) {
    run(m, r);
    check(m, r);
  },
  toString: () => name,
});

const acquire: Cmd = simple('acquire', (m, r) => {
  const gen = m.admit();
  const permit = r.breaker.tryAcquire();
  expect(permit === undefined).toBe(gen === undefined);
  if (permit !== undefined && gen !== undefined) r.inFlight.push({ permit, gen });
});

const settle = (index: number, how: 'success' | 'failure' | 'cancel'): Cmd => ({
  check: (m) => m !== undefined,
  run(m, r) {
    if (r.inFlight.length === 0) return;
    const [call] = r.inFlight.splice(index % r.inFlight.length, 1);
    if (how === 'cancel') {
      m.cancel(call!.gen);
      call!.permit.cancel();
    } else {
      m.settle(call!.gen, how === 'failure');
      if (how === 'failure') call!.permit.failure(new Error('x'));
      else call!.permit.success();
    }
    check(m, r);
  },
  toString: () => `${how}(${index})`,
});

const advance = (ms: number): Cmd =>
  simple(`advance(${ms})`, (_m, r) => {
    r.clock.advance(ms);
  });

const control = (
  name: 'open' | 'close' | 'disable' | 'enable' | 'isolate' | 'release' | 'reset',
): Cmd =>
  simple(name, (m, r) => {
    m[name]();
    r.breaker[name]();
  });

// Weighted towards calls, so half-open episodes with several trials are common.
const commands = [
  fc.constant(acquire),
  fc.constant(acquire),
  fc.constant(acquire),
  fc
    .tuple(fc.nat(8), fc.constantFrom('success', 'failure' as const))
    .map(([i, how]) => settle(i, how)),
  fc
    .tuple(fc.nat(8), fc.constantFrom('success', 'failure', 'failure', 'cancel' as const))
    .map(([i, how]) => settle(i, how)),
  fc
    .tuple(fc.nat(8), fc.constantFrom('success', 'failure' as const))
    .map(([i, how]) => settle(i, how)),
  fc.integer({ min: 1, max: 150 }).map(advance),
  fc
    .constantFrom('open', 'close', 'disable', 'enable', 'isolate', 'release', 'reset' as const)
    .map(control),
];

const configArb: fc.Arbitrary<Config> = fc
  .record({
    window: fc.oneof(
      fc.record({
        type: fc.constant('consecutive' as const),
        failureThreshold: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({ type: fc.constant('count' as const), size: fc.integer({ min: 1, max: 6 }) }),
      fc.record({
        type: fc.constant('time' as const),
        durationMs: fc.constantFrom(100, 200, 300),
        buckets: fc.integer({ min: 1, max: 4 }),
      }),
    ),
    minimumCalls: fc.integer({ min: 1, max: 5 }),
    failureRateThreshold: fc.constantFrom(0.25, 0.5, 0.75, 1),
    permits: fc.integer({ min: 1, max: 3 }),
    successThreshold: fc.integer({ min: 1, max: 3 }),
    openDurationMs: fc.constantFrom(50, 100),
    multiplier: fc.constantFrom(1, 2, 3),
    maxOpenDurationMs: fc.constantFrom(100, 400),
  })
  .map((c) => ({ ...c, successThreshold: Math.min(c.successThreshold, c.permits) }));

describe('circuit breaker model', () => {
  it('every transition is legal and every count is exact', () => {
    fc.assert(
      fc.property(configArb, fc.commands(commands, { maxCommands: 80 }), (cfg, cmds) => {
        const clock = createManualClock(0);
        const options: CircuitBreakerOptions = {
          name: 'model',
          window: cfg.window,
          minimumCalls: cfg.minimumCalls,
          failureRateThreshold: cfg.failureRateThreshold,
          openDurationMs: cfg.openDurationMs,
          backoff: { multiplier: cfg.multiplier, maxOpenDurationMs: cfg.maxOpenDurationMs },
          halfOpen: { permits: cfg.permits, successThreshold: cfg.successThreshold },
        };
        const breaker = createCircuitBreaker(options, { clock });
        const changes: BreakerEvent[] = [];
        breaker.on('state-change', (e) => changes.push(e));
        fc.modelRun(
          () => ({
            model: new Model(cfg, clock),
            real: { breaker, clock, inFlight: [], changes },
          }),
          cmds,
        );
      }),
      { numRuns: 1000 },
    );
  }, 30_000); // a few seconds normally; generous for a loaded shared machine

  it('a toJSON round trip in any reachable state gives the same behaviour', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('ok', 'fail', 'wait', 'isolate', 'release'), { maxLength: 40 }),
        fc.array(fc.constantFrom('ok', 'fail', 'wait'), { maxLength: 20 }),
        (before, after) => {
          const clock = createManualClock(0);
          const options: CircuitBreakerOptions = {
            window: { type: 'count', size: 5 },
            minimumCalls: 3,
            openDurationMs: 100,
            halfOpen: { permits: 2, successThreshold: 1 },
          };
          const a = createCircuitBreaker(options, { clock });
          const drive = (b: CircuitBreaker, op: string): void => {
            if (op === 'wait') clock.advance(60);
            else if (op === 'isolate') b.isolate();
            else if (op === 'release') b.release();
            else {
              const p = b.tryAcquire();
              if (op === 'ok') p?.success();
              else p?.failure(new Error('x'));
            }
          };
          for (const op of before) drive(a, op);
          const b = createCircuitBreaker(
            { ...options, initialState: JSON.parse(JSON.stringify(a.toJSON())) },
            { clock },
          );
          for (const op of after) {
            // Both see the same operation at the same time.
            if (op === 'wait') clock.advance(60);
            else {
              drive(a, op);
              drive(b, op);
            }
            expect(b.state).toBe(a.state);
            expect(b.snapshot().window).toEqual(a.snapshot().window);
            expect(b.stats).toEqual(a.stats);
          }
        },
      ),
      { numRuns: 200 },
    );
  }, 30_000);
});
