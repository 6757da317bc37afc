import { Observable, type OperatorFunction } from 'rxjs';
import type { Sample } from '@homeostat/core';

/**
 * Gives detectors a history before they see live data. Streaming detectors learn for a few
 * hundred samples before they alarm (NAB's probationary period); a real service has months of
 * history, a demo has seconds. So this operator holds the live samples of the first `warmupMs`,
 * then emits, per series, `historySamples` earlier samples drawn (with replacement) from that
 * series' own warm-up values at the same spacing, ending where the warm-up began — and then the
 * held samples and everything after, unchanged. Time order per series is kept.
 */
export function primeWithHistory(options: {
  warmupMs: number;
  historySamples: number;
  stepMs: number;
  seed?: number;
}): OperatorFunction<Sample, Sample> {
  return (source) =>
    new Observable<Sample>((subscriber) => {
      let held: Sample[] | undefined = [];
      let start: number | undefined;
      let seed = options.seed ?? 1;
      const rnd = (): number => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
      const release = (): void => {
        const list = held ?? [];
        held = undefined;
        const bySeries = new Map<string, Sample[]>();
        for (const s of list) {
          let l = bySeries.get(s.series);
          if (!l) bySeries.set(s.series, (l = []));
          l.push(s);
        }
        const first = start ?? 0;
        for (let i = options.historySamples; i >= 1; i--) {
          const t = first - i * options.stepMs;
          for (const [series, l] of bySeries) {
            const pick = l[Math.floor(rnd() * l.length)]!;
            subscriber.next({
              series,
              t,
              value: pick.value,
              ...(pick.labels ? { labels: pick.labels } : {}),
            });
          }
        }
        for (const s of list) subscriber.next(s);
      };
      return source.subscribe({
        next(s) {
          if (held === undefined) return subscriber.next(s);
          start ??= s.t;
          if (s.t - start < options.warmupMs) held.push(s);
          else {
            release();
            subscriber.next(s);
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          if (held !== undefined) release();
          subscriber.complete();
        },
      });
    });
}
