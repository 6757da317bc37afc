import { z } from 'zod';
import { parseOptions, severitySchema } from '@homeostat/core';
import { durationSchema, timerDurationSchema } from './internal/duration.js';

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
  /** Type the decision's value must have: `string`, `number`, `integer` or `boolean`. */
  type: z.enum(['string', 'number', 'integer', 'boolean']),
  /** What the parameter means, for people. */
  description: z.string().optional(),
  /**
   * Value used when the decision does not pass the parameter; it makes the parameter optional.
   */
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** Smallest allowed value (inclusive), for `number` and `integer`; ignored for other types. */
  min: z.number().optional(),
  /**
   * Largest allowed value (inclusive), for `number` and `integer`; ignored for other types.
   * Must not be below `min`.
   */
  max: z.number().optional(),
  /**
   * The only allowed values (at least one), for `string`, `number` and `integer`; ignored for
   * `boolean`.
   */
  enum: z
    .array(z.union([z.string(), z.number()]))
    .min(1)
    .optional(),
  /**
   * When true, the decision may leave the parameter out. Default `false`: required unless it has
   * a `default`.
   */
  optional: z.boolean().default(false),
});

/** zod schema of retry backoff: `initial × factor^(attempt-1)`, capped at `max`. */
export const backoffSchema = z.strictObject({
  /** Wait before the first retry: ms, or a string like `"1s"`. Default 1 s. */
  initial: timerDurationSchema.default(1000),
  /** Growth of the wait from one retry to the next, 1–10 (1 = constant). Default 2. */
  factor: z.number().min(1).max(10).default(2),
  /** Cap on any single wait: ms, or a string like `"30s"`. Default 30 s. */
  max: timerDurationSchema.default(30_000),
});

/** zod schema of a step's explicit undo. */
export const undoSchema = z.strictObject({
  /** Name of the registered action that undoes the step (1–200 characters). */
  action: actionName,
  /**
   * Parameters for the undo action; string values may use templates such as `{{ target }}` and
   * `{{ params.x }}`, rendered for the target the step ran on. Default `{}`.
   */
  params: jsonRecord.default({}),
});

/** zod schema of one runbook step. */
export const stepSchema = z.strictObject({
  /**
   * Step name (1–200 characters), unique within the runbook; it labels the step in outcomes and
   * the audit. Default `<position>:<action>`, for example `1:restart`.
   */
  name: z.string().min(1).max(200).optional(),
  /** Name of the registered action the step runs (1–200 characters). */
  action: actionName,
  /**
   * Parameters for the action. String values may use templates (`{{ params.x }}`,
   * `{{ target }}`, `{{ targets }}`, `{{ incident.resource }}`, `{{ incident.labels.k }}`,
   * `{{ runId }}`); the rendered object is checked against the action's schema, and a mismatch
   * fails the step without running it. Default `{}`.
   */
  params: jsonRecord.default({}),
  /**
   * Limit on each attempt (and on the step's undo): ms, or a string like `"20s"`. When it
   * passes, the action's signal is aborted and the attempt counts as timed out. Default 30 s.
   */
  timeout: timerDurationSchema.default(30_000),
  /** Extra attempts after a failed or timed-out one, an integer 0–10. Default 0. */
  retries: z.number().int().min(0).max(10).default(0),
  /** Waits between attempts (see {@link backoffSchema}). Default 1 s, ×2, capped at 30 s. */
  backoff: backoffSchema.default({ initial: 1000, factor: 2, max: 30_000 }),
  /**
   * What a failure (after retries) does: `abort` ends the run as `failed` or `timed_out`,
   * `continue` goes on to the next step, `rollback` ends the run and undoes the completed steps
   * in reverse. Default `'abort'`.
   */
  onFailure: z.enum(['abort', 'continue', 'rollback']).default('abort'),
  /**
   * When true, the step runs once per resolved target (labelled `name@target`); otherwise once,
   * against the first target (or the incident's resource). Default `false`.
   */
  forEachTarget: z.boolean().default(false),
  /**
   * How to undo the step on rollback: an explicit action, `false` for no undo, or absent to use
   * the action's own `undo` (if it has one).
   */
  undo: z.union([undoSchema, z.literal(false)]).optional(),
});

