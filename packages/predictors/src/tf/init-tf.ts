import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { HomeostatError, type HomeostatErrorOptions, type Logger } from '@homeostat/core';

/** No TensorFlow.js backend could be started. */
export class TfUnavailableError extends HomeostatError<'TF_UNAVAILABLE'> {
  constructor(message: string, options: HomeostatErrorOptions = {}) {
    super('TF_UNAVAILABLE', message, options);
  }
}

/** Options of {@link initTf}. */
export interface InitTfOptions {
  /** Backend to try first (default `wasm`); `cpu` goes straight to the pure-JS backend. */
  readonly backend?: 'wasm' | 'cpu';
  /** Folder with the `.wasm` files (default: `dist` of the installed wasm package). */
  readonly wasmDir?: string;
  /** Receives the warning when wasm fails and `cpu` is used instead (default `console`). */
  readonly logger?: Pick<Logger, 'warn'>;
}

let started: Promise<'wasm' | 'cpu'> | undefined;

function wasmDirOfInstalledPackage(): string {
  const req = typeof require === 'function' ? require : createRequire(import.meta.url);
  return dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
}

async function start(options: InitTfOptions): Promise<'wasm' | 'cpu'> {
  const logger = options.logger ?? console;
  if ((options.backend ?? 'wasm') === 'wasm') {
    try {
      // A local path: the binary is read from disk, never downloaded.
      setWasmPaths(join(options.wasmDir ?? wasmDirOfInstalledPackage(), '/'));
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
      await tf.ready();
      return 'wasm';
    } catch (cause) {
      const why = cause instanceof Error ? cause.message : String(cause);
      logger.warn(
        `@homeostat/predictors/tf: wasm backend unavailable (${why}); using the cpu backend`,
      );
    }
  }
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error('setBackend("cpu") returned false');
    await tf.ready();
    return 'cpu';
  } catch (cause) {
    throw new TfUnavailableError('no TensorFlow.js backend could be started (tried wasm and cpu)', {
      cause,
    });
  }
}

/**
 * Starts TensorFlow.js once per process: the wasm backend with its binary loaded from the
 * installed `@tensorflow/tfjs-backend-wasm` (no network), or the `cpu` backend after a logged
 * warning. Later calls return the same promise; call it before fitting a {@link createGruForecaster}.
 *
 * @returns the backend in use.
 * @throws {TfUnavailableError} (rejects) when no backend starts.
 * @example
 * ```ts
 * await initTf(); // 'wasm'
 * ```
 */
export function initTf(options: InitTfOptions = {}): Promise<'wasm' | 'cpu'> {
  started ??= start(options).catch((err: unknown) => {
    started = undefined;
    throw err;
  });
  return started;
}
