import { Observable, type OperatorFunction } from 'rxjs';
import type { Sample } from '@homeostat/core';

/** Options of {@link primeWithHistory}. */
export interface PrimeOptions {
  /** How long, in ms of sample time from the first sample, live samples are held. */
  readonly warmupMs: number;
  /** Samples of history made up per series. */
  readonly historySamples: number;
  /** Spacing of the history, in ms. */
  readonly stepMs: number;
  /** Seed of the draws (default 1). */
  readonly seed?: number;
  /**
   * Most samples emitted per turn of the event loop while the history and the held samples go
   * out (default 200). Everything downstream (the detectors) runs on them synchronously, and the
   * service shares this thread: released in one go, a few thousand samples stall every request
   * in flight for a tenth of a second or more, which the latency detectors then report as an
   * anomaly of their own making.
   */
  readonly sliceSize?: number;
}

type Terminal = { readonly error: unknown } | 'complete';

/**
 * Gives detectors a history before they see live data. Streaming detectors learn for a few
 * hundred samples before they alarm (NAB's probationary period); a real service has months of
 * history, a demo has seconds. So this operator holds the live samples of the first `warmupMs`,
 * then emits, per series, `historySamples` earlier samples drawn (with replacement) from that
 * series' own warm-up values at the same spacing, ending where the warm-up began — and then the
 * held samples and everything after, unchanged. Time order per series is kept.
 *
 * The release goes out `sliceSize` samples per event-loop turn; samples, completion and errors
 * arriving meanwhile queue behind it, in order.
 */
export function primeWithHistory(options: PrimeOptions): OperatorFunction<Sample, Sample> {
  const sliceSize = options.sliceSize ?? 200;
  if (!Number.isInteger(sliceSize) || sliceSize < 1)
    throw new RangeError(`primeWithHistory: sliceSize must be an integer ≥ 1, got ${sliceSize}`);
  return (source) =>
    new Observable<Sample>((subscriber) => {
      let held: Sample[] | undefined = [];
      let start: number | undefined;
      let seed = options.seed ?? 1;
      const rnd = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      /** Samples waiting to go out while the release is in progress; undefined once it is done. */
      let queue: Sample[] | undefined;
      let sent = 0;
      let terminal: Terminal | undefined;
      let timer: NodeJS.Immediate | undefined;
      const finish = (t: Terminal): void => {
        if (t === 'complete') subscriber.complete();
        else subscriber.error(t.error);
      };
      const drain = (): void => {
        timer = undefined;
        const q = queue!;
        const end = Math.min(q.length, sent + sliceSize);
        while (sent < end && !subscriber.closed) subscriber.next(q[sent++]!);
        if (sent < q.length) {
          timer = setImmediate(drain);
          return;
        }
        queue = undefined;
        if (terminal !== undefined) finish(terminal);
      };
      /** Builds the history, queues it with the held samples (and `last`), and starts draining. */
      const release = (last?: Sample): void => {
        const list = held ?? [];
        held = undefined;
        const bySeries = new Map<string, Sample[]>();
        for (const s of list) {
          let l = bySeries.get(s.series);
          if (!l) bySeries.set(s.series, (l = []));
          l.push(s);
        }
        const first = start ?? 0;
        const out: Sample[] = [];
        for (let i = options.historySamples; i >= 1; i--) {
          const t = first - i * options.stepMs;
          for (const [series, l] of bySeries) {
            const pick = l[Math.floor(rnd() * l.length)]!;
            out.push({
              series,
              t,
              value: pick.value,
              ...(pick.labels ? { labels: pick.labels } : {}),
            });
          }
        }
        for (const s of list) out.push(s);
        if (last !== undefined) out.push(last);
        queue = out;
        drain();
      };
      const end = (t: Terminal): void => {
        if (held !== undefined) {
          terminal = t;
          release();
        } else if (queue !== undefined) terminal = t;
        else finish(t);
      };
      const subscription = source.subscribe({
        next(s) {
          if (queue !== undefined) {
            queue.push(s);
            return;
          }
          if (held === undefined) return subscriber.next(s);
          start ??= s.t;
          if (s.t - start < options.warmupMs) held.push(s);
          else release(s);
        },
        error: (error: unknown) => end({ error }),
        complete: () => end('complete'),
      });
      return () => {
        if (timer !== undefined) clearImmediate(timer);
        subscription.unsubscribe();
      };
    });
}
