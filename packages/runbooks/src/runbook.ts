import { z } from 'zod';
import { parseOptions, severitySchema } from '@homeostat/core';
import { durationSchema } from './internal/duration.js';

const id = z
  .string()
  .regex(
    /^[A-Za-z0-9][\w.:-]*$/,
    'must start with a letter or digit and use only letters, digits, _ . : -',
  )
  .max(200, 'must be at most 200 characters');
const actionName = z.string().min(1, 'must name a registered action').max(200);
const jsonRecord = z.record(z.string(), z.unknown());

/** zod schema of one declared runbook parameter. */
export const paramSpecSchema = z.strictObject({
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  description: z.string().optional(),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  enum: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
  optional: z.boolean().default(false),
});

/** zod schema of retry backoff: `initial × factor^(attempt-1)`, capped at `max`. */
export const backoffSchema = z.strictObject({
  initial: durationSchema.default(1000),
  factor: z.number().min(1).max(10).default(2),
  max: durationSchema.default(30_000),
});

/** zod schema of a step's explicit undo. */
export const undoSchema = z.strictObject({ action: actionName, params: jsonRecord.default({}) });

/** zod schema of one runbook step. */
export const stepSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  action: actionName,
  params: jsonRecord.default({}),
  timeout: durationSchema.default(30_000),
  retries: z.number().int().min(0).max(10).default(0),
  backoff: backoffSchema.default({ initial: 1000, factor: 2, max: 30_000 }),
  onFailure: z.enum(['abort', 'continue', 'rollback']).default('abort'),
  forEachTarget: z.boolean().default(false),
  undo: z.union([undoSchema, z.literal(false)]).optional(),
});

/** zod schema of a metric condition: `query` must read `below` (or `above`) a threshold. */
export const metricConditionSchema = z
  .strictObject({
    query: z.string().min(1),
    below: z.number().optional(),
    above: z.number().optional(),
  })
  .refine((c) => (c.below === undefined) !== (c.above === undefined), {
    message: 'give exactly one of "below" or "above"',
  });

const probeFields = {
  action: actionName,
  params: jsonRecord.default({}),
};

/** zod schema of a precondition checked before a run starts. */
export const preconditionSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('labels'), match: z.record(z.string(), z.string()) }),
  z.strictObject({ kind: z.literal('severity'), atLeast: severitySchema }),
  z.strictObject({
    kind: z.literal('probe'),
    ...probeFields,
    timeout: durationSchema.default(10_000),
  }),
  z.strictObject({
    kind: z.literal('metric'),
    query: z.string().min(1),
    below: z.number().optional(),
    above: z.number().optional(),
  }),
]);

/** zod schema of a runbook's verification. */
export const verificationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('probe'),
    ...probeFields,
    interval: durationSchema.default(5000),
    successes: z.number().int().min(1).max(1000).default(1),
    timeout: durationSchema.default(60_000),
  }),
  z.strictObject({
    kind: z.literal('metric'),
    query: z.string().min(1),
    below: z.number().optional(),
    above: z.number().optional(),
    for: durationSchema.default(0),
    interval: durationSchema.default(5000),
    timeout: durationSchema.default(120_000),
  }),
]);

/** zod schema of a runbook's target selection. */
export const targetsSchema = z.strictObject({
  selector: z.record(z.string(), z.string()),
  allowEmpty: z.boolean().default(false),
  allowAll: z.boolean().default(false),
  max: z.number().int().min(1).optional(),
});

/**
 * zod schema of a runbook. Files and the builder both go through it, so every runbook the
 * executor sees has the same shape with defaults applied.
 */
export const runbookSchema = z
  .strictObject({
    id,
    description: z.string().default(''),
    params: z
      .record(
        z.string().regex(/^\w+$/, 'parameter names use letters, digits and _'),
        paramSpecSchema,
      )
      .default({}),
    preconditions: z.array(preconditionSchema).default([]),
    targets: targetsSchema.optional(),
    steps: z.array(stepSchema).min(1, 'a runbook needs at least one step').max(100),
    verify: verificationSchema.optional(),
    cooldown: durationSchema.default(0),
    maxRuns: z.strictObject({ count: z.number().int().min(1), window: durationSchema }).optional(),
    approval: z
      .strictObject({
        required: z.boolean().default(true),
        roles: z.array(z.string().min(1)).default([]),
        timeout: durationSchema.default(15 * 60_000),
      })
      .optional(),
  })
  .superRefine((rb, ctx) => {
    const names = new Set<string>();
    rb.steps.forEach((s, i) => {
      const name = s.name ?? `${i + 1}:${s.action}`;
      if (names.has(name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'name'],
          message: `duplicate step name "${name}"`,
        });
      }
      names.add(name);
    });
    for (const [i, p] of rb.preconditions.entries()) {
      if (p.kind === 'metric' && (p.below === undefined) === (p.above === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: ['preconditions', i],
          message: 'give exactly one of "below" or "above"',
        });
      }
    }
    if (
      rb.verify?.kind === 'metric' &&
      (rb.verify.below === undefined) === (rb.verify.above === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['verify'],
        message: 'give exactly one of "below" or "above"',
      });
    }
    for (const [name, p] of Object.entries(rb.params)) {
      if (p.min !== undefined && p.max !== undefined && p.min > p.max) {
        ctx.addIssue({
          code: 'custom',
          path: ['params', name],
          message: 'min must not exceed max',
        });
      }
    }
  });

