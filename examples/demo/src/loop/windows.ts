import { Observable, asyncScheduler, type SchedulerLike } from 'rxjs';
import type { DependencyObservation, RequestObservation, Sample } from '@homeostat/core';

/**
 * Per-window aggregates of outgoing calls, per dependency: `DEP:latency_p99` (ms) and
 * `DEP:error_ratio`, emitted every `intervalMs` for dependencies that were called.
 */
export function dependencySamples(
  source: Observable<DependencyObservation>,
  intervalMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Sample> {
  return new Observable<Sample>((subscriber) => {
    const windows = new Map<string, { latencies: number[]; errors: number }>();
    const sub = source.subscribe({
      next(o) {
        let w = windows.get(o.target);
        if (!w) windows.set(o.target, (w = { latencies: [], errors: 0 }));
        if (w.latencies.length < 100_000) w.latencies.push(o.latencyMs);
        if (o.error) w.errors++;
      },
      error: (e: unknown) => subscriber.error(e),
    });
    const timer = scheduler.schedule(function (this: { schedule(s?: unknown, d?: number): void }) {
      const t = scheduler.now();
      for (const [dep, w] of windows) {
        if (w.latencies.length === 0) continue;
        w.latencies.sort((a, b) => a - b);
        const p99 =
          w.latencies[Math.min(w.latencies.length - 1, Math.floor(0.99 * w.latencies.length))]!;
        subscriber.next({ series: `${dep}:latency_p99`, t, value: p99, labels: { service: dep } });
        subscriber.next({
          series: `${dep}:error_ratio`,
          t,
          value: w.errors / w.latencies.length,
          labels: { service: dep },
        });
        w.latencies = [];
        w.errors = 0;
      }
      this.schedule(undefined, intervalMs);
    }, intervalMs);
    return () => {
      sub.unsubscribe();
      timer.unsubscribe();
    };
  });
}

/** Requests per second arriving at a service (shed ones included: that is the demand). */
export function demandSamples(
  source: Observable<RequestObservation>,
  options: { series: string; intervalMs: number },
  scheduler: SchedulerLike = asyncScheduler,
): Observable<Sample> {
  return new Observable<Sample>((subscriber) => {
    let count = 0;
    let since = scheduler.now();
    const sub = source.subscribe({
      next: () => void count++,
      error: (e: unknown) => subscriber.error(e),
    });
    const timer = scheduler.schedule(function (this: { schedule(s?: unknown, d?: number): void }) {
      // Divide by the time that really passed: under load a timer fires late.
      const now = scheduler.now();
      subscriber.next({
        series: options.series,
        t: now,
        value: (count * 1000) / Math.max(1, now - since),
      });
      since = now;
      count = 0;
      this.schedule(undefined, options.intervalMs);
    }, options.intervalMs);
    return () => {
      sub.unsubscribe();
      timer.unsubscribe();
    };
  });
}
