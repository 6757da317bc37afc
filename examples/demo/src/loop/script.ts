/** The fault script: what is injected, when, and what a correct loop does about it. */

/** How a fault is expected to end. */
export type Handling = 'healed alone' | 'healed after approval' | 'escalated';

/** A fault the script injects, with what happened to it. */
export interface FaultRecord {
  readonly name: string;
  readonly expected: Handling;
  readonly start: number;
  end?: number;
  detectedAt?: number;
  healedAt?: number;
  escalatedAt?: number;
  approvedAt?: number;
  /** The runbook whose verified success heals it. */
  readonly runbook?: string;
}

/** Phase lengths, in milliseconds of real time. */
export interface Timings {
  readonly sampleMs: number;
  readonly warmup: number;
  readonly slowFor: number;
  readonly maxWait: number;
  readonly settle: number;
  readonly surgeFor: number;
  readonly approveAfter: number;
  readonly escalatedFor: number;
  readonly tail: number;
  readonly verifyFor: string;
}

/** Timings of the full demo and of the quicker CI run. */
export const TIMINGS: Record<'full' | 'ci', Timings> = {
  full: {
    sampleMs: 500,
    warmup: 20_000,
    slowFor: 6_000,
    maxWait: 45_000,
    settle: 8_000,
    surgeFor: 25_000,
    approveAfter: 2_500,
    escalatedFor: 8_000,
    tail: 6_000,
    verifyFor: '3s',
  },
  ci: {
    sampleMs: 500,
    warmup: 15_000,
    slowFor: 4_000,
    maxWait: 40_000,
    settle: 5_000,
    surgeFor: 18_000,
    approveAfter: 1_500,
    escalatedFor: 6_000,
    tail: 3_000,
    verifyFor: '2s',
  },
};

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when `done()` holds (checked every 100 ms) or after `ms`; returns whether it held. */
export async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (done()) return true;
    await sleep(100);
  }
  return done();
}

/** How a fault actually ended. */
export function handlingOf(f: FaultRecord): Handling | 'not handled' {
  if (f.healedAt !== undefined)
    return f.approvedAt !== undefined ? 'healed after approval' : 'healed alone';
  if (f.escalatedAt !== undefined) return 'escalated';
  return 'not handled';
}
