import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { defineAction } from './action.js';
import { createMemoryAudit } from './audit.js';
import { createExecutor } from './executor.js';
import { createRunbookRegistry } from './registry.js';
import { defineRunbook } from './runbook.js';
import { createManualScheduler } from './internal/manual-scheduler.js';
import { decide } from './internal/fixtures.js';

type Behaviour = 'ok' | 'throw' | 'garbage' | 'not-ok' | 'slow' | 'hang';

const behaviours: Behaviour[] = ['ok', 'throw', 'garbage', 'not-ok', 'slow', 'hang'];

const act = defineAction({
  name: 'act',
  params: z.object({ b: z.enum(behaviours as [Behaviour, ...Behaviour[]]) }),
  run: ({ b }, { signal }) => {
    switch (b) {
      case 'ok':
        return { detail: 'fine' };
      case 'throw':
        throw new Error('thrown');
      case 'garbage':
        return 'garbage' as never;
      case 'not-ok':
        return { ok: false, detail: 'said no' };
      case 'slow':
        return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      case 'hang':
        return new Promise<void>(() => undefined);
    }
  },
  undo: () => undefined,
});

const stepArb = fc.record({
  b: fc.constantFrom(...behaviours),
  onFailure: fc.constantFrom('abort' as const, 'continue' as const, 'rollback' as const),
  retries: fc.integer({ min: 0, max: 2 }),
});

describe('executor invariants (property)', () => {
  it('every run is fully audited and its Outcome agrees with its steps, whatever the actions do', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (steps, withVerify) => {
          const scheduler = createManualScheduler();
          const audit = createMemoryAudit({}, { clock: scheduler });
          const registry = createRunbookRegistry({
            runbooks: [
              defineRunbook({
                id: 'rb',
                steps: steps.map((s) => ({
                  action: 'act',
                  params: { b: s.b },
                  onFailure: s.onFailure,
                  retries: s.retries,
                  timeout: 1000,
                  backoff: { initial: 10 },
                })),
                ...(withVerify
                  ? {
                      verify: {
                        kind: 'metric' as const,
                        query: 'q',
                        below: 1,
                        for: 100,
                        interval: 50,
                        timeout: 500,
                      },
                    }
                  : {}),
              }),
            ],
            actions: [act],
          });
          const executor = createExecutor(
            registry,
            { abortGrace: 100 },
            { scheduler, audit, metrics: { read: () => 0 } },
          );
          const outcome = (await scheduler.drive(executor.run(decide('rb', 'target')), {
            stepMs: 100,
          }))!;

          const records = audit.records();
          expect(records[0]!.type).toBe('decision.received');
          expect(records.at(-1)!.type).toBe('run.finished');
          expect(records.filter((r) => r.type === 'run.finished')).toHaveLength(1);
          expect(records.at(-1)!.data?.status).toBe(outcome.status);
          expect(records.filter((r) => r.type === 'step.started')).toHaveLength(
            records.filter((r) => r.type === 'step.finished').length,
          );
          records.forEach((r, i) => i > 0 && expect(r.prev).toBe(records[i - 1]!.hash));

          // a hung action stops the run even with onFailure: continue (its target is not safe to touch)
          const failedAt = steps.findIndex(
            (s) => s.b === 'hang' || (s.b !== 'ok' && s.onFailure !== 'continue'),
          );
          if (failedAt === -1) {
            expect(outcome.status).toBe('succeeded');
            expect(outcome.verified).toBe(withVerify);
            expect(outcome.steps).toHaveLength(steps.length);
          } else {
            expect(outcome.status).not.toBe('succeeded');
            expect(outcome.error).toBeDefined();
            // steps after the failing one never ran
            expect(outcome.steps.filter((s) => !s.step.startsWith('undo:'))).toHaveLength(
              failedAt + 1,
            );
            const hung = steps[failedAt]!.b === 'hang';
            if (hung) expect(outcome.status).toBe('timed_out');
            else if (steps[failedAt]!.onFailure === 'rollback')
              expect(outcome.status).toBe('rolled_back');
            else
              expect(outcome.status).toBe(steps[failedAt]!.b === 'slow' ? 'timed_out' : 'failed');
          }
          expect(executor.stats().running).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
