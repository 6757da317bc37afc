/**
 * In-process cost of the sidecar's per-request path (admission, close handling, aggregation,
 * observation), measured in CPU time on real `IncomingMessage`/`ServerResponse` objects with
 * no network. CPU time of this process barely moves when other processes compete for the
 * cores, so this isolates the sidecar's own cost from the load generator and the kernel.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { median } from '@homeostat-bench/common';
import { createSidecar, wrapListener, type SidecarOptions } from '@homeostat/sidecar';

export interface HotPathResult {
  /** CPU ns per request without the sidecar (building the request/response objects). */
  readonly bareNs: number;
  /** CPU ns per request with the sidecar. */
  readonly sidecarNs: number;
  /** The difference: what the sidecar adds per request. */
  readonly overheadNs: number;
  readonly iterations: number;
  readonly reps: number;
}

/** Measures `reps` alternating bare/sidecar loops of `iterations` requests each. */
export function measureHotPath(
  iterations: number,
  reps: number,
  options: SidecarOptions,
): HotPathResult {
  const socket = new Socket();
  const sidecar = createSidecar({ service: 'bench', ...options });
  let observed = 0;
  sidecar.observations$.subscribe(() => observed++);
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 200;
  };
  const wrapped = wrapListener(sidecar, handler);
  const urls = ['/users/42', '/users/43/orders', '/health-check-of-app', '/items'];
  const loop = (fn: (req: IncomingMessage, res: ServerResponse) => unknown): number => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = urls[i & 3]!;
      const res = new ServerResponse(req);
      fn(req, res);
      res.emit('close');
    }
    const d = process.cpuUsage(t0);
    return ((d.user + d.system) * 1000) / iterations;
  };
  const bare: number[] = [];
  const withSidecar: number[] = [];
  loop(handler); // warm-up
  loop(wrapped);
  for (let r = 0; r < reps; r++) {
    bare.push(loop(handler));
    withSidecar.push(loop(wrapped));
  }
  sidecar.close();
  socket.destroy();
  if (observed < iterations) throw new Error('sidecar did not observe the requests');
  const bareNs = median(bare);
  const sidecarNs = median(withSidecar);
  return { bareNs, sidecarNs, overheadNs: sidecarNs - bareNs, iterations, reps };
}