/** A runbook as written (defaults optional): what files and {@link defineRunbook} accept. */
export type RunbookInput = z.input<typeof runbookSchema>;
/** A validated runbook with defaults applied; durations are milliseconds. */
export type Runbook = z.output<typeof runbookSchema>;
/** One validated step. */
export type RunbookStep = Runbook['steps'][number];
/** A declared parameter. */
export type ParamSpec = z.output<typeof paramSpecSchema>;
/** A validated verification. */
export type Verification = NonNullable<Runbook['verify']>;
/** A validated precondition. */
export type Precondition = Runbook['preconditions'][number];

/**
 * Validates a runbook given as a plain object (durations may be `"30s"` strings).
 *
 * @throws {ConfigError} naming the runbook and the path of every problem (`steps.1.timeout`).
 * @example
 * ```ts
 * const restart = defineRunbook({
 *   id: 'restart-pod',
 *   steps: [{ action: 'scale', params: { target: '{{ target }}', delta: 1 }, timeout: '20s' }],
 *   verify: { kind: 'metric', query: 'error_ratio', below: 0.01, for: '30s' },
 * });
 * ```
 */
export function defineRunbook(input: RunbookInput): Runbook {
  const source = `runbook ${typeof (input as { id?: unknown }).id === 'string' ? (input as { id: string }).id : '(no id)'}`;
  return parseOptions(runbookSchema, input, { source });
}

/** Step options accepted by {@link RunbookBuilder.step}. */
export type StepOptions = Omit<z.input<typeof stepSchema>, 'action' | 'params'>;

/**
 * A fluent TypeScript builder for runbooks; `build()` validates exactly like a file.
 *
 * @example
 * ```ts
 * const rb = runbook('scale-out')
 *   .param('by', { type: 'integer', min: 1, max: 5, default: 1 })
 *   .step('scale', { target: '{{ target }}', delta: '{{ params.by }}' }, { timeout: '20s' })
 *   .verify({ kind: 'metric', query: 'cpu', below: 0.8, for: '1m' })
 *   .cooldown('10m')
 *   .build();
 * ```
 */
export class RunbookBuilder {
  readonly #draft: Record<string, unknown> & {
    steps: unknown[];
    params: Record<string, unknown>;
    preconditions: unknown[];
  };

  constructor(runbookId: string) {
    this.#draft = { id: runbookId, steps: [], params: {}, preconditions: [] };
  }

  /** Sets the description. */
  describe(text: string): this {
    this.#draft.description = text;
    return this;
  }

  /** Declares a parameter the decision may pass. */
  param(name: string, spec: z.input<typeof paramSpecSchema>): this {
    this.#draft.params[name] = spec;
    return this;
  }

  /** Adds a precondition. */
  precondition(condition: z.input<typeof preconditionSchema>): this {
    this.#draft.preconditions.push(condition);
    return this;
  }

  /** Selects targets from the host inventory by labels (see the blast-radius guard). */
  targets(selection: z.input<typeof targetsSchema>): this {
    this.#draft.targets = selection;
    return this;
  }

  /** Appends a step. */
  step(action: string, params: Record<string, unknown> = {}, options: StepOptions = {}): this {
    this.#draft.steps.push({ ...options, action, params });
    return this;
  }

  /** Sets the verification. */
  verify(verification: z.input<typeof verificationSchema>): this {
    this.#draft.verify = verification;
    return this;
  }

  /** Sets the per-target cooldown (`"10m"` or milliseconds). */
  cooldown(duration: number | string): this {
    this.#draft.cooldown = duration;
    return this;
  }

  /** Limits runs of this runbook per sliding window. */
  maxRuns(count: number, window: number | string): this {
    this.#draft.maxRuns = { count, window };
    return this;
  }

  /** Requires approval by one of `roles` within `timeout`. */
  requireApproval(options: { roles?: string[]; timeout?: number | string } = {}): this {
    this.#draft.approval = { required: true, ...options };
    return this;
  }

  /**
   * Validates and returns the runbook.
   *
   * @throws {ConfigError} naming the runbook and the path of every problem.
   */
  build(): Runbook {
    return defineRunbook(this.#draft as RunbookInput);
  }
}

/**
 * Starts a {@link RunbookBuilder}.
 *
 * @example
 * ```ts
 * const rb = runbook('open-breaker').step('breaker', { breaker: 'payments', op: 'open' }).build();
 * ```
 */
export function runbook(runbookId: string): RunbookBuilder {
  return new RunbookBuilder(runbookId);
}

/** Builds the zod schema that validates a decision's params against a runbook's declared params. */
export function paramsSchemaOf(rb: Runbook): z.ZodType<Record<string, unknown>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [name, spec] of Object.entries(rb.params)) {
    let s: z.ZodType;
    if (spec.type === 'boolean') s = z.boolean();
    else if (spec.type === 'string') {
      s = spec.enum ? z.enum(spec.enum.map(String) as [string, ...string[]]) : z.string();
    } else {
      let n = z.number();
      if (spec.type === 'integer') n = n.int();
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.max !== undefined) n = n.max(spec.max);
      s = spec.enum
        ? n.refine((v) => spec.enum!.includes(v), `must be one of ${spec.enum.join(', ')}`)
        : n;
    }
    if (spec.default !== undefined) s = s.default(spec.default as never);
    else if (spec.optional) s = s.optional();
    shape[name] = s;
  }
  return z.strictObject(shape);
}
