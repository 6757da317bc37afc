import { readFile, readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseDocument, YAMLError } from 'yaml';
import { ConfigError, toIssues, type Issue } from '@homeostat/core';
import { z } from 'zod';
import { runbookSchema, type Runbook } from './runbook.js';
import { jsonErrorOffset, lineAndColumn } from './internal/json-error-position.js';

/** Options of {@link parseRunbooks}. */
export interface ParseRunbooksOptions {
  /** Where the text came from; it appears in every error. Default `'(inline)'`. */
  readonly source?: string;
  /** `yaml` (default; YAML is a superset of JSON) or `json`. */
  readonly format?: 'yaml' | 'json';
}

const MAX_TEXT = 1_000_000;

function fail(source: string, issue: Issue, cause?: unknown): ConfigError {
  return new ConfigError([issue], {
    source,
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Parses runbook text (YAML or JSON): one runbook, or a list of runbooks.
 *
 * @returns The validated runbooks, in file order.
 * @throws {ConfigError} whose `source` is the file and whose issues name the path inside it
 * (`0.steps.1.timeout` in a list, `steps.1.timeout` in a single runbook), for syntax errors too;
 * a YAML or JSON syntax error's message gives its line and column (`at line 4, column 22`).
 * @example
 * ```ts
 * const [rb] = parseRunbooks('id: noop\nsteps:\n  - action: log\n', { source: 'noop.yaml' });
 * ```
 */
export function parseRunbooks(text: string, options: ParseRunbooksOptions = {}): Runbook[] {
  const source = options.source ?? '(inline)';
  if (typeof text !== 'string')
    throw fail(source, { path: '', message: 'runbook text must be a string' });
  if (text.length > MAX_TEXT)
    throw fail(source, { path: '', message: `file is larger than ${MAX_TEXT} characters` });
  let doc: unknown;
  const kind = options.format === 'json' ? 'JSON' : 'YAML';
  try {
    if (options.format === 'json') {
      doc = JSON.parse(text) as unknown;
    } else {
      const parsed = parseDocument(text, {
        uniqueKeys: true,
        prettyErrors: true,
        logLevel: 'silent',
      });
      const problem = parsed.errors[0] ?? parsed.warnings[0];
      if (problem) throw problem;
      doc = parsed.toJS({ maxAliasCount: 100 }) as unknown;
    }
  } catch (cause) {
    let where = '';
    if (cause instanceof YAMLError && cause.linePos) {
      where = ` at line ${cause.linePos[0].line}, column ${cause.linePos[0].col}`;
    } else if (options.format === 'json') {
      const offset = jsonErrorOffset(text);
      if (offset !== undefined) {
        const { line, col } = lineAndColumn(text, offset);
        where = ` at line ${line}, column ${col}`;
      }
    }
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    throw fail(source, { path: '', message: `cannot parse ${kind}${where}: ${reason}` }, cause);
  }
  if (doc === null || doc === undefined) throw fail(source, { path: '', message: 'file is empty' });
  const many = Array.isArray(doc);
  const result = (
    many ? z.array(runbookSchema).min(1, 'the list of runbooks is empty') : runbookSchema
  ).safeParse(doc);
  if (!result.success)
    throw new ConfigError(toIssues(result.error), { source, cause: result.error });
  const list = many ? (result.data as Runbook[]) : [result.data as Runbook];
  const seen = new Map<string, number>();
  list.forEach((rb, i) => {
    if (seen.has(rb.id))
      throw fail(source, {
        path: many ? `${i}.id` : 'id',
        message: `duplicate runbook id "${rb.id}"`,
      });
    seen.set(rb.id, i);
  });
  return list;
}

/**
 * Reads and validates one runbook file (`.yaml`, `.yml` or `.json`).
 *
 * @throws {ConfigError} naming the file and the path inside it; unreadable files too.
 * @example
 * ```ts
 * const runbooks = await loadRunbookFile('runbooks/restart.yaml');
 * ```
 */
export async function loadRunbookFile(file: string): Promise<Runbook[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw fail(
      file,
      {
        path: '',
        message: `cannot read file: ${cause instanceof Error ? cause.message : String(cause)}`,
      },
      cause,
    );
  }
  return parseRunbooks(text, {
    source: file,
    format: extname(file).toLowerCase() === '.json' ? 'json' : 'yaml',
  });
}

/**
 * Loads every `.yaml`, `.yml` and `.json` file of a directory (not recursive), sorted by name.
 *
 * @throws {ConfigError} for the first invalid file (named in `source`), or when two files
 * define the same runbook id.
 */
export async function loadRunbookDir(dir: string): Promise<Runbook[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.(ya?ml|json)$/i.test(n)).sort();
  } catch (cause) {
    throw fail(
      dir,
      {
        path: '',
        message: `cannot read directory: ${cause instanceof Error ? cause.message : String(cause)}`,
      },
      cause,
    );
  }
  const all: Runbook[] = [];
  const from = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    for (const rb of await loadRunbookFile(file)) {
      const other = from.get(rb.id);
      if (other)
        throw fail(file, {
          path: 'id',
          message: `runbook id "${rb.id}" is also defined in ${other}`,
        });
      from.set(rb.id, file);
      all.push(rb);
    }
  }
  return all;
}
