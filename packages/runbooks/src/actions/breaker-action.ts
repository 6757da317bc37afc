import { z } from 'zod';
import { defineAction, type Action } from '../action.js';
import { ActionError } from '../errors.js';

/** One breaker as the runbooks package needs it: structural, so any breaker library fits. */
export interface ControllableBreaker {
  /** Trip open (calls fail fast until it half-opens). */
  open(): unknown;
  /** Close (let calls through). */
  close(): unknown;
  /** Hold open until reset, regardless of successes. */
  isolate(): unknown;
  /** Back to closed with counters cleared. */
  reset(): unknown;
}

/** Finds breakers by name; the host passes its own registry. */
export interface BreakerRegistry {
  /** The breaker with this name, or `undefined` when there is none. */
  get(name: string): ControllableBreaker | undefined;
}

const ops = ['open', 'close', 'isolate', 'reset'] as const;
const UNDO: Readonly<Record<(typeof ops)[number], (typeof ops)[number] | undefined>> = {
  open: 'close',
  isolate: 'reset',
  close: undefined,
  reset: undefined,
};

/** Options of {@link breakerAction}. */
export interface BreakerActionOptions {
  /** Action name; default `breaker`. */
  readonly name?: string;
}

/**
 * Breaker control: params `{ breaker, op: 'open' | 'close' | 'isolate' | 'reset' }`. Undo closes
 * a breaker that was opened and resets one that was isolated.
 *
 * @throws {TypeError} when `registry` has no `get` function.
 * @example
 * ```ts
 * const actions = [breakerAction({ get: (name) => breakers.get(name) })];
 * ```
 */
export function breakerAction(
  registry: BreakerRegistry,
  options: BreakerActionOptions = {},
): Action {
  if (!registry || typeof registry.get !== 'function')
    throw new TypeError('breakerAction: registry must have get(name)');
  const name = options.name ?? 'breaker';
  const find = (breaker: string): ControllableBreaker => {
    const b = registry.get(breaker);
    if (!b)
      throw new ActionError('ACTION_FAILED', `no breaker named "${breaker}"`, { action: name });
    return b;
  };
  return defineAction({
    name,
    description: 'Opens, closes, isolates or resets a circuit breaker through the host registry.',
    params: z.strictObject({
      /** Name of the breaker in the host's registry (non-empty). */
      breaker: z.string().min(1),
      /** What to do: `open`, `close`, `isolate` or `reset`. */
      op: z.enum(ops),
    }),
    async run({ breaker, op }) {
      await find(breaker)[op]();
      return { detail: `${op} breaker ${breaker}` };
    },
    async undo({ breaker, op }) {
      const back = UNDO[op];
      if (!back) return { detail: `nothing to undo for ${op}` };
      await find(breaker)[back]();
      return { detail: `${back} breaker ${breaker}` };
    },
  });
}
