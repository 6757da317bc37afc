/** Timing and heap helpers for the circuit-breaker benchmark. */
import v8 from 'node:v8';
import vm from 'node:vm';
import { nowNs } from '@homeostat-bench/common';
import type { Call } from './contenders.js';

/** Runs `n` sequential awaited calls (errors swallowed); returns ns per call. */
export async function timeCalls(call: Call, n: number): Promise<number> {
  const start = nowNs();
  for (let i = 0; i < n; i++) {
    try {
      await call();
    } catch {
      // failure scenario: the rejection is the point
    }
  }
  return (nowNs() - start) / n;
}

/**
 * Runs sequential calls until `maxCalls` or `budgetMs` is reached (at least `minCalls`);
 * returns ns per call and how many calls were made. Used where one call may cost milliseconds.
 */
export async function timeCallsWithin(
  call: Call,
  limits: { readonly maxCalls: number; readonly minCalls: number; readonly budgetMs: number },
): Promise<{ nsPerCall: number; calls: number }> {
  const start = nowNs();
  const budgetNs = limits.budgetMs * 1e6;
  let calls = 0;
  while (calls < limits.maxCalls) {
    try {
      await call();
    } catch {
      // expected
    }
    calls++;
    if (calls >= limits.minCalls && nowNs() - start > budgetNs) break;
  }
  return { nsPerCall: (nowNs() - start) / calls, calls };
}

/** `global.gc` when the process runs with `--expose-gc`, else one obtained through V8 flags. */
export function getGc(): { gc: (() => void) | undefined; how: string } {
  const g = (globalThis as { gc?: () => void }).gc;
  if (typeof g === 'function') return { gc: g, how: '--expose-gc' };
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    if (typeof fn === 'function') return { gc: fn as () => void, how: 'v8.setFlagsFromString' };
  } catch {
    // fall through
  }
  return { gc: undefined, how: 'unavailable' };
}

/** Heap used after a few full collections. */
export function settledHeap(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}
