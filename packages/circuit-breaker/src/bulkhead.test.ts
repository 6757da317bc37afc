import { describe, expect, it } from 'vitest';
import { createBulkhead } from './bulkhead.js';
import { BulkheadRejectedError } from './errors.js';

function gate<T>(value: T) {
  let open: () => void = () => {};
  const promise = new Promise<T>((resolve) => (open = () => resolve(value)));
  return { promise, open };
}

describe('createBulkhead', () => {
  it('runs up to maxConcurrent, queues up to maxQueue, refuses the rest', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 2, maxQueue: 1 });
    const gates = [gate(1), gate(2), gate(3)];
    const started: number[] = [];
    const run = (i: number) =>
      bulkhead.execute(() => {
        started.push(i);
        return gates[i]!.promise;
      });
    const p0 = run(0);
    const p1 = run(1);
    const p2 = run(2);
    await expect(bulkhead.execute(() => 4)).rejects.toBeInstanceOf(BulkheadRejectedError);
    expect(started).toEqual([0, 1]);
    expect(bulkhead.stats).toMatchObject({ active: 2, queued: 1, rejected: 1 });
    gates[0]!.open();
    await p0;
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.open();
    gates[2]!.open();
    await expect(Promise.all([p1, p2])).resolves.toEqual([2, 3]);
    expect(bulkhead.stats).toMatchObject({ active: 0, queued: 0, executed: 3 });
  });

  it('frees the slot after a failure or a synchronous throw', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1 });
    await expect(
      bulkhead.execute(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(bulkhead.execute(() => Promise.reject(new Error('async')))).rejects.toThrow(
      'async',
    );
    await expect(bulkhead.execute(() => 'ok')).resolves.toBe('ok');
  });

  it('a queued call whose signal aborts leaves the queue', async () => {
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 2 });
    const g = gate('first');
    const first = bulkhead.execute(() => g.promise);
    const controller = new AbortController();
    let ran = false;
    const queued = bulkhead.execute(() => {
      ran = true;
      return 'second';
    }, controller.signal);
    controller.abort(new Error('no longer needed'));
    await expect(queued).rejects.toThrow('no longer needed');
    expect(bulkhead.stats).toMatchObject({ queued: 0, abandoned: 1 });
    g.open();
    await first;
    expect(ran).toBe(false);
  });

  it('throws ConfigError naming the field', () => {
    expect(() => createBulkhead({ maxConcurrent: 0 })).toThrow(/maxConcurrent/);
    expect(() => createBulkhead({ maxConcurrent: 1, maxQueue: -1 })).toThrow(/maxQueue/);
  });
});
