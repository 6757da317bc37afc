/**
 * A small seeded pseudo-random number generator (mulberry32): the same seed gives the same
 * sequence on every platform, for simulations, examples and tests that must be reproducible.
 * Not for anything that needs unpredictability.
 *
 * @param seed - any number; it is taken as an unsigned 32-bit integer.
 * @returns a function giving the next number, uniform in [0, 1).
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const jitter = 5 * random();
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
