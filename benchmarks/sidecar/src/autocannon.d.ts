/* eslint-disable max-params -- autocannon's 'response' event passes four arguments */
// The parts of autocannon's programmatic API this benchmark uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface AutocannonOptions {
    url: string;
    connections?: number;
    duration?: number;
    amount?: number;
    pipelining?: number;
    overallRate?: number;
    timeout?: number;
  }

  interface AutocannonResult {
    requests: { average: number; total: number; sent: number };
    latency: { p50: number; p99: number; average: number; max: number };
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    duration: number;
  }

  interface Instance extends EventEmitter {
    stop(): void;
    on(
      event: 'response',
      listener: (
        client: unknown,
        statusCode: number,
        resBytes: number,
        responseTime: number,
      ) => void,
    ): this;
    on(event: 'done', listener: (result: AutocannonResult) => void): this;
  }

  function autocannon(
    options: AutocannonOptions,
    cb: (err: Error | null, result: AutocannonResult) => void,
  ): Instance;
  export default autocannon;
  export type { AutocannonOptions, AutocannonResult, Instance };
}
