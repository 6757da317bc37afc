import { execFile } from 'node:child_process';
import { z } from 'zod';
import { parseOptions } from '@homeostat/core';
import { defineAction, type Action } from '../action.js';
import { ActionError } from '../errors.js';

/** zod schema of {@link CommandActionOptions}. */
export const commandActionOptionsSchema = z.strictObject({
  /** Name the action is registered under, as steps name it (non-empty). Default `'command'`. */
  name: z.string().min(1).default('command'),
  /** Must be `true` for the action to run anything. Default `false`: every run is refused. */
  enabled: z.boolean().default(false),
  /**
   * Executables that may be run (exact `argv[0]` match, ideally absolute paths). Default `[]`:
   * nothing may run.
   */
  allow: z.array(z.string().min(1)).default([]),
  /** Working directory of the child. Default: the host process's working directory. */
  cwd: z.string().optional(),
  /** Environment for the child; default: an empty environment plus PATH. */
  env: z.record(z.string(), z.string()).optional(),
  /**
   * Most bytes the child may write to stdout or stderr (0–10,000,000); more kills it and fails
   * the step. Default 64 KiB. The step result keeps the first 2,000 characters of each.
   */
  maxOutputBytes: z
    .number()
    .int()
    .min(0)
    .max(10_000_000)
    .default(64 * 1024),
  /**
   * Declare the allowed commands read-only, so the action runs in dry runs and may serve as a
   * probe. Default `false`; set it only when no allowed command changes anything.
   */
  readOnly: z.boolean().default(false),
});

/** Options of {@link commandActionOptionsSchema}. */
export type CommandActionOptions = z.input<typeof commandActionOptionsSchema>;

/**
 * Runs a process from an argv array through `execFile` — never a shell, so nothing in params is
 * interpreted by one. Off unless `enabled: true`, and `argv[0]` must be in `allow`. The child is
 * killed when the step's signal aborts (timeout). A non-zero exit fails the step.
 *
 * @throws {ConfigError} on invalid options.
 * @example
 * ```ts
 * const cmd = commandAction({ enabled: true, allow: ['/usr/bin/systemctl'] });
 * // step: { action: command, params: { argv: ['/usr/bin/systemctl', 'restart', 'nginx'] } }
 * ```
 */
export function commandAction(options: CommandActionOptions = {}): Action {
  const opts = parseOptions(commandActionOptionsSchema, options, { source: 'commandAction' });
  const allow = new Set(opts.allow);
  return defineAction({
    name: opts.name,
    description: `Runs one of ${opts.allow.join(', ') || '(nothing)'} without a shell`,
    readOnly: opts.readOnly,
    params: z.strictObject({
      /** Executable (must be in `allow`) and its arguments, passed without a shell. */
      argv: z.array(z.string()).min(1, 'argv needs at least the executable'),
    }),
    async run({ argv }, { signal }) {
      if (!opts.enabled) {
        throw new ActionError(
          'ACTION_FORBIDDEN',
          'command actions are disabled (pass enabled: true to commandAction)',
          { action: opts.name },
        );
      }
      const [file, ...args] = argv as [string, ...string[]];
      if (!allow.has(file))
        throw new ActionError('ACTION_FORBIDDEN', `executable ${file} is not in allow`, {
          action: opts.name,
        });
      return await new Promise((resolve, reject) => {
        execFile(
          file,
          args,
          {
            shell: false,
            signal,
            maxBuffer: opts.maxOutputBytes,
            env: opts.env ?? { PATH: process.env.PATH ?? '' },
            windowsHide: true,
            ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
          },
          (error, stdout, stderr) => {
            const out = {
              stdout: String(stdout).slice(0, 2000),
              stderr: String(stderr).slice(0, 2000),
            };
            if (error) {
              reject(
                new ActionError(
                  'ACTION_FAILED',
                  `${file} failed: ${error.message.split('\n')[0]}`,
                  { action: opts.name, cause: error },
                ),
              );
              return;
            }
            resolve({ detail: `${file} exited 0`, data: out });
          },
        );
      });
    },
  });
}
