import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CI_SEED, propertySeed } from './vitest-setup.js';

describe('property-test seed', () => {
  it('uses FC_SEED when set, the fixed CI seed under CI, and no seed otherwise', () => {
    expect(propertySeed({ FC_SEED: '42' })).toBe(42);
    expect(propertySeed({ FC_SEED: '-7', CI: 'true' })).toBe(-7);
    expect(propertySeed({ CI: 'true' })).toBe(CI_SEED);
    expect(propertySeed({})).toBeUndefined();
    expect(propertySeed({ FC_SEED: '' })).toBeUndefined();
  });

  it('refuses a seed that is not an integer, naming the variable', () => {
    expect(() => propertySeed({ FC_SEED: 'abc' })).toThrow(/FC_SEED must be an integer, got "abc"/);
    expect(() => propertySeed({ FC_SEED: '1.5' })).toThrow(/FC_SEED/);
  });

  it('is applied to fast-check before the tests run', () => {
    expect(fc.readConfigureGlobal().seed).toBe(propertySeed(process.env));
  });
});
