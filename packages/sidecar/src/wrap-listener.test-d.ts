import type { ServerResponse } from 'node:http';
import http, { IncomingMessage } from 'node:http';
import express from 'express';
import { describe, expectTypeOf, it } from 'vitest';
import { createSidecar } from './create-sidecar.js';
import { expressRoute } from './express-sidecar.js';
import { wrapListener } from './wrap-listener.js';

const sidecar = createSidecar();

describe('wrapListener types', () => {
  it('wraps an Express app into a listener http.createServer accepts', () => {
    const app = express();
    const listener = wrapListener(sidecar, app, { route: expressRoute });
    expectTypeOf(listener).toEqualTypeOf<(req: IncomingMessage, res: ServerResponse) => unknown>();
    expectTypeOf(http.createServer).toBeCallableWith(listener);
  });

  it("keeps a listener's own request and response classes", () => {
    class TracedRequest extends IncomingMessage {
      traceId = '';
    }
    const listener = wrapListener(sidecar, (req: TracedRequest, res: ServerResponse) =>
      res.end(req.traceId),
    );
    expectTypeOf(listener).parameter(0).toEqualTypeOf<TracedRequest>();
    expectTypeOf(
      http.createServer<typeof TracedRequest>({ IncomingMessage: TracedRequest }, listener),
    ).toEqualTypeOf<http.Server<typeof TracedRequest>>();
  });
});
