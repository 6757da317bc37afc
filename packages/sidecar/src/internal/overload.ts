import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/** Settings of the overload controller (already validated). */
export interface OverloadSettings {
  readonly maxEventLoopDelayMs: number;
  readonly resolutionMs: number;
  readonly maxHeapRatio: number | false;
  readonly maxShedFraction: number;
  readonly increase: number;
  readonly decrease: number;
}

/** Where the overload controller reads the process's load from; replaceable in tests. */
export interface LoadProbe {
  /** Event-loop delay (lag beyond the timer's period) over the last window, ms; then resets. */
  eventLoopDelayMs(): number;
  /** Heap used / heap limit, in [0, 1]. */
  heapRatio(): number;
  /** Stops measuring; called once by the sidecar's `close()`. */
  close(): void;
}

/** A {@link LoadProbe} on `perf_hooks.monitorEventLoopDelay` and `v8.getHeapStatistics`. */
export function createLoadProbe(resolutionMs: number): LoadProbe {
  let h: IntervalHistogram | undefined = monitorEventLoopDelay({
    resolution: Math.max(1, Math.round(resolutionMs)),
  });
  h.enable();
  return {
    eventLoopDelayMs() {
      if (h === undefined || h.count === 0) return 0;
      // The histogram records whole timer periods; lag is what exceeds the period.
      const lag = Math.max(0, h.percentile(99) / 1e6 - resolutionMs);
      h.reset();
      return lag;
    },
    heapRatio() {
      const s = getHeapStatistics();
      return s.heap_size_limit > 0 ? s.used_heap_size / s.heap_size_limit : 0;
    },
    close() {
      h?.disable();
      h = undefined;
    },
  };
}

/**
 * A feedback controller for the fraction of sheddable requests to refuse: it grows while the
 * event loop lags more than the target and decays once lag is under half of it. Admission
 * spreads refusals evenly (error diffusion), so no random numbers are needed.
 */
export class OverloadController {
  /** Fraction of sheddable requests currently refused, in [0, maxShedFraction] (1 on heap pressure). */
  shedFraction = 0;
  lastDelayMs = 0;
  lastHeapRatio = 0;
  heapOver = false;
  checks = 0;
  private acc = 0;

  constructor(private readonly s: OverloadSettings) {}

  /** Feeds one measurement window. */
  update(delayMs: number, heapRatio: number): void {
    this.checks++;
    this.lastDelayMs = delayMs;
    this.lastHeapRatio = heapRatio;
    this.heapOver = this.s.maxHeapRatio !== false && heapRatio > this.s.maxHeapRatio;
    const target = this.s.maxEventLoopDelayMs;
    if (delayMs > target) {
      const step = this.s.increase * Math.min(4, delayMs / target);
      this.shedFraction = Math.min(this.s.maxShedFraction, this.shedFraction + step);
    } else if (delayMs < target / 2) {
      this.shedFraction = Math.max(0, this.shedFraction - this.s.decrease);
    }
  }

  /** Sheds nothing from now on (the sidecar closed, so no measurement will lower it). */
  stop(): void {
    this.shedFraction = 0;
    this.heapOver = false;
  }

  /** True when this (sheddable) request should be refused. */
  shouldShed(): boolean {
    if (this.heapOver) return true;
    if (this.shedFraction <= 0) return false;
    this.acc += this.shedFraction;
    if (this.acc >= 1) {
      this.acc -= 1;
      return true;
    }
    return false;
  }

  /** True while any load is being shed for event-loop delay or heap. */
  get overloaded(): boolean {
    return this.heapOver || this.shedFraction > 0;
  }
}
