/**
 * In-process cost of the sidecar's per-request path (admission, the end of the response,
 * aggregation, observation), measured in CPU time on real `IncomingMessage`/`ServerResponse`
 * objects with no network. CPU time of this process barely moves when other processes compete
 * for the cores, so this isolates the sidecar's own cost from the load generator and the kernel.
 *
 * Each request goes through the steps of Node's HTTP/1 server that the sidecar depends on: the
 * response is assigned its socket, the handler runs, the response's end is published on the
 * `http.server.response.finish` diagnostics channel (as Node's server does once a response is
 * sent, whenever that channel has a subscriber) and the socket is detached. Requests run
 * `PER_TURN` to an event-loop turn, as a loaded server takes them in, so the sidecar's
 * once-per-turn work is counted too.
 */
import { channel } from 'node:diagnostics_channel';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
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
  /** Requests per event-loop turn. */
  readonly perTurn: number;
}

const finished = channel('http.server.response.finish');
/** Requests per event-loop turn (a loaded server takes in 17–28 per turn in the benchmark). */
const PER_TURN = 20;
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Measures `reps` alternating bare/sidecar loops of `iterations` requests each. */
export async function measureHotPath(
  iterations: number,
  reps: number,
  options: SidecarOptions,
): Promise<HotPathResult> {
  const socket = new Socket();
  const server = new Server();
  const sidecar = createSidecar({ service: 'bench', ...options });
  let observed = 0;
  sidecar.observations$.subscribe(() => observed++);
  const handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 200;
  };
  const wrapped = wrapListener(sidecar, handler);
  const urls = ['/users/42', '/users/43/orders', '/health-check-of-app', '/items'];
  const loop = async (fn: (req: IncomingMessage, res: ServerResponse) => unknown) => {
    const t0 = process.cpuUsage();
    for (let i = 0; i < iterations; i++) {
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = urls[i & 3]!;
      const res = new ServerResponse(req);
      res.assignSocket(socket);
      fn(req, res);
      if (finished.hasSubscribers) {
        finished.publish({ request: req, response: res, socket, server });
      }
      res.detachSocket(socket);
      res.emit('close');
      if (i % PER_TURN === PER_TURN - 1) await nextTurn();
    }
    await nextTurn();
    const d = process.cpuUsage(t0);
    return ((d.user + d.system) * 1000) / iterations;
  };
  const bare: number[] = [];
  const withSidecar: number[] = [];
  await loop(handler); // warm-up
  await loop(wrapped);
  for (let r = 0; r < reps; r++) {
    bare.push(await loop(handler));
    withSidecar.push(await loop(wrapped));
  }
  sidecar.close();
  socket.destroy();
  if (observed < iterations * (reps + 1)) {
    throw new Error(
      `hot path: the sidecar observed ${observed} of ${iterations * (reps + 1)} requests`,
    );
  }
  const bareNs = median(bare);
  const sidecarNs = median(withSidecar);
  return {
    bareNs,
    sidecarNs,
    overheadNs: sidecarNs - bareNs,
    iterations,
    reps,
    perTurn: PER_TURN,
  };
}
