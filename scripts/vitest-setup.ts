/**
 * Runs before every test file (root vitest config, `setupFiles`).
 *
 * Property tests draw their cases from a random seed, so a run can find a counterexample no
 * earlier run found. That is what they are for on a developer's machine, but CI must not pass
 * or fail by luck: under `CI` every property test without its own seed uses one fixed seed, so a
 * CI result can be reproduced exactly. Outside CI the seeds stay random and keep exploring.
 * `FC_SEED=<n>` sets the seed anywhere, e.g. to replay a failure with the seed fast-check printed.
 */
import fc from 'fast-check';

/** Seed of CI runs; change it deliberately, never to make a failure go away. */
export const CI_SEED = 20_261_123;

/** The seed to use from the environment: `FC_SEED`, else {@link CI_SEED} under CI, else none. */
export function propertySeed(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env['FC_SEED'];
  if (raw !== undefined && raw !== '') {
    const seed = Number(raw);
    if (!Number.isSafeInteger(seed))
      throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(raw)}`);
    return seed;
  }
  return env['CI'] ? CI_SEED : undefined;
}

const seed = propertySeed(process.env);
if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
