import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { HomeostatError, type HomeostatErrorOptions, type Logger } from '@homeostat/core';

/** The TensorFlow.js backend could not be started. */
export class TfBackendError extends HomeostatError<'TF_BACKEND_UNAVAILABLE'> {
  constructor(message: string, options: HomeostatErrorOptions = {}) {
    super('TF_BACKEND_UNAVAILABLE', message, options);
  }
}

/** Options of {@link initTf}. */
export interface InitTfOptions {
  /** Backend to try first (default `wasm`); `cpu` skips wasm. */
  readonly backend?: 'wasm' | 'cpu';
  /**
   * Folder holding `tfjs-backend-wasm*.wasm` (default: the `dist` folder of the installed
   * `@tensorflow/tfjs-backend-wasm`). Nothing is ever fetched from the network.
   */
  readonly wasmDir?: string;
  /** Where the fallback warning goes (default `console`). */
  readonly logger?: Pick<Logger, 'warn'>;
}

let ready: Promise<'wasm' | 'cpu'> | undefined;

/** The installed wasm backend's `dist` folder, found through module resolution. */
function installedWasmDir(): string {
  // The CommonJS build has a real `require`; the ES build (where bundlers may leave a stub
  // without `resolve`) makes one from its own URL.
  const req =
    typeof require === 'function' && typeof require.resolve === 'function'
      ? require
      : createRequire(import.meta.url);
  return dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
}

async function start(options: InitTfOptions): Promise<'wasm' | 'cpu'> {
  const logger = options.logger ?? console;
  if ((options.backend ?? 'wasm') === 'wasm') {
    try {
      const dir = options.wasmDir ?? installedWasmDir();
      // A local folder: the loader reads the .wasm file from disk (no fetch in Node).
      setWasmPaths(join(dir, '/'));
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return 'wasm';
      }
      throw new Error('tf.setBackend("wasm") returned false');
    } catch (cause) {
      logger.warn(
        `@homeostat/detectors/tf: the wasm backend failed to start (${
          cause instanceof Error ? cause.message : String(cause)
        }); falling back to the slower cpu backend`,
      );
    }
  }
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error('tf.setBackend("cpu") returned false');
    await tf.ready();
    return 'cpu';
  } catch (cause) {
    throw new TfBackendError('No TensorFlow.js backend could be started (tried wasm, cpu)', {
      cause,
    });
  }
}

/**
 * Starts TensorFlow.js once per process: the wasm backend, loaded from the installed
 * `@tensorflow/tfjs-backend-wasm` package (no network), or the `cpu` backend with a logged
 * warning when wasm fails. Later calls return the same promise (their options are ignored once
 * a backend has started; a failed start may be retried).
 *
 * @returns the backend in use
 * @throws {TfBackendError} (rejects) when neither backend starts.
 * @example
 * ```ts
 * const backend = await initTf(); // 'wasm'
 * ```
 */
export function initTf(options: InitTfOptions = {}): Promise<'wasm' | 'cpu'> {
  ready ??= start(options).catch((err: unknown) => {
    ready = undefined; // allow a retry
    throw err;
  });
  return ready;
}
