import { describe, expect, it } from 'vitest';
import { createFallback } from './fallback.js';

describe('createFallback', () => {
  it('answers with the fallback on a handled failure and passes successes through', async () => {
    const fallback = createFallback((e) => `cached (${(e as Error).message})`);
    await expect(fallback.execute(() => 'fresh')).resolves.toBe('fresh');
    await expect(fallback.execute(() => Promise.reject(new Error('down')))).resolves.toBe(
      'cached (down)',
    );
    await expect(
      fallback.execute(() => {
        throw new Error('sync');
      }),
    ).resolves.toBe('cached (sync)');
    expect(fallback.used).toBe(2);
  });

  it('rethrows errors it does not handle', async () => {
    const fallback = createFallback(() => 0, { shouldHandle: (e) => !(e instanceof TypeError) });
    await expect(fallback.execute(() => Promise.reject(new TypeError('bug')))).rejects.toThrow(
      TypeError,
    );
    expect(fallback.used).toBe(0);
  });
});
