import { Subscription, type SchedulerAction, type SchedulerLike } from 'rxjs';

interface Timer {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** A scheduler whose time moves only through `advance`; promises are flushed between timers. */
export interface ManualScheduler extends SchedulerLike {
  /** Moves time forward by `ms`, firing due timers in order and letting promises settle. */
  advance(ms: number): Promise<void>;
  /** Advances in `stepMs` steps until `promise` settles (or `maxMs` passes) and returns it. */
  drive<T>(promise: Promise<T>, options?: { stepMs?: number; maxMs?: number }): Promise<T>;
  /** Timers not yet fired or cancelled. */
  readonly pendingTimers: number;
}

/** Lets queued promise callbacks and immediates run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Creates a {@link ManualScheduler} starting at `start`. */
export function createManualScheduler(start = 0): ManualScheduler {
  let t = start;
  let seq = 0;
  const timers: Timer[] = [];
  const scheduler: ManualScheduler = {
    now: () => t,
    schedule<T>(
      work: (this: SchedulerAction<T>, state?: T) => void,
      delay = 0,
      state?: T,
    ): Subscription {
      const timer: Timer = {
        at: t + Math.max(0, delay),
        seq: seq++,
        cancelled: false,
        run: () => undefined,
      };
      const action = {
        schedule: (nextState?: T, nextDelay = 0) => scheduler.schedule(work, nextDelay, nextState),
      } as unknown as SchedulerAction<T>;
      timer.run = () => work.call(action, state);
      timers.push(timer);
      return new Subscription(() => {
        timer.cancelled = true;
      });
    },
    async advance(ms) {
      const end = t + ms;
      for (;;) {
        await flush();
        let next: Timer | undefined;
        for (const timer of timers) {
          if (timer.cancelled || timer.at > end) continue;
          if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))
            next = timer;
        }
        if (!next) break;
        timers.splice(timers.indexOf(next), 1);
        t = Math.max(t, next.at);
        next.run();
      }
      t = end;
      for (let i = timers.length - 1; i >= 0; i--) if (timers[i]!.cancelled) timers.splice(i, 1);
      await flush();
    },
    async drive(promise, options = {}) {
      const stepMs = options.stepMs ?? 1000;
      const maxMs = options.maxMs ?? 3_600_000;
      let done = false;
      const watched = promise.finally(() => {
        done = true;
      });
      for (let spent = 0; !done && spent <= maxMs; spent += stepMs) await scheduler.advance(stepMs);
      if (!done) throw new Error(`drive: promise still pending after ${maxMs} ms of virtual time`);
      return watched;
    },
    get pendingTimers() {
      return timers.filter((x) => !x.cancelled).length;
    },
  };
  return scheduler;
}
