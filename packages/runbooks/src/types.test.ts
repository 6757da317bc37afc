// Compile-time checks: `tsc` (pnpm typecheck) verifies them; at run time expectTypeOf is a no-op.
import { expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import type { Observable } from 'rxjs';
import type { Decision, Outcome } from '@homeostat/core';
import { defineAction, type Action, type ActionContext } from './action.js';
import { createMemoryAudit } from './audit.js';
import { execute } from './execute.js';
import type { RunbookRegistry } from './registry.js';
import { defineRunbook, type Runbook } from './runbook.js';

test('defineAction infers params from the zod schema', () => {
  const a = defineAction({
    name: 'scale',
    params: z.object({ target: z.string(), replicas: z.number().default(1) }),
    run(params, ctx) {
      expectTypeOf(params).toEqualTypeOf<{ target: string; replicas: number }>();
      expectTypeOf(ctx).toEqualTypeOf<ActionContext>();
      return { detail: params.target };
    },
  });
  expectTypeOf(a).toEqualTypeOf<Action>();
});

test('defineRunbook returns the parsed runbook with durations as numbers', () => {
  const rb = defineRunbook({ id: 'x', steps: [{ action: 'a', timeout: '10s' }] });
  expectTypeOf(rb).toEqualTypeOf<Runbook>();
  expectTypeOf(rb.steps[0]!.timeout).toEqualTypeOf<number>();
});

test('execute maps decisions to outcomes', () => {
  const op = execute({} as RunbookRegistry, { audit: createMemoryAudit() });
  expectTypeOf(op).parameter(0).toEqualTypeOf<Observable<Decision>>();
  expectTypeOf(op).returns.toEqualTypeOf<Observable<Outcome>>();
});