/** zod schema of a metric condition: `query` must read `below` (or `above`) a threshold. */
export const metricConditionSchema = z
  .strictObject({
    /** The metric to read, passed as is to the host's metric reader (non-empty). */
    query: z.string().min(1),
    /** The condition holds when the reading is strictly below this. Give this or `above`. */
    below: z.number().optional(),
    /** The condition holds when the reading is strictly above this. Give this or `below`. */
    above: z.number().optional(),
  })
  .refine((c) => (c.below === undefined) !== (c.above === undefined), {
    message: 'give exactly one of "below" or "above"',
  });

const probeFields = {
  /**
   * Name of the registered read-only action to run as the probe (1–200 characters); it passes
   * when it succeeds.
   */
  action: actionName,
  /**
   * Parameters for the probe action; string values may use templates such as `{{ target }}`.
   * Default `{}`.
   */
  params: jsonRecord.default({}),
};

/** zod schema of a precondition checked before a run starts. */
export const preconditionSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** Checks the incident's labels. */
    kind: z.literal('labels'),
    /** Labels the incident must carry, each with exactly this value. */
    match: z.record(z.string(), z.string()),
  }),
  z.strictObject({
    /** Checks the incident's severity. */
    kind: z.literal('severity'),
    /** Lowest severity that may run: `info`, `warning`, `error` or `critical`. */
    atLeast: severitySchema,
  }),
  z.strictObject({
    /** Runs a read-only probe action once, after targets are locked; it must succeed. */
    kind: z.literal('probe'),
    ...probeFields,
    /** Limit on the probe call: ms, or a string like `"5s"`. Default 10 s. */
    timeout: timerDurationSchema.default(10_000),
  }),
  z.strictObject({
    /**
     * Reads a metric once for the first target, after targets are locked; the run is blocked
     * when the reading fails or the condition does not hold.
     */
    kind: z.literal('metric'),
    /** The metric to read, passed as is to the host's metric reader (non-empty). */
    query: z.string().min(1),
    /** Holds when the reading is strictly below this. Give exactly one of `below` or `above`. */
    below: z.number().optional(),
    /** Holds when the reading is strictly above this. Give exactly one of `below` or `above`. */
    above: z.number().optional(),
  }),
]);

/** zod schema of a runbook's verification. */
export const verificationSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    /** Passes when a read-only probe action succeeds `successes` times in a row. */
    kind: z.literal('probe'),
    ...probeFields,
    /** Wait between probe calls: ms, or a string like `"5s"`. Default 5 s. */
    interval: timerDurationSchema.default(5000),
    /** Successful probes needed in a row (a failure resets the count), 1–1000. Default 1. */
    successes: z.number().int().min(1).max(1000).default(1),
    /**
     * Time the verification may take in all, probe calls included: ms, or a string like
     * `"1m"`. Default 1 min; the run is then rolled back.
     */
    timeout: timerDurationSchema.default(60_000),
  }),
  z.strictObject({
    /** Passes when a metric condition holds without a break for `for`. */
    kind: z.literal('metric'),
    /** The metric to read, passed as is to the host's metric reader (non-empty). */
    query: z.string().min(1),
    /** Holds when the reading is strictly below this. Give exactly one of `below` or `above`. */
    below: z.number().optional(),
    /** Holds when the reading is strictly above this. Give exactly one of `below` or `above`. */
    above: z.number().optional(),
    /**
     * How long the condition must hold without a break: ms, or a string like `"30s"`. Default 0
     * (one good reading is enough).
     */
    for: timerDurationSchema.default(0),
    /** Wait between readings: ms, or a string like `"5s"`. Default 5 s. */
    interval: timerDurationSchema.default(5000),
    /**
     * Time the verification may take in all: ms, or a string like `"2m"`. Default 2 min; the
     * run is then rolled back.
     */
    timeout: timerDurationSchema.default(120_000),
  }),
]);

