import type { SchedulerLike } from 'rxjs';
import type { HomeostatError } from './errors.js';

/** Where Homeostat writes messages; `console` fits. */
export interface Logger {
  /** Logs a warning (the default `onError` reports isolated errors here). */
  warn(message: string, ...details: unknown[]): void;
  /** Logs an error. */
  error(message: string, ...details: unknown[]): void;
}

/** Receives errors that an operator isolated (reported, event skipped). Must not throw. */
export type OnError = (error: HomeostatError) => void;

/**
 * Capabilities every operator accepts as its last argument. Plain data goes in options; time,
 * callbacks and loggers go here.
 */
export interface OperatorDeps {
  /** Source of time and timers. Default: RxJS `asyncScheduler`. Tests pass a `TestScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Called with each isolated error. Default: log it through `logger` (core's `createDefaultOnError`). */
  readonly onError?: OnError;
  /** Used by the default `onError`. Default: `console`. */
  readonly logger?: Logger;
}

/**
 * The default error reporter: logs through `logger` (default `console`) and never throws, even
 * when the logger does. It sets no process-wide hook.
 */
export function createDefaultOnError(logger: Logger = console): OnError {
  return (error) => {
    try {
      logger.warn(`[homeostat] ${error.message}`, error);
    } catch {
      // A broken logger must not break the loop.
    }
  };
}

/** Resolves `deps.onError`, falling back to the default reporter on `deps.logger`. */
export function resolveOnError(deps: OperatorDeps = {}): OnError {
  const onError = deps.onError ?? createDefaultOnError(deps.logger);
  return (error) => {
    try {
      onError(error);
    } catch {
      // onError is documented as must-not-throw; guard anyway so an operator never dies of it.
    }
  };
}
