import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepAliveLoad, parseResponses } from './keep-alive-load.js';

const response = (status: number, body: string, extra = ''): string =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe('parseResponses', () => {
  it('splits complete responses and leaves a partial one', () => {
    const two = response(200, 'hello') + response(503, 'busy\n');
    const partial = response(200, 'abcdef').slice(0, -3);
    const buf = Buffer.from(two + partial, 'latin1');
    const parsed = parseResponses(buf);
    expect(parsed.statuses).toEqual([200, 503]);
    expect(parsed.consumed).toBe(Buffer.byteLength(two));
  });

  it('waits for a head that has not ended', () => {
    expect(parseResponses(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'))).toEqual({
      consumed: 0,
      statuses: [],
    });
  });

  it('reads Content-Length in any case and an empty body', () => {
    const buf = Buffer.from('HTTP/1.1 204 No Content\r\ncontent-LENGTH: 0\r\n\r\n');
    expect(parseResponses(buf)).toEqual({ consumed: buf.length, statuses: [204] });
  });

  it('refuses a response without Content-Length, naming its status', () => {
    const buf = Buffer.from(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    );
    expect(() => parseResponses(buf)).toThrow(/response 200 has no Content-Length/);
  });

  it('refuses bytes that are not an HTTP/1.1 response', () => {
    expect(() => parseResponses(Buffer.from('SSH-2.0-x\r\n\r\n'))).toThrow(
      /not an HTTP\/1.1 status line/,
    );
  });
});

describe('KeepAliveLoad', () => {
  let server: http.Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  const listen = async (handler: http.RequestListener): Promise<string> => {
    server = http.createServer(handler);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/path?q=1`;
  };

  it('keeps its connections busy while on, over as many sockets as asked, and stops', async () => {
    const sockets = new Set<unknown>();
    const paths = new Set<string | undefined>();
    let served = 0;
    const url = await listen((req, res) => {
      sockets.add(req.socket);
      paths.add(req.url);
      served++;
      res.statusCode = served % 10 === 0 ? 503 : 200;
      res.end('ok');
    });
    const load = await KeepAliveLoad.open(url, 4);
    try {
      load.start();
      await new Promise((r) => setTimeout(r, 100));
      load.stop();
      // Answers already in flight (one per connection at most) still arrive.
      await new Promise((r) => setTimeout(r, 50));
      const after = load.completed;
      expect(after).toBeGreaterThan(20);
      expect(after).toBe(served);
      expect(load.non2xx).toBe(Math.floor(served / 10));
      expect(load.ok + load.non2xx).toBe(served);
      expect(sockets.size).toBe(4);
      expect([...paths]).toEqual(['/path?q=1']);
      await new Promise((r) => setTimeout(r, 50));
      expect(load.completed).toBe(after);
    } finally {
      load.close();
    }
  });

  it('reports a server that closes a connection', async () => {
    const url = await listen((_req, res) => {
      res.setHeader('connection', 'close');
      res.end('bye');
    });
    const load = await KeepAliveLoad.open(url, 1);
    try {
      load.start();
      await new Promise((r) => setTimeout(r, 50));
      expect(() => load.check()).toThrow(/closed a connection/);
    } finally {
      load.close();
    }
  });

  it('rejects a bad URL or connection count', async () => {
    await expect(KeepAliveLoad.open('https://127.0.0.1:1/', 1)).rejects.toThrow(/not an http URL/);
    await expect(KeepAliveLoad.open('http://127.0.0.1:1/', 0)).rejects.toThrow(
      /connections must be/,
    );
  });
});
