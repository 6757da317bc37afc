import type { SchedulerLike } from 'rxjs';

/** A delay on the injected scheduler, cancellable. */
export interface Delay {
  readonly promise: Promise<void>;
  cancel(): void;
}

/** Resolves after `ms` of scheduler time. */
export function delay(scheduler: SchedulerLike, ms: number): Delay {
  let cancel = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    const sub = scheduler.schedule(() => resolve(), Math.max(0, ms));
    cancel = () => sub.unsubscribe();
  });
  return { promise, cancel };
}

/** Waits for `promise` at most `ms`; `settled` tells which happened. */
export async function within<T>(
  scheduler: SchedulerLike,
  promise: Promise<T>,
  ms: number,
): Promise<{ settled: true; value: PromiseSettledResult<T> } | { settled: false }> {
  const d = delay(scheduler, ms);
  const wrapped = promise.then(
    (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
    (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
  );
  const winner = await Promise.race([
    wrapped.then((r) => ({ settled: true as const, value: r })),
    d.promise.then(() => ({ settled: false as const })),
  ]);
  d.cancel();
  return winner;
}