/** zod schema of a runbook's target selection. */
export const targetsSchema = z.strictObject({
  /**
   * Label selector over the host's inventory: a target matches when each of these labels has
   * exactly this value. Values may use templates such as `{{ incident.labels.service }}`.
   */
  selector: z.record(z.string(), z.string()),
  /**
   * Let the run go ahead when the selector matches no target. Default `false`: the run is
   * blocked (blast-radius guard). When allowed, `forEachTarget` steps run zero times and the
   * other steps act on the incident's resource, which is then what is locked, cooled down and
   * shown to the approver.
   */
  allowEmpty: z.boolean().default(false),
  /**
   * Let the run go ahead when the selector matches every target in the inventory. Default
   * `false`: the run is blocked (blast-radius guard).
   */
  allowAll: z.boolean().default(false),
  /**
   * Most targets a run may touch (integer ≥ 1); a selector matching more blocks the run rather
   * than picking some. No cap when absent.
   */
  max: z.number().int().min(1).optional(),
});

/**
 * zod schema of a runbook. Files and the builder both go through it, so every runbook the
 * executor sees has the same shape with defaults applied.
 */
export const runbookSchema = z
  .strictObject({
    /**
     * Runbook id, named by `Decision.runbook`: starts with a letter or digit, then letters,
     * digits, `_ . : -`; at most 200 characters.
     */
    id,
    /** What the runbook does, for people. Default `''`. */
    description: z.string().default(''),
    /**
     * Parameters a decision may pass, by name (letters, digits, `_`); the decision's params are
     * checked against them and steps read them as `{{ params.name }}`. Default `{}`.
     */
    params: z
      .record(
        z.string().regex(/^\w+$/, 'parameter names use letters, digits and _'),
        paramSpecSchema,
      )
      .default({}),
    /** Conditions checked before the run starts; any that fails blocks the run. Default `[]`. */
    preconditions: z.array(preconditionSchema).default([]),
    /**
     * Target selection from the host's inventory. When absent, the run has one target: the
     * incident's resource.
     */
    targets: targetsSchema.optional(),
    /** The steps, run in order: 1–100, with unique names. */
    steps: z.array(stepSchema).min(1, 'a runbook needs at least one step').max(100),
    /** How to check the steps worked; a failed check rolls the run back. None when absent. */
    verify: verificationSchema.optional(),
    /**
     * After a run ends (any outcome; dry runs excepted), each of its targets is refused for this
     * runbook for this long: ms, or a string like `"10m"`. Default 0 (no cooldown).
     */
    cooldown: durationSchema.default(0),
    /** Limit on runs of this runbook over a sliding window; more are blocked. None when absent. */
    maxRuns: z
      .strictObject({
        /** Most runs started within any `window` (integer ≥ 1). */
        count: z.number().int().min(1),
        /** Length of the sliding window: ms, or a string like `"1h"`. */
        window: durationSchema,
      })
      .optional(),
    /**
     * Human approval before the steps run. When absent, only an `approve` verdict asks for it
     * (with any role and a 15 min timeout).
     */
    approval: z
      .strictObject({
        /**
         * Ask for approval on every run, whatever the verdict. Default `true`; with `false`, only
         * an `approve` verdict asks (with these `roles` and `timeout`).
         */
        required: z.boolean().default(true),
        /** Roles allowed to approve; an approver needs one of them. Default `[]`: anyone. */
        roles: z.array(z.string().min(1)).default([]),
        /**
         * How long to wait for an answer: ms, or a string like `"15m"`. Default 15 min; on expiry
         * the run is rejected and the incident escalated.
         */
        timeout: timerDurationSchema.default(15 * 60_000),
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
