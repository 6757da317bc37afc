import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';

/**
 * Runs `fn` every `periodMs` on `scheduler` until the returned subscription is unsubscribed.
 * On the default async scheduler the underlying timer is unref'd (best effort), so a sidecar
 * that the host forgets to close never keeps the process alive by itself.
 */
export function every(scheduler: SchedulerLike, periodMs: number, fn: () => void): Subscription {
  const sub = scheduler.schedule(function (this: SchedulerAction<undefined>) {
    fn();
    this.schedule(undefined, periodMs);
    unref(this);
  }, periodMs);
  unref(sub);
  return sub;
}

function unref(action: unknown): void {
  // RxJS AsyncAction keeps its Node timer handle in `id`; virtual-time schedulers have a number.
  const id = (action as { id?: unknown }).id;
  if (
    typeof id === 'object' &&
    id !== null &&
    typeof (id as { unref?: unknown }).unref === 'function'
  ) {
    (id as { unref(): void }).unref();
  }
}
