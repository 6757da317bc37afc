import { describe, expect, it } from 'vitest';
import { isHomeostatError } from '@homeostat/core';
import {
  BreakerOpenError,
  BulkheadRejectedError,
  RegistryFullError,
  TimeoutError,
} from './errors.js';
import { neverAbortedSignal } from './policy.js';
import { systemTimers } from './timers.js';

describe('errors', () => {
  it('carry stable codes, the brand and their data', () => {
    const open = new BreakerOpenError('pay', { state: 'open', retryAfterMs: 1500 });
    expect(isHomeostatError(open) && open.code).toBe('BREAKER_OPEN');
    expect(open.message).toContain('retry after 1500 ms');
    expect(open.name).toBe('BreakerOpenError');
    const forced = new BreakerOpenError('pay', { state: 'forced-open', retryAfterMs: Infinity });
    expect(forced.message).not.toContain('retry after');
    expect(new TimeoutError(250)).toMatchObject({ code: 'TIMEOUT', timeoutMs: 250 });
    expect(new BulkheadRejectedError({ maxConcurrent: 2, maxQueue: 3 })).toMatchObject({
      code: 'BULKHEAD_FULL',
      maxConcurrent: 2,
      maxQueue: 3,
    });
    expect(new RegistryFullError('x', 10)).toMatchObject({ code: 'REGISTRY_FULL', breaker: 'x' });
  });
});

describe('neverAbortedSignal', () => {
  it('is one shared signal that is not aborted', () => {
    expect(neverAbortedSignal()).toBe(neverAbortedSignal());
    expect(neverAbortedSignal().aborted).toBe(false);
  });
});

describe('systemTimers', () => {
  it('runs and clears host timers', async () => {
    let ran = false;
    const cleared = systemTimers.setTimeout(() => (ran = true), 1);
    systemTimers.clearTimeout(cleared);
    await new Promise<void>((resolve) => systemTimers.setTimeout(resolve, 5));
    expect(ran).toBe(false);
  });
});
