import type { MatchOp, PolicyInput } from './policy.js';

/**
 * Builds a policy in code, step by step; `build()` returns plain data for
 * {@link compilePolicies}, which checks it exactly as it checks a file.
 *
 * @example
 * ```ts
 * const p = policy('restart-crashloop')
 *   .when('label.alertname', '=', 'PodCrashLooping')
 *   .when('severity', '>=', 'error')
 *   .priority(10)
 *   .runbook('restart-pod', { pod: '${label.pod}' })
 *   .build();
 * ```
 */
export class PolicyBuilder {
  private readonly data: {
    name: string;
    description?: string;
    priority?: number;
    match: NonNullable<PolicyInput['match']>;
    runbook?: string;
    params?: Record<string, string | number | boolean>;
    target?: string;
    rollback?: boolean;
    approval?: 'auto' | 'always';
    enabled?: boolean;
  };

  constructor(name: string) {
    this.data = { name, match: [] };
  }

  /** Adds a matcher (`field op value`); all matchers must hold. */
  when(field: string, op: MatchOp, value: string | number | readonly (string | number)[]): this {
    this.data.match.push({
      field,
      op,
      value: Array.isArray(value)
        ? [...(value as (string | number)[])]
        : (value as string | number),
    });
    return this;
  }

  /** Adds matchers in the string form, for example `'label.env=~"prod|staging"'`. */
  match(...matchers: string[]): this {
    this.data.match.push(...matchers);
    return this;
  }

  /** Sets the priority (higher wins; default 0). */
  priority(priority: number): this {
    this.data.priority = priority;
    return this;
  }

  /** Names the runbook and its parameter templates. */
  runbook(name: string, params: Record<string, string | number | boolean> = {}): this {
    this.data.runbook = name;
    this.data.params = params;
    return this;
  }

  /** Sets the target template (default `${incident.resource}`). */
  target(template: string): this {
    this.data.target = template;
    return this;
  }

  /** States whether the runbook can be rolled back. */
  rollback(available: boolean): this {
    this.data.rollback = available;
    return this;
  }

  /** Never act without approval. */
  alwaysApprove(): this {
    this.data.approval = 'always';
    return this;
  }

  /** Adds a description. */
  describe(text: string): this {
    this.data.description = text;
    return this;
  }

  /** Enables or disables the policy. */
  enabled(on: boolean): this {
    this.data.enabled = on;
    return this;
  }

  /** The policy as plain data (checked later by {@link compilePolicies}). */
  build(): PolicyInput {
    const { runbook, ...rest } = this.data;
    return { ...rest, runbook: runbook ?? '', match: [...rest.match] };
  }
}

/**
 * Starts a {@link PolicyBuilder}.
 *
 * @example
 * ```ts
 * compilePolicies([policy('scale-out').when('score', '>', 0.9).runbook('scale-out').build()]);
 * ```
 */
export function policy(name: string): PolicyBuilder {
  return new PolicyBuilder(name);
}
