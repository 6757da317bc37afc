/**
 * The benchmark's Express server, shared by the throughput servers (`server.ts`) and the
 * instruction harness (`instructions-harness.ts`), so that both measure the same app.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express from 'express';
import { expressRoute, expressSidecar, wrapListener, type Sidecar } from '@homeostat/sidecar';

/** How the app is built: bare, with a middleware that only calls `next()`, or with a sidecar. */
export type ExpressMount = 'bare' | 'noop' | 'middleware' | 'wrapped';

/**
 * A hello-world Express app answering `GET /` with `body` as text (`x-powered-by` and ETags off),
 * calling `onRequest` in its handler first; with a sidecar mounted as the first middleware or
 * wrapping the whole app (`wrapListener(sidecar, app, { route: expressRoute })`).
 */
export function expressListener(app: {
  readonly mount: ExpressMount;
  readonly sidecar: Sidecar | undefined;
  readonly body: string;
  readonly onRequest: () => void;
}): RequestListener {
  const { mount, sidecar, body, onRequest } = app;
  if ((mount === 'middleware' || mount === 'wrapped') && sidecar === undefined) {
    throw new Error(`expressListener: mount "${mount}" needs a sidecar`);
  }
  const server = express();
  server.disable('x-powered-by');
  server.disable('etag');
  if (mount === 'middleware') server.use(expressSidecar(sidecar!));
  if (mount === 'noop') {
    server.use((_req: IncomingMessage, _res: ServerResponse, next: () => void) => next());
  }
  server.get('/', (_req, res) => {
    onRequest();
    res.type('text/plain').send(body);
  });
  return mount === 'wrapped' ? wrapListener(sidecar!, server, { route: expressRoute }) : server;
}
