import { Worker } from 'node:worker_threads';
import { Subject, type Observable } from 'rxjs';

/** Per-second report of the load generator (client side). */
export interface LoadReport {
  readonly type: 'report';
  readonly t: number;
  readonly sent: number;
  readonly ok: number;
  /** 503 with Retry-After: shed by the sidecar. */
  readonly shed: number;
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
  readonly rps: number;
}

/** A running load generator. */
export interface Load {
  setRate(rps: number): void;
  readonly reports$: Observable<LoadReport>;
  stop(): Promise<void>;
}

/**
 * Starts an open-loop load generator in a worker thread against `baseUrl`, choosing routes by
 * weight.
 */
export function startLoad(options: {
  baseUrl: string;
  routes: readonly { path: string; weight: number }[];
  rps: number;
  maxInFlight?: number;
}): Load {
  const reports$ = new Subject<LoadReport>();
  const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), {
    workerData: { ...options, maxInFlight: options.maxInFlight ?? 256 },
  });
  worker.on('message', (m: LoadReport) => reports$.next(m));
  worker.on('error', (e) => reports$.error(e));
  return {
    reports$,
    setRate: (rps) => worker.postMessage({ type: 'rate', rps }),
    async stop() {
      worker.postMessage({ type: 'stop' });
      await new Promise((r) => setTimeout(r, 50));
      await worker.terminate();
      reports$.complete();
    },
  };
}
