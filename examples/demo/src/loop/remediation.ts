/**
 * What the loop may do, and when: the checkout team's runbooks (with the actions they use) and
 * the policies that choose among them. Every action here changes the real running service.
 */
import { z } from 'zod';
import {
  breakerAction,
  createRunbookRegistry,
  defineAction,
  defineRunbook,
  scaleAction,
  type RunbookRegistry,
} from '@homeostat/runbooks';
import { compilePolicies, type PolicySet } from '@homeostat/decision-engine';
import type { Checkout } from './services.js';

/** Sidecar series the runbooks verify against. */
export const SERIES = {
  checkoutErrors: 'checkout:GET /checkout:error_ratio',
  checkoutP99: 'checkout:GET /checkout:latency_p99',
  catalogErrors: 'checkout:GET /catalog:error_ratio',
  memory: 'checkout:worker_memory_mb',
  /**
   * Derived by the demo's metric reader: the worse of /checkout p99 over 100 ms and /checkout
   * error ratio over 5%. Below 1 means the route meets both objectives.
   */
  checkoutSlo: 'checkout:/checkout:slo_ratio',
} as const;

/** The runbooks and actions of the checkout service. */
export function checkoutRunbooks(
  checkout: Checkout,
  options: { verifyFor: string },
): RunbookRegistry {
  const flags = ['deferPayments', 'recommendationsEnabled'] as const;
  const setFlag = defineAction({
    name: 'set-flag',
    description: 'Turns a checkout feature flag on or off',
    params: z.object({ flag: z.enum(flags), value: z.boolean() }),
    run: ({ flag, value }) => {
      const before = checkout.state[flag];
      checkout.state[flag] = value;
      return { detail: `${flag}: ${before} → ${value}`, data: { before } };
    },
    undo: ({ flag }, ctx) => {
      const before = (ctx.result?.data as { before?: boolean } | undefined)?.before;
      if (typeof before === 'boolean') checkout.state[flag] = before;
    },
  });
  const recycle = defineAction({
    name: 'recycle-worker',
    description: 'Recycles the checkout worker, releasing the memory it holds',
    params: z.object({}),
    run: () => {
      const mb = checkout.retainedBytes() / 1e6;
      checkout.recycleWorker();
      return { detail: `released ${mb.toFixed(0)} MB` };
    },
  });
  const flushCache = defineAction({
    name: 'flush-catalog-cache',
    description: 'Drops every catalog cache entry (cold cache for a while)',
    params: z.object({}),
    run: () => {
      checkout.state.catalogCorrupted = false;
      return { detail: 'catalog cache flushed' };
    },
  });
  const breakers = { get: (name: string) => (name === 'payments' ? checkout.breaker : undefined) };
  const scaler = {
    getReplicas: () => checkout.state.replicas,
    setReplicas: (_target: string, replicas: number) => {
      checkout.state.replicas = replicas;
    },
  };
  const verify = (query: string, below: number) =>
    ({
      kind: 'metric',
      query,
      below,
      for: options.verifyFor,
      interval: '250ms',
      timeout: '30s',
    }) as const;
  return createRunbookRegistry({
    actions: [
      setFlag,
      recycle,
      flushCache,
      breakerAction(breakers),
      scaleAction(scaler, { minReplicas: 1, maxReplicas: 8 }),
    ],
    runbooks: [
      defineRunbook({
        id: 'degrade-dependency',
        description: 'Isolate a failing dependency behind its breaker and defer the work it did',
        params: { dependency: { type: 'string' } },
        steps: [
          {
            action: 'breaker',
            params: { breaker: '{{ params.dependency }}', op: 'isolate' },
            timeout: '2s',
          },
          { action: 'set-flag', params: { flag: 'deferPayments', value: true }, timeout: '2s' },
        ],
        verify: verify(SERIES.checkoutSlo, 1),
        cooldown: '60s',
      }),
      defineRunbook({
        id: 'recycle-worker',
        description: 'Turn off the leaking feature and recycle the worker before memory runs out',
        steps: [
          {
            action: 'set-flag',
            params: { flag: 'recommendationsEnabled', value: false },
            timeout: '2s',
            undo: false,
          },
          { action: 'recycle-worker', timeout: '5s' },
        ],
        verify: verify(SERIES.memory, 120),
        cooldown: '60s',
      }),
      defineRunbook({
        id: 'scale-out',
        description: 'Add checkout replicas',
        params: { replicas: { type: 'number', min: 1, max: 8 } },
        steps: [
          {
            action: 'scale',
            params: { target: 'checkout', replicas: '{{ params.replicas }}' },
            timeout: '5s',
          },
        ],
        verify: verify(SERIES.checkoutSlo, 1),
        cooldown: '10s',
      }),
      defineRunbook({
        id: 'flush-catalog-cache',
        description: 'Flush the catalog cache (expensive: a cold cache for minutes)',
        steps: [{ action: 'flush-catalog-cache', timeout: '5s' }],
        verify: verify(SERIES.catalogErrors, 0.05),
        approval: { required: true, roles: ['sre'], timeout: '60s' },
      }),
    ],
  });
}

/** Which runbook for which incident. An incident no policy matches is escalated. */
export function checkoutPolicies(): PolicySet {
  return compilePolicies(
    [
      {
        name: 'isolate-failing-dependency',
        priority: 10,
        match: ['symptom.resource="payments"', 'rootCause="payments"'],
        runbook: 'degrade-dependency',
        params: { dependency: '${rootCause}' },
        target: '${rootCause}',
        rollback: true,
      },
      {
        name: 'recycle-before-memory-runs-out',
        priority: 10,
        match: ['label.kind="exhaustion"'],
        runbook: 'recycle-worker',
        target: 'checkout-worker',
        rollback: true,
      },
      {
        name: 'scale-out-under-load',
        priority: 10,
        match: ['label.kind="scaling"'],
        runbook: 'scale-out',
        params: { replicas: '${label.replicas}' },
        target: 'checkout-replicas',
        rollback: true,
      },
      {
        name: 'flush-corrupt-catalog-cache',
        priority: 5,
        match: ['symptom.series=~".*/catalog:error_ratio"'],
        runbook: 'flush-catalog-cache',
        target: 'catalog-cache',
        approval: 'always',
        rollback: false,
      },
    ],
    { source: 'checkout policies' },
  );
}
