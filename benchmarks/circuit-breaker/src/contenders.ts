/**
 * The contenders, each built the same way for every scenario: a function that makes one protected
 * call and returns its promise. Settings are matched as closely as the libraries allow, and every
 * choice is written down here and in docs/benchmarks/circuit-breaker.md.
 */
import OpossumBreaker from 'opossum';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  ExponentialBackoff,
  handleAll,
  retry,
  SamplingBreaker,
  timeout,
  TimeoutStrategy,
  wrap as cockatielWrap,
} from 'cockatiel';
import {
  createCircuitBreaker,
  createRetry,
  createTimeout,
  wrap,
  type CircuitBreakerOptions,
} from '@homeostat/circuit-breaker';

/** One protected call. */
export type Call = () => Promise<unknown>;

/** A contender set up for one scenario; `dispose` releases its timers. */
export interface Contender {
  readonly name: string;
  readonly call: Call;
  /** Calls currently held in the failure window, when the library exposes it. */
  windowCalls?(): number;
  dispose?(): void;
}

export type Scenario = 'breaker' | 'breaker+timeout' | 'retry+breaker+timeout' | 'failure';

/** Success path: an async function resolving at once, the cheapest real async call. */
export const succeed = (): Promise<number> => Promise.resolve(1);
const failure = new Error('dependency failed');
/** Failure path: a pre-built error, so the error's own construction is not measured. */
export const fail = (): Promise<never> => Promise.reject(failure);

const TIMEOUT_MS = 1_000;

/** Window lengths: 10 s for the success path (opossum's default), 60 s for the failure path so a long fill cannot age out. */
function windowMs(scenario: Scenario): number {
  return scenario === 'failure' ? 60_000 : 10_000;
}

export function bare(fn: Call): Contender {
  return { name: 'bare call', call: fn };
}

export function homeostat(
  scenario: Scenario,
  fn: Call,
  variant: 'time' | 'consecutive' = 'time',
): Contender {
  const options: CircuitBreakerOptions =
    variant === 'time'
      ? {
          name: 'bench',
          window: { type: 'time', durationMs: windowMs(scenario), buckets: 10 },
          // The failure scenario must never trip, so every call stays a failed call.
          minimumCalls: scenario === 'failure' ? Number.MAX_SAFE_INTEGER : 10,
        }
      : { name: 'bench', window: { type: 'consecutive', failureThreshold: 5 } };
  const breaker = createCircuitBreaker(options);
  const name = variant === 'time' ? 'homeostat' : 'homeostat (consecutive)';
  const windowCalls = (): number => breaker.snapshot().window.calls;
  switch (scenario) {
    case 'breaker':
    case 'failure':
      return { name, call: () => breaker.execute(fn), windowCalls };
    case 'breaker+timeout': {
      const p = wrap(breaker, createTimeout({ timeoutMs: TIMEOUT_MS }));
      return { name, call: () => p.execute(fn), windowCalls };
    }
    case 'retry+breaker+timeout': {
      const p = wrap(
        createRetry({ maxAttempts: 3 }),
        breaker,
        createTimeout({ timeoutMs: TIMEOUT_MS }),
      );
      return { name, call: () => p.execute(fn), windowCalls };
    }
  }
}

export function opossum(scenario: Scenario, fn: Call): Contender | undefined {
  if (scenario === 'retry+breaker+timeout') return undefined; // opossum has no retry
  const breaker = new OpossumBreaker(fn, {
    name: 'bench',
    timeout: scenario === 'breaker+timeout' ? TIMEOUT_MS : false,
    rollingCountTimeout: windowMs(scenario),
    rollingCountBuckets: 10,
    // Never trip in the failure scenario (opossum opens when the rate exceeds the percentage).
    errorThresholdPercentage: scenario === 'failure' ? 100 : 50,
  });
  return {
    name: 'opossum 9',
    call: () => breaker.fire(),
    windowCalls: () => breaker.stats.fires,
    dispose: () => breaker.shutdown(),
  };
}

export function cockatiel(
  scenario: Scenario,
  fn: Call,
  variant: 'sampling' | 'consecutive' = 'sampling',
): Contender {
  const breaker = circuitBreaker(handleAll, {
    halfOpenAfter: 10_000,
    breaker:
      variant === 'sampling'
        ? new SamplingBreaker({
            threshold: scenario === 'failure' ? 0.99 : 0.5,
            duration: windowMs(scenario),
            // The failure scenario must never trip.
            minimumRps: scenario === 'failure' ? Number.MAX_SAFE_INTEGER : 5,
          })
        : new ConsecutiveBreaker(5),
  });
  const name = variant === 'sampling' ? 'cockatiel 3' : 'cockatiel 3 (consecutive)';
  switch (scenario) {
    case 'breaker':
    case 'failure':
      return { name, call: () => breaker.execute(fn) };
    case 'breaker+timeout': {
      const p = cockatielWrap(breaker, timeout(TIMEOUT_MS, TimeoutStrategy.Aggressive));
      return { name, call: () => p.execute(fn) };
    }
    case 'retry+breaker+timeout': {
      const p = cockatielWrap(
        retry(handleAll, { maxAttempts: 2, backoff: new ExponentialBackoff() }),
        breaker,
        timeout(TIMEOUT_MS, TimeoutStrategy.Aggressive),
      );
      return { name, call: () => p.execute(fn) };
    }
  }
}
