import { describe, expect, it } from 'vitest';
import { isHomeostatError, type BreakerEvent } from '@homeostat/core';
import { createManualClock, createRecordingOnError } from '@homeostat/core/testing';
import { createCircuitBreaker, type CircuitBreaker } from './circuit-breaker.js';
import { TimeoutError } from './errors.js';

const boom = (): Promise<never> => Promise.reject(new Error('boom'));
const fine = (): Promise<string> => Promise.resolve('ok');

async function fail(b: CircuitBreaker, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await expect(b.execute(boom)).rejects.toThrow('boom');
}

function record(b: CircuitBreaker): BreakerEvent[] {
  const events: BreakerEvent[] = [];
  b.events$.subscribe((e) => events.push(e));
  return events;
}

describe('createCircuitBreaker', () => {
  it('passes results and errors through while closed', async () => {
    const b = createCircuitBreaker({ name: 'svc' });
    await expect(b.execute(fine)).resolves.toBe('ok');
    await fail(b);
    expect(b.state).toBe('closed');
    expect(b.stats).toMatchObject({ calls: 2, successes: 1, failures: 1 });
  });

  it('trips after the consecutive-failure threshold and refuses with BreakerOpenError', async () => {
    const clock = createManualClock(1000);
    const b = createCircuitBreaker(
      { name: 'svc', window: { type: 'consecutive', failureThreshold: 3 }, openDurationMs: 5000 },
      { clock },
    );
    await fail(b, 2);
    await b.execute(fine); // resets the run
    await fail(b, 2);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
    let called = false;
    const refused = b.execute(() => {
      called = true;
      return 1;
    });
    await expect(refused).rejects.toMatchObject({
      code: 'BREAKER_OPEN',
      breaker: 'svc',
      state: 'open',
      retryAfterMs: 5000,
    });
    expect(called).toBe(false);
    clock.advance(4999);
    expect(b.state).toBe('open');
    clock.advance(1);
    expect(b.state).toBe('half-open');
    expect(b.stats.rejected).toBe(1);
    expect(b.stats.trips).toBe(1);
  });

  it('half-open: lets `permits` trial calls through and closes after successThreshold', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'consecutive', failureThreshold: 1 },
        openDurationMs: 100,
        halfOpen: { permits: 3, successThreshold: 2 },
      },
      { clock },
    );
    await fail(b);
    clock.advance(100);
    const gates: Array<() => void> = [];
    const slowOk = (): Promise<string> => new Promise((resolve) => gates.push(() => resolve('ok')));
    const p1 = b.execute(slowOk);
    const p2 = b.execute(slowOk);
    const p3 = b.execute(slowOk);
    await expect(b.execute(fine)).rejects.toMatchObject({
      code: 'BREAKER_OPEN',
      state: 'half-open',
    });
    gates[0]!();
    await p1;
    expect(b.state).toBe('half-open');
    gates[1]!();
    await p2;
    expect(b.state).toBe('closed');
    gates[2]!(); // a trial that ends after the decision is not counted against the new state
    await p3;
    expect(b.snapshot().window.calls).toBe(0);
  });

  it('half-open: reopens once success is out of reach, with backoff growing the open time', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'consecutive', failureThreshold: 1 },
        openDurationMs: 100,
        backoff: { multiplier: 3, maxOpenDurationMs: 500 },
      },
      { clock },
    );
    await fail(b);
    expect(b.snapshot().retryAfterMs).toBe(100);
    clock.advance(100);
    await fail(b); // trial fails
    expect(b.state).toBe('open');
    expect(b.snapshot().retryAfterMs).toBe(300);
    clock.advance(300);
    await fail(b);
    expect(b.snapshot().retryAfterMs).toBe(500); // capped (900 > 500)
    clock.advance(500);
    await b.execute(fine);
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.snapshot().retryAfterMs).toBe(100); // backoff reset by closing
  });

  it('half-open: stays half-open while success is still reachable', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'consecutive', failureThreshold: 1 },
        openDurationMs: 10,
        halfOpen: { permits: 3, successThreshold: 2 },
      },
      { clock },
    );
    await fail(b);
    clock.advance(10);
    await fail(b); // 1 failure: 2 successes still possible from 2 permits
    expect(b.state).toBe('half-open');
    await fail(b); // 2 failures: 2 successes no longer possible
    expect(b.state).toBe('open');
  });

  it('count window: waits for minimumCalls, then trips on the failure rate', async () => {
    const b = createCircuitBreaker({
      window: { type: 'count', size: 10 },
      minimumCalls: 4,
      failureRateThreshold: 0.5,
    });
    await fail(b, 3);
    expect(b.state).toBe('closed'); // 3 < minimumCalls
    await b.execute(fine);
    expect(b.state).toBe('open'); // 3/4 ≥ 0.5, evaluated on the success that reached minimumCalls
  });

  it.each([
    [0.07, 100], // 0.07 * 100 = 7.000000000000001
    [0.14, 50], // 0.14 * 50 = 7.000000000000001
    [0.57, 100], // 0.57 * 100 = 56.99999999999999
    [0.3, 10],
  ])(
    'trips when failures / calls is exactly the threshold %s (%s calls), not one failure below',
    async (threshold, calls) => {
      const failures = Math.round(threshold * calls);
      const run = async (failing: number): Promise<CircuitBreaker> => {
        const b = createCircuitBreaker({
          window: { type: 'count', size: calls },
          minimumCalls: calls,
          failureRateThreshold: threshold,
        });
        for (let i = 0; i < calls - failing; i++) await b.execute(fine);
        await fail(b, failing);
        return b;
      };
      const at = await run(failures);
      expect(at.snapshot().window.failureRate).toBe(threshold);
      expect(at.state).toBe('open');
      const below = await run(failures - 1);
      expect(below.state).toBe('closed');
    },
  );

  it('trips when slow / calls is exactly the slow-call threshold', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'time', durationMs: 10_000, buckets: 10 },
        minimumCalls: 100,
        failureRateThreshold: 1,
        slowCallDurationMs: 50,
        slowCallRateThreshold: 0.07,
      },
      { clock },
    );
    const slow = (): Promise<string> => {
      clock.advance(50);
      return Promise.resolve('slow');
    };
    for (let i = 0; i < 93; i++) await b.execute(fine);
    for (let i = 0; i < 7; i++) await b.execute(slow); // 0.07 * 100 = 7.000000000000001
    expect(b.snapshot().stats.slow).toBe(7);
    expect(b.state).toBe('open');
  });

  it('count window: old outcomes slide out', async () => {
    const b = createCircuitBreaker({
      window: { type: 'count', size: 4 },
      minimumCalls: 4,
      failureRateThreshold: 0.75,
    });
    await fail(b, 2);
    for (let i = 0; i < 4; i++) await b.execute(fine);
    expect(b.snapshot().window).toMatchObject({ calls: 4, failures: 0 });
    await fail(b, 2);
    expect(b.snapshot().window).toMatchObject({ calls: 4, failures: 2, failureRate: 0.5 });
    expect(b.state).toBe('closed');
    await fail(b);
    expect(b.state).toBe('open');
  });

  it('time window: calls age out bucket by bucket', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'time', durationMs: 1000, buckets: 10 },
        minimumCalls: 5,
        failureRateThreshold: 0.6,
      },
      { clock },
    );
    await fail(b, 2);
    clock.advance(500);
    await b.execute(fine);
    await b.execute(fine);
    expect(b.snapshot().window).toMatchObject({ calls: 4, failures: 2 });
    clock.advance(600); // the first bucket (t=0..100) has aged out
    expect(b.snapshot().window).toMatchObject({ calls: 2, failures: 0 });
    await fail(b, 3);
    expect(b.state).toBe('open'); // 3/5 = 0.6
    clock.advance(10_000);
    expect(b.snapshot().window.calls).toBe(0); // history ages out even while open
  });

  it('time window: buckets of a fractional width end exactly a window after the call', async () => {
    // 100 ms in 3 buckets: 33.33… ms each. Stepping bucket starts by the width drifted by
    // rounding and kept the call at t=0 alive at t=100 (found by the model test).
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      { window: { type: 'time', durationMs: 100, buckets: 3 }, minimumCalls: 1 },
      { clock },
    );
    await b.execute(fine);
    clock.advance(50);
    expect(b.snapshot().window.calls).toBe(1);
    clock.advance(49);
    expect(b.snapshot().window.calls).toBe(1);
    clock.advance(1);
    expect(b.snapshot().window.calls).toBe(0);
  });

  it('slow calls count toward the slow-call rate', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      {
        window: { type: 'count', size: 4 },
        minimumCalls: 2,
        failureRateThreshold: 1,
        slowCallDurationMs: 50,
        slowCallRateThreshold: 0.5,
      },
      { clock },
    );
    await b.execute(fine);
    await b.execute(() => {
      clock.advance(60);
      return Promise.resolve('late');
    });
    expect(b.stats.slow).toBe(1);
    expect(b.state).toBe('open');
  });

  it('ignores errors the isFailure predicate excludes', async () => {
    const b = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 1 } },
      { isFailure: (e) => !(e instanceof RangeError) },
    );
    await expect(b.execute(() => Promise.reject(new RangeError('client')))).rejects.toThrow(
      RangeError,
    );
    expect(b.state).toBe('closed');
    expect(b.stats).toMatchObject({ ignored: 1, failures: 0, successes: 0 });
  });

  it('reports a throwing isFailure predicate and counts the error as a failure', async () => {
    const { onError, errors } = createRecordingOnError();
    const b = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 1 } },
      {
        onError,
        isFailure: () => {
          throw new Error('bad predicate');
        },
      },
    );
    await fail(b);
    expect(b.state).toBe('open');
    expect(errors).toHaveLength(1);
  });

  it('handles synchronous throws, plain values and thenables', async () => {
    const b = createCircuitBreaker({ window: { type: 'consecutive', failureThreshold: 2 } });
    await expect(
      b.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(b.execute(() => 42)).resolves.toBe(42);
    const thenable = { then: (ok: (v: number) => void) => ok(7) } as unknown as PromiseLike<number>;
    await expect(b.execute(() => thenable)).resolves.toBe(7);
    expect(b.stats).toMatchObject({ calls: 3, successes: 2, failures: 1 });
  });

  it('counts a TimeoutError as a failure and emits a timeout event', async () => {
    const b = createCircuitBreaker({ name: 'db' });
    const events = record(b);
    await expect(b.execute(() => Promise.reject(new TimeoutError(10)))).rejects.toThrow(
      TimeoutError,
    );
    expect(b.stats).toMatchObject({ failures: 1, timeouts: 1 });
    expect(events.map((e) => e.type)).toEqual(['timeout']);
  });

  it('passes the caller signal to the function and a never-aborting one otherwise', async () => {
    const b = createCircuitBreaker();
    const controller = new AbortController();
    await b.execute(({ signal }) => expect(signal).toBe(controller.signal), controller.signal);
    await b.execute(({ signal }) => expect(signal.aborted).toBe(false));
  });

  it('emits events on events$ and to listeners, and survives a throwing listener', async () => {
    const clock = createManualClock(10);
    const { onError, errors } = createRecordingOnError();
    const b = createCircuitBreaker(
      { name: 'inv', window: { type: 'consecutive', failureThreshold: 1 } },
      { clock, onError },
    );
    const events = record(b);
    const changes: BreakerEvent[] = [];
    const off = b.on('state-change', (e) => changes.push(e));
    b.on('event', () => {
      throw new Error('listener bug');
    });
    await b.execute(fine);
    await fail(b);
    await expect(b.execute(fine)).rejects.toMatchObject({ code: 'BREAKER_OPEN' });
    expect(events.map((e) => e.type)).toEqual(['success', 'failure', 'state-change', 'rejected']);
    expect(events[1]).toMatchObject({ breaker: 'inv', t: 10, state: 'open', error: 'boom' });
    expect(changes).toEqual([
      { breaker: 'inv', type: 'state-change', t: 10, state: 'open', from: 'closed' },
    ]);
    expect(errors.length).toBeGreaterThan(0);
    off();
    off();
    b.close();
    expect(changes).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'state-change', from: 'open', state: 'closed' });
  });

  it('control methods: open, close, disable/enable, reset', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker({ openDurationMs: 1000 }, { clock });
    b.open();
    expect(b.state).toBe('open');
    b.close();
    expect(b.state).toBe('closed');
    b.disable();
    expect(b.state).toBe('disabled');
    await fail(b, 20);
    expect(b.state).toBe('disabled');
    expect(b.stats.failures).toBe(20);
    b.enable();
    expect(b.state).toBe('closed');
    expect(b.snapshot().window.calls).toBe(0);
    b.open();
    b.reset();
    expect(b.state).toBe('closed');
    expect(b.stats).toMatchObject({ calls: 0, failures: 0, trips: 0 });
  });

  it('isolate: forced-open with a reference count; release goes back to closed', async () => {
    const b = createCircuitBreaker({ name: 'pay' });
    const events = record(b);
    const r1 = b.isolate();
    const r2 = b.isolate();
    expect(b.state).toBe('forced-open');
    await expect(b.execute(fine)).rejects.toMatchObject({
      code: 'BREAKER_OPEN',
      state: 'forced-open',
      retryAfterMs: Number.POSITIVE_INFINITY,
    });
    r1();
    r1(); // idempotent
    expect(b.state).toBe('forced-open');
    expect(b.snapshot().isolations).toBe(1);
    r2();
    expect(b.state).toBe('closed');
    expect(b.release()).toBe(0);
    expect(
      events.filter((e) => e.type === 'state-change').map((e) => `${e.from}>${e.state}`),
    ).toEqual(['closed>forced-open', 'forced-open>closed']);
  });

  it('release returns to disabled when the breaker was disabled', () => {
    const b = createCircuitBreaker();
    b.disable();
    b.isolate();
    expect(b.state).toBe('forced-open');
    expect(b.release()).toBe(0);
    expect(b.state).toBe('disabled');
  });

  it('toJSON / initialState restores state, window and counters', async () => {
    const clock = createManualClock(0);
    const options = {
      name: 'svc',
      window: { type: 'count' as const, size: 5 },
      minimumCalls: 5,
      failureRateThreshold: 0.6,
    };
    const a = createCircuitBreaker(options, { clock });
    await fail(a, 2);
    await a.execute(fine);
    const json = JSON.parse(JSON.stringify(a)) as ReturnType<CircuitBreaker['toJSON']>;
    const b = createCircuitBreaker({ ...options, initialState: json }, { clock });
    expect(b.snapshot().window).toEqual(a.snapshot().window);
    expect(b.stats).toEqual(a.stats);
    await fail(b);
    await fail(b);
    expect(b.state).toBe('open'); // 4 failures of 5
    const c = createCircuitBreaker({ ...options, initialState: b.toJSON() }, { clock });
    expect(c.state).toBe('open');
    expect(c.snapshot().retryAfterMs).toBe(30_000);
  });

  it('toJSON round-trips time and consecutive windows and isolation holds', async () => {
    const clock = createManualClock(0);
    const timeOpts = { window: { type: 'time' as const, durationMs: 1000, buckets: 4 } };
    const a = createCircuitBreaker(timeOpts, { clock });
    await fail(a, 2);
    clock.advance(300);
    await a.execute(fine);
    a.isolate();
    const b = createCircuitBreaker({ ...timeOpts, initialState: a.toJSON() }, { clock });
    expect(b.snapshot().window).toEqual(a.snapshot().window);
    expect(b.state).toBe('forced-open');
    const c = createCircuitBreaker();
    await fail(c, 3);
    const d = createCircuitBreaker({ initialState: c.toJSON() });
    expect(d.snapshot().window.failures).toBe(3);
  });

  it('rejects an initialState that does not fit the window, naming the field', async () => {
    const a = createCircuitBreaker({ window: { type: 'count', size: 5 } });
    await fail(a);
    expect(() =>
      createCircuitBreaker({ window: { type: 'count', size: 6 }, initialState: a.toJSON() }),
    ).toThrow(/initialState\.window/);
    expect(() =>
      createCircuitBreaker({ window: { type: 'consecutive' }, initialState: a.toJSON() }),
    ).toThrow(/initialState\.window/);
  });

  it('rejects a half-open initialState whose trials do not fit halfOpen, naming the field', async () => {
    const clock = createManualClock(0);
    const a = createCircuitBreaker({ halfOpen: { permits: 3 } }, { clock });
    a.open();
    clock.advance(30_000);
    await a.execute(fine);
    await a.execute(fine);
    const json = a.toJSON();
    expect(json.state).toBe('half-open');
    // Restored as is, no trial would ever be admitted again: refused forever.
    expect(() =>
      createCircuitBreaker({ halfOpen: { permits: 1 }, initialState: json }, { clock }),
    ).toThrow(/initialState\.trials/);
    const b = createCircuitBreaker({ halfOpen: { permits: 3 }, initialState: json }, { clock });
    await b.execute(fine);
    expect(b.state).toBe('closed');
  });

  it('throws ConfigError naming the invalid field', () => {
    const cases: Array<[unknown, string]> = [
      [{ window: { type: 'count', size: 0 } }, 'window.size'],
      [{ failureRateThreshold: 1.5 }, 'failureRateThreshold'],
      [{ openDurationMs: -1 }, 'openDurationMs'],
      [{ halfOpen: { permits: 2, successThreshold: 3 } }, 'halfOpen.successThreshold'],
      [{ window: { type: 'sliding' } }, 'window.type'],
      [{ nmae: 'typo' }, ''],
    ];
    for (const [options, path] of cases) {
      try {
        createCircuitBreaker(options as never);
        expect.unreachable(`accepted ${JSON.stringify(options)}`);
      } catch (e) {
        expect(isHomeostatError(e) && e.code).toBe('CONFIG_INVALID');
        expect((e as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(path);
      }
    }
  });

  it('tryAcquire: permits settle once; cancel returns a half-open permit', () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 1 }, openDurationMs: 10 },
      { clock },
    );
    const p = b.tryAcquire()!;
    p.failure(new Error('x'));
    p.success(); // ignored
    expect(b.state).toBe('open');
    expect(b.tryAcquire()).toBeUndefined();
    expect(b.refusal().code).toBe('BREAKER_OPEN');
    clock.advance(10);
    const trial = b.tryAcquire()!;
    expect(b.tryAcquire()).toBeUndefined();
    trial.cancel();
    expect(b.stats.cancelled).toBe(1);
    const again = b.tryAcquire()!;
    again.success();
    expect(b.state).toBe('closed');
    expect(b.snapshot().inFlight).toBe(0);
  });

  it('a never-settling call holds its half-open permit (documented; compose with a timeout)', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 1 }, openDurationMs: 10 },
      { clock },
    );
    await fail(b);
    clock.advance(10);
    void b.execute(() => new Promise<never>(() => {}));
    await expect(b.execute(fine)).rejects.toMatchObject({ state: 'half-open' });
    expect(b.snapshot().inFlight).toBe(1);
  });

  it('announces open → half-open once when a late result arrives after the open period', async () => {
    const clock = createManualClock(0);
    const b = createCircuitBreaker(
      { window: { type: 'consecutive', failureThreshold: 1 }, openDurationMs: 1000 },
      { clock },
    );
    const events = record(b);
    let finishSlow!: () => void;
    const slow = b.execute(() => new Promise<void>((resolve) => (finishSlow = resolve)));
    await fail(b);
    clock.advance(1500); // the open period is over; nothing has read the state yet
    finishSlow();
    await slow;
    expect(
      events.map((e) => (e.type === 'state-change' ? `${e.from}→${e.state}` : e.type)),
    ).toEqual(['failure', 'closed→open', 'success', 'open→half-open']);
    expect(events[2]).toMatchObject({ state: 'half-open' });
    expect(b.stats).toMatchObject({ calls: 2, successes: 1, failures: 1 });
  });
});
