import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isHomeostatError } from '@homeostat/core';
import { analyzeCase, RCA_METHODS, type RcaMethod } from '../analyze-case.js';

/** Where the CLI reads and writes; injectable for tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly readFile: (path: string) => Promise<string>;
  readonly readStdin: () => Promise<string>;
}

const USAGE = `usage: homeostat-rca --case FILE.json [--method ensemble|upstream|pagerank|metric] [--top N] [--pretty]

Prints {"ranking":[{"node":…,"score":…,"evidence":[…]},…]} for an RCA case file
(use --case - to read the case from standard input). Warnings go to standard error.
Exit codes: 0 ranked, 1 the case could not be read or is invalid, 2 bad usage.`;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The default I/O: process streams and the file system. */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
  readStdin: () => readAll(process.stdin),
};

/** Runs the `rca` command line; resolves to the exit code. Never throws. */
export async function runRcaCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let values: { case?: string; method?: string; top?: string; pretty?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        case: { type: 'string' },
        method: { type: 'string' },
        top: { type: 'string' },
        pretty: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    io.stderr(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (!values.case) {
    io.stderr(`missing --case\n${USAGE}\n`);
    return 2;
  }
  const method = (values.method ?? 'ensemble') as RcaMethod;
  if (!RCA_METHODS.includes(method)) {
    io.stderr(`unknown --method '${values.method}'; use one of ${RCA_METHODS.join(', ')}\n`);
    return 2;
  }
  const top = values.top === undefined ? 10 : Number(values.top);
  if (!Number.isInteger(top) || top < 1) {
    io.stderr(`--top must be a positive integer, got '${values.top}'\n`);
    return 2;
  }
  const file = values.case;
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await io.readFile(file);
  } catch (e) {
    io.stderr(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    io.stderr(`${file} is not valid JSON: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    const result = analyzeCase(data, { method, top, source: file });
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    io.stdout(
      `${JSON.stringify({ ranking: result.ranking }, null, values.pretty ? 2 : undefined)}\n`,
    );
    return 0;
  } catch (e) {
    io.stderr(`${isHomeostatError(e) || e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}
