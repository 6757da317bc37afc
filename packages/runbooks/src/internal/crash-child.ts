// Child process for the crash test: runs a runbook whose second step never finishes, prints
// READY once that step has started (its audit record is durable by then) and waits to be killed.
import { z } from 'zod';
import { defineAction } from '../action.js';
import { createFileAudit } from '../audit.js';
import { createExecutor } from '../executor.js';
import { createRunbookRegistry } from '../registry.js';
import { defineRunbook } from '../runbook.js';

const file = process.argv[2];
if (!file) throw new Error('usage: crash-child.ts AUDIT_FILE');

const quick = defineAction({
  name: 'quick',
  params: z.object({}),
  run: () => ({ detail: 'done' }),
});
const stuck = defineAction({
  name: 'stuck',
  params: z.object({}),
  run: () =>
    new Promise<void>(() => {
      process.stdout.write('READY\n');
    }),
});
const registry = createRunbookRegistry({
  runbooks: [
    defineRunbook({ id: 'finishes', steps: [{ action: 'quick' }] }),
    defineRunbook({
      id: 'crashes',
      steps: [
        { name: 'prepare', action: 'quick' },
        { name: 'drain', action: 'stuck', timeout: '1h' },
      ],
    }),
  ],
  actions: [quick, stuck],
});
const executor = createExecutor(registry, {}, { audit: createFileAudit(file) });
const base = {
  incident: {
    id: 'inc-1',
    resource: 'node-7',
    symptoms: [],
    severity: 'error' as const,
    openedAt: 0,
    labels: {},
  },
  verdict: 'execute' as const,
  confidence: 1,
  risk: 0,
  rationale: [],
};
await executor.run({ ...base, id: 'd-ok', runbook: 'finishes' });
await executor.run({ ...base, id: 'd-crash', runbook: 'crashes' });
