import { describe, expect, it } from 'vitest';
import { ConfigError, isHomeostatError } from '@homeostat/core';
import { defineRunbook, paramsSchemaOf, runbook, RunbookBuilder } from './runbook.js';

function issuesOf(fn: () => unknown): {
  source: string | undefined;
  issues: readonly { path: string; message: string }[];
} {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return { source: e.source, issues: e.issues };
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('defineRunbook', () => {
  it('applies defaults and parses durations', () => {
    const rb = defineRunbook({
      id: 'restart',
      steps: [{ action: 'x', timeout: '20s', backoff: { initial: '250ms' } }],
      verify: { kind: 'metric', query: 'error_ratio', below: 0.01, for: '30s' },
      cooldown: '10m',
      maxRuns: { count: 3, window: '1h' },
    });
    expect(rb.steps[0]).toMatchObject({
      timeout: 20_000,
      retries: 0,
      onFailure: 'abort',
      params: {},
      backoff: { initial: 250, factor: 2, max: 30_000 },
    });
    expect(rb.verify).toMatchObject({ for: 30_000, interval: 5000, timeout: 120_000 });
    expect(rb.cooldown).toBe(600_000);
    expect(rb.maxRuns).toEqual({ count: 3, window: 3_600_000 });
    expect(rb.preconditions).toEqual([]);
  });

  it('names the runbook and the path of every problem', () => {
    const { source, issues } = issuesOf(() =>
      defineRunbook({
        id: 'bad',
        steps: [{ action: 'x', timeout: 'soon', onFailure: 'explode' as never }],
        verify: { kind: 'metric', query: 'q', for: '1s' },
      }),
    );
    expect(source).toBe('runbook bad');
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('steps.0.timeout');
    expect(paths).toContain('steps.0.onFailure');
    expect(issues.find((i) => i.path === 'steps.0.timeout')?.message).toMatch(/duration/);
  });

  it('rejects durations longer than the longest timer Node supports (2^31 - 1 ms)', () => {
    const { issues } = issuesOf(() =>
      defineRunbook({
        id: 'long',
        steps: [{ action: 'x', timeout: '600h' }],
        approval: { timeout: 2_147_483_648 },
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'steps.0.timeout', message: expect.stringMatching(/at most 2147483647 ms/) },
        { path: 'approval.timeout', message: expect.stringMatching(/at most 2147483647 ms/) },
      ]),
    );
    expect(
      defineRunbook({ id: 'ok', steps: [{ action: 'x', timeout: 2_147_483_647 }] }).steps[0]!
        .timeout,
    ).toBe(2_147_483_647);
    // Cooldowns are compared with the clock, not waited for: any length.
    expect(defineRunbook({ id: 'c', steps: [{ action: 'x' }], cooldown: '900h' }).cooldown).toBe(
      900 * 3_600_000,
    );
  });

  it('rejects unknown keys, empty steps and duplicate step names', () => {
    expect(
      issuesOf(() => defineRunbook({ id: 'a', steps: [], extra: 1 } as never)).issues.map(
        (i) => i.path,
      ),
    ).toEqual(expect.arrayContaining(['steps', '']));
    const dup = issuesOf(() =>
      defineRunbook({
        id: 'a',
        steps: [
          { name: 's', action: 'x' },
          { name: 's', action: 'y' },
        ],
      }),
    );
    expect(dup.issues).toEqual([{ path: 'steps.1.name', message: 'duplicate step name "s"' }]);
    const both = issuesOf(() =>
      defineRunbook({
        id: 'a',
        steps: [{ action: 'x' }],
        verify: { kind: 'metric', query: 'q', below: 1, above: 0 },
      }),
    );
    expect(both.issues[0]?.path).toBe('verify');
  });
});

describe('runbook builder', () => {
  it('builds the same runbook as the object form', () => {
    const built = runbook('scale-out')
      .describe('add capacity')
      .param('by', { type: 'integer', min: 1, max: 5, default: 1 })
      .precondition({ kind: 'severity', atLeast: 'warning' })
      .step(
        'scale',
        { target: '{{ target }}', delta: '{{ params.by }}' },
        { timeout: '20s', retries: 1 },
      )
      .verify({ kind: 'metric', query: 'cpu', below: 0.8, for: '1m' })
      .cooldown('10m')
      .maxRuns(2, '1h')
      .requireApproval({ roles: ['sre'], timeout: '5m' })
      .build();
    expect(built).toEqual(
      defineRunbook({
        id: 'scale-out',
        description: 'add capacity',
        params: { by: { type: 'integer', min: 1, max: 5, default: 1 } },
        preconditions: [{ kind: 'severity', atLeast: 'warning' }],
        steps: [
          {
            action: 'scale',
            params: { target: '{{ target }}', delta: '{{ params.by }}' },
            timeout: '20s',
            retries: 1,
          },
        ],
        verify: { kind: 'metric', query: 'cpu', below: 0.8, for: '1m' },
        cooldown: '10m',
        maxRuns: { count: 2, window: '1h' },
        approval: { required: true, roles: ['sre'], timeout: '5m' },
      }),
    );
    expect(runbook('x')).toBeInstanceOf(RunbookBuilder);
  });

  it('throws ConfigError from build()', () => {
    const e = (() => {
      try {
        runbook('no-steps')
          .targets({ selector: { app: 'web' } })
          .build();
      } catch (err) {
        return err;
      }
    })();
    expect(isHomeostatError(e) && e.code).toBe('CONFIG_INVALID');
  });
});

describe('paramsSchemaOf', () => {
  it('validates params with types, bounds, enums and defaults', () => {
    const schema = paramsSchemaOf(
      defineRunbook({
        id: 'p',
        params: {
          n: { type: 'integer', min: 1, max: 3 },
          mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe' },
          note: { type: 'string', optional: true },
          force: { type: 'boolean', default: false },
        },
        steps: [{ action: 'x' }],
      }),
    );
    expect(schema.parse({ n: 2 })).toEqual({ n: 2, mode: 'safe', force: false });
    expect(schema.safeParse({ n: 2.5 }).success).toBe(false);
    expect(schema.safeParse({ n: 4 }).success).toBe(false);
    expect(schema.safeParse({ n: 1, mode: 'yolo' }).success).toBe(false);
    expect(schema.safeParse({ n: 1, surprise: true }).success).toBe(false);
  });
});
