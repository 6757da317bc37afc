#!/usr/bin/env node
// `pnpm rca --case FILE.json` in the repository; `homeostat-rca` once installed.
import { runRcaCli } from './run-rca.js';

process.exitCode = await runRcaCli(process.argv.slice(2));
