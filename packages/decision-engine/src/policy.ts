import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ConfigError, toIssues, type Incident, type Issue } from '@homeostat/core';
import { compileField, rankOf, type CompiledField, type FieldReader } from './internal/fields.js';
import { tryCompileTemplate, type CompiledTemplate } from './template.js';

/** Matcher operators: Alertmanager's four, set membership, and numeric/severity comparisons. */
export const MATCH_OPS = ['=', '!=', '=~', '!~', 'in', 'not in', '>', '>=', '<', '<='] as const;
/** One matcher operator. */
export type MatchOp = (typeof MATCH_OPS)[number];

const matcherObjectSchema = z
  .object({
    /**
     * The field to read: `label.<name>`, `annotation.<name>`, `severity`, `score`, `rootCause`,
     * `rootCause.score`, `incident.(id|resource|severity|status|openedAt)` or
     * `symptom.(series|resource|metric|detector|value|score)` (holds when any symptom matches).
     */
    field: z.string().min(1, 'must name a field'),
    /**
     * The comparison. `=~` and `!~` are regexes anchored at both ends, for string fields only;
     * `>`, `>=`, `<`, `<=` compare numbers or severity ranks; `in` and `not in` take a list.
     */
    op: z.enum(MATCH_OPS),
    /**
     * What the field is compared with: one string or number, or a list for `in` and `not in`.
     * Severities are named (`info` … `critical`); a missing string field reads as `''`.
     */
    value: z.union([z.string(), z.number(), z.array(z.union([z.string(), z.number()]))]),
  })
  .strict();

/** A matcher: `'label.alertname="PodCrashLooping"'`, `'severity>=error'`, or `{ field, op, value }`. */
export const matcherSchema = z.union([z.string().min(1, 'must not be empty'), matcherObjectSchema]);

/** zod schema of one policy. */
export const policySchema = z
  .object({
    /** Unique name, quoted in every decision's rationale. */
    name: z.string().min(1, 'must be a non-empty string'),
    /** What the policy is for, in words; not used in matching. */
    description: z.string().optional(),
    /** Higher wins when several policies match (integer). Default 0. */
    priority: z.number().int().default(0),
    /** Every matcher must hold (AND). Default `[]`: an empty list matches every incident. */
    match: z.array(matcherSchema).default([]),
    /** The runbook to run. */
    runbook: z.string().min(1, 'must be a non-empty string'),
    /** Runbook parameters; strings are templates such as `${label.pod}`. Default `{}`. */
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /**
     * What the action touches (for cooldowns and blast radius); a template. Default
     * `'${incident.resource}'`.
     */
    target: z.string().min(1).default('${incident.resource}'),
    /** Whether the runbook can be rolled back; feeds the rollback risk factor. */
    rollback: z.boolean().optional(),
    /**
     * `always`: never act without a person's approval; `auto`: the gate decides. Default
     * `'auto'`.
     */
    approval: z.enum(['auto', 'always']).default('auto'),
    /** A disabled policy is loaded and checked but never matches. Default `true`. */
    enabled: z.boolean().default(true),
  })
  .strict();

/** A policy as written (defaults optional): in a file or in code. */
export type PolicyInput = z.input<typeof policySchema>;

/** zod schema of a policy file: `{ policies: [...] }` (a bare list is accepted too). */
export const policyFileSchema = z
  .object({
    /**
     * The policies (see {@link policySchema}), in any order: they are evaluated by priority, then
     * specificity, then position in the list.
     */
    policies: z.array(policySchema),
  })
  .strict();

/** A compiled matcher. */
export interface CompiledMatcher {
  /** The matcher as written, normalised to `field op value`. */
  readonly text: string;
  /** The field the matcher reads. */
  readonly field: string;
  /** The comparison operator. */
  readonly op: MatchOp;
  /** How much the matcher narrows the match (feeds policy specificity). */
  readonly weight: number;
  /**
   * True when the incident satisfies the matcher. On a many-valued field (symptoms) it holds when
   * any value matches, or, for a negated operator, when none does.
   */
  test(incident: Incident): boolean;
}

/** A policy checked and compiled: regexes and templates built once, at load. */
export interface CompiledPolicy {
  /** Unique name of the policy, quoted in decision rationales. */
  readonly name: string;
  /** Free-text description, when one was written. */
  readonly description: string | undefined;
  /** Higher is evaluated first when several policies match (default 0). */
  readonly priority: number;
  /** Id of the runbook the policy runs. */
  readonly runbook: string;
  /** The compiled matchers; all must hold (an empty list matches every incident). */
  readonly matchers: readonly CompiledMatcher[];
  /** Runbook parameters: compiled templates for strings, numbers and booleans as written. */
  readonly params: Readonly<Record<string, CompiledTemplate | number | boolean>>;
  /**
   * Template of what the action touches (default `${incident.resource}`), for cooldowns and blast
   * radius.
   */
  readonly target: CompiledTemplate;
  /** Whether the runbook can be rolled back; `undefined` when the policy does not say. */
  readonly rollback: boolean | undefined;
  /** `always`: never act without a person's approval; `auto` (default): the gate decides. */
  readonly approval: 'auto' | 'always';
  /** False: loaded and checked but never matched (default true). */
  readonly enabled: boolean;
  /** In [0, 1): Σw / (Σw + 1) over matcher weights. */
  readonly specificity: number;
  /** Position in the input, for stable ordering. */
  readonly index: number;
}

/** Compiled policies in evaluation order (priority, then specificity, then input order). */
export interface PolicySet {
  /** Every policy, disabled ones included, in evaluation order. */
  readonly policies: readonly CompiledPolicy[];
  /** Where the policies came from (file name), when known. */
  readonly source: string | undefined;
  /** The first policy (in evaluation order) whose matchers all hold, or undefined. */
  match(incident: Incident): CompiledPolicy | undefined;
}

const OP_WEIGHT: Record<MatchOp, number> = {
  '=': 1,
  in: 0.75,
  '=~': 0.5,
  '>': 0.5,
  '>=': 0.5,
  '<': 0.5,
  '<=': 0.5,
  '!=': 0.25,
  '!~': 0.25,
  'not in': 0.25,
};

const STRING_FORM = /^\s*([^\s=!~<>]+)\s*(=~|!~|!=|>=|<=|=|>|<)\s*(.*?)\s*$/;

/** The value of a string-form matcher: JSON-quoted or bare. `undefined` when the quotes are bad. */
function unquote(raw: string): string | undefined {
  if (!raw.startsWith('"')) return raw;
  try {
    const v: unknown = JSON.parse(raw);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

type Value = string | number | undefined;

function cmp(op: MatchOp, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '=':
      return a === b;
    case '!=':
    case '=~':
    case '!~':
    case 'in':
    case 'not in':
      return a !== b;
  }
}

function buildPositive(
  field: CompiledField,
  op: MatchOp,
  value: string | number | readonly (string | number)[],
): ((v: Value) => boolean) | string {
  const isSet = op === 'in' || op === 'not in';
  if (isSet !== Array.isArray(value))
    return isSet ? `"${op}" needs a list of values` : `"${op}" needs a single value, not a list`;
  const numericOp = op === '>' || op === '>=' || op === '<' || op === '<=';
  if (field.kind === 'severity') {
    const toRank = (x: string | number): number => (typeof x === 'string' ? rankOf(x) : -1);
    if (op === '=~' || op === '!~')
      return `regex matchers do not apply to severity; use =, in or >=`;
    if (Array.isArray(value)) {
      const ranks = (value as (string | number)[]).map(toRank);
      const bad = (value as (string | number)[]).find((_, i) => ranks[i]! < 0);
      if (bad !== undefined) return `"${bad}" is not a severity (info, warning, error, critical)`;
      const set = new Set(ranks);
      return (v) => typeof v === 'string' && set.has(rankOf(v));
    }
    const r = toRank(value as string | number);
    if (r < 0) return `"${String(value)}" is not a severity (info, warning, error, critical)`;
    const positiveOp: MatchOp = op === '!=' ? '=' : op;
    return (v) => typeof v === 'string' && cmp(positiveOp, rankOf(v), r);
  }
  if (field.kind === 'number') {
    if (op === '=~' || op === '!~')
      return `regex matchers do not apply to the numeric field "${field.path}"`;
    const toNum = (x: string | number): number => (typeof x === 'number' ? x : Number(x));
    if (Array.isArray(value)) {
      const nums = (value as (string | number)[]).map(toNum);
      if (nums.some((n) => !Number.isFinite(n))) return `every value must be a finite number`;
      const set = new Set(nums);
      return (v) => typeof v === 'number' && set.has(v);
    }
    const n = toNum(value as string | number);
    if (!Number.isFinite(n)) return `"${String(value)}" is not a finite number`;
    const positiveOp: MatchOp = op === '!=' ? '=' : op;
    return (v) => typeof v === 'number' && cmp(positiveOp, v, n);
  }
  // string fields: a missing value reads as '' (Alertmanager semantics)
  if (numericOp) return `"${op}" compares numbers; "${field.path}" is a string field`;
  if (Array.isArray(value)) {
    const set = new Set((value as (string | number)[]).map(String));
    return (v) => set.has(v === undefined ? '' : String(v));
  }
  const s = String(value);
  if (op === '=~' || op === '!~') {
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${s})$`, 'u');
    } catch (e) {
      return `invalid regex /${s}/: ${(e as Error).message}`;
    }
    return (v) => re.test(v === undefined ? '' : String(v));
  }
  return (v) => (v === undefined ? '' : String(v)) === s;
}

/** Compiles one matcher; returns the problem as a string instead of throwing. */
export function tryCompileMatcher(input: z.input<typeof matcherSchema>): CompiledMatcher | string {
  let fieldPath: string;
  let op: MatchOp;
  let value: string | number | readonly (string | number)[];
  if (typeof input === 'string') {
    const m = STRING_FORM.exec(input);
    if (m === null)
      return `cannot read matcher "${input}": expected field, operator (= != =~ !~ > >= < <=) and value`;
    fieldPath = m[1]!;
    op = m[2] as MatchOp;
    const v = unquote(m[3]!);
    if (v === undefined) return `bad quoted value ${m[3]!} in matcher "${input}"`;
    value = v;
  } else {
    fieldPath = input.field;
    op = input.op;
    value = input.value;
  }
  const field = compileField(fieldPath);
  if (typeof field === 'string') return field;
  const positive = buildPositive(field, op, value);
  if (typeof positive === 'string') return `${positive} (matcher on "${fieldPath}")`;
  const negated = op === '!=' || op === '!~' || op === 'not in';
  const text = `${fieldPath} ${op} ${Array.isArray(value) ? `(${value.join(', ')})` : JSON.stringify(value)}`;
  const weight = OP_WEIGHT[op];
  let test: (incident: Incident) => boolean;
  if (field.many) {
    const many = field.many;
    test = (incident) => {
      const any = many(incident).some(positive);
      return negated ? !any : any;
    };
  } else {
    const one = field.one!;
    test = negated ? (incident) => !positive(one(incident)) : (incident) => positive(one(incident));
  }
  const compiled: CompiledMatcher = { text, field: fieldPath, op, weight, test };
  // Plain equality on a single-valued string field can be answered by a hash lookup.
  if (op === '=' && field.kind === 'string' && field.one && typeof value === 'string')
    equalityIndex.set(compiled, { value, read: field.one });
  return compiled;
}

function compileOne(
  p: z.output<typeof policySchema>,
  index: number,
  path: string,
): { policy?: CompiledPolicy; issues: Issue[] } {
  const issues: Issue[] = [];
  const matchers: CompiledMatcher[] = [];
  p.match.forEach((m, j) => {
    const c = tryCompileMatcher(m);
    if (typeof c === 'string') issues.push({ path: `${path}.match.${j}`, message: c });
    else matchers.push(c);
  });
  const params: Record<string, CompiledTemplate | number | boolean> = {};
  for (const [k, v] of Object.entries(p.params)) {
    if (typeof v !== 'string') {
      params[k] = v;
      continue;
    }
    const t = tryCompileTemplate(v);
    if (typeof t === 'string') issues.push({ path: `${path}.params.${k}`, message: t });
    else params[k] = t;
  }
  const target = tryCompileTemplate(p.target);
  if (typeof target === 'string') issues.push({ path: `${path}.target`, message: target });
  if (issues.length > 0 || typeof target === 'string') return { issues };
  const w = matchers.reduce((a, m) => a + m.weight, 0);
  return {
    issues,
    policy: {
      name: p.name,
      description: p.description,
      priority: p.priority,
      runbook: p.runbook,
      matchers,
      params,
      target,
      rollback: p.rollback,
      approval: p.approval,
      enabled: p.enabled,
      specificity: w / (w + 1),
      index,
    },
  };
}

/** Equality matchers that an index can answer: the expected value and the field reader. */
const equalityIndex = new WeakMap<CompiledMatcher, { value: string; read: FieldReader }>();
const NONE: readonly number[] = [];

function allMatch(p: CompiledPolicy, incident: Incident): boolean {
  const ms = p.matchers;
  for (let j = 0; j < ms.length; j++) if (!ms[j]!.test(incident)) return false;
  return true;
}

function makeSet(compiled: CompiledPolicy[], source: string | undefined): PolicySet {
  const ordered = [...compiled].sort(
    (a, b) => b.priority - a.priority || b.specificity - a.specificity || a.index - b.index,
  );
  const active = ordered.filter((p) => p.enabled);
  const n = active.length;
  const linear = (incident: Incident): CompiledPolicy | undefined => {
    for (let i = 0; i < n; i++) if (allMatch(active[i]!, incident)) return active[i];
    return undefined;
  };
  // Index on the field most policies test with '=' (typically label.alertname): an incident
  // then only visits the policies with its value plus those that do not test that field,
  // still in evaluation order, so the result is the same as the linear scan.
  const counts = new Map<string, number>();
  for (const p of active) {
    const fields = new Set(p.matchers.filter((m) => equalityIndex.has(m)).map((m) => m.field));
    for (const f of fields) counts.set(f, (counts.get(f) ?? 0) + 1);
  }
  let best: string | undefined;
  let bestCount = 1;
  for (const [f, c] of counts)
    if (c > bestCount) {
      best = f;
      bestCount = c;
    }
  if (best === undefined) return { policies: ordered, source, match: linear };
  const buckets = new Map<string, number[]>();
  const wild: number[] = [];
  let read: FieldReader | undefined;
  active.forEach((p, i) => {
    const m = p.matchers.find((x) => x.field === best && equalityIndex.has(x));
    if (m === undefined) {
      wild.push(i);
      return;
    }
    const eq = equalityIndex.get(m)!;
    read ??= eq.read;
    const list = buckets.get(eq.value);
    if (list) list.push(i);
    else buckets.set(eq.value, [i]);
  });
  const readField = read!;
  return {
    policies: ordered,
    source,
    match(incident) {
      const v = readField(incident);
      const hit = buckets.get(v === undefined ? '' : String(v)) ?? NONE;
      // Merge the two ascending index lists.
      let a = 0;
      let b = 0;
      while (a < hit.length || b < wild.length) {
        const i =
          b >= wild.length || (a < hit.length && hit[a]! < wild[b]!) ? hit[a++]! : wild[b++]!;
        const p = active[i]!;
        if (allMatch(p, incident)) return p;
      }
      return undefined;
    },
  };
}

/** Where policies came from, for error messages. */
export interface CompilePoliciesOptions {
  /** A file name or label; it appears in every error. */
  readonly source?: string;
}

/**
 * Checks and compiles policies written in code or parsed from a file. Regexes are anchored
 * (`^(?:…)$`, as in Alertmanager) and, like templates, compiled here once.
 *
 * @remarks All-or-nothing: one bad policy refuses the whole set.
 * @throws {ConfigError} listing every problem with its path (`policies.2.match.0`) and the source.
 * @example
 * ```ts
 * const policies = compilePolicies([
 *   { name: 'restart-crashloop', match: ['label.alertname="PodCrashLooping"'], runbook: 'restart-pod',
 *     params: { pod: '${label.pod}' } },
 * ]);
 * ```
 */
export function compilePolicies(
  input: readonly PolicyInput[] | { readonly policies: readonly PolicyInput[] },
  options: CompilePoliciesOptions = {},
): PolicySet {
  const wrapped = Array.isArray(input);
  const doc = wrapped ? { policies: input } : input;
  const src = options.source;
  const prefix = (p: string): string => (wrapped ? p.replace(/^policies\.?/, '') : p);
  const fail = (issues: Issue[], cause?: unknown): never => {
    throw new ConfigError(
      issues.map((i) => ({ path: prefix(i.path), message: i.message })),
      {
        ...(src === undefined ? {} : { source: src }),
        ...(cause === undefined ? {} : { cause }),
      },
    );
  };
  const parsed = policyFileSchema.safeParse(doc);
  if (!parsed.success) return fail(toIssues(parsed.error), parsed.error);
  const issues: Issue[] = [];
  const compiled: CompiledPolicy[] = [];
  const seen = new Map<string, number>();
  parsed.data.policies.forEach((p, i) => {
    const first = seen.get(p.name);
    if (first !== undefined)
      issues.push({
        path: `policies.${i}.name`,
        message: `duplicate policy name "${p.name}" (also at policies.${first})`,
      });
    else seen.set(p.name, i);
    const r = compileOne(p, i, `policies.${i}`);
    issues.push(...r.issues);
    if (r.policy) compiled.push(r.policy);
  });
  if (issues.length > 0) return fail(issues);
  return makeSet(compiled, src);
}

/** Options of {@link parsePolicies}. */
export interface ParsePoliciesOptions extends CompilePoliciesOptions {
  /** `yaml` (default; JSON is valid YAML) or `json`. */
  readonly format?: 'yaml' | 'json';
}

/**
 * Parses and compiles a policy document from text (YAML or JSON).
 *
 * @throws {ConfigError} on a syntax error (with line and column) or any invalid policy, naming
 * `options.source` and the path inside the document.
 */
export function parsePolicies(text: string, options: ParsePoliciesOptions = {}): PolicySet {
  const src = options.source;
  let doc: unknown;
  try {
    doc = options.format === 'json' ? JSON.parse(text) : parseYaml(text, { prettyErrors: true });
  } catch (cause) {
    const where =
      cause instanceof YAMLParseError && cause.linePos
        ? ` at line ${cause.linePos[0].line}, column ${cause.linePos[0].col}`
        : '';
    const msg = cause instanceof Error ? cause.message.split('\n')[0]! : String(cause);
    throw new ConfigError(
      [{ path: '', message: `cannot parse ${options.format ?? 'yaml'}${where}: ${msg}` }],
      {
        ...(src === undefined ? {} : { source: src }),
        cause,
      },
    );
  }
  if (doc === null || doc === undefined) {
    throw new ConfigError(
      [{ path: '', message: 'the document is empty; expected { policies: [...] }' }],
      {
        ...(src === undefined ? {} : { source: src }),
      },
    );
  }
  return compilePolicies(doc as { policies: PolicyInput[] }, options);
}

/**
 * Loads policies from a `.yaml`, `.yml` or `.json` file. The file is refused as a whole when
 * anything in it is wrong.
 *
 * @throws {ConfigError} naming the file, the path inside it (`policies.1.params.pod`) and the
 * problem; also when the file cannot be read.
 * @example
 * ```ts
 * const policies = await loadPolicies('./policies.yaml');
 * incidents$.pipe(decide(policies)).subscribe(console.log);
 * ```
 */
export async function loadPolicies(file: string): Promise<PolicySet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ConfigError(
      [{ path: '', message: `cannot read the file: ${(cause as Error).message}` }],
      {
        source: file,
        cause,
      },
    );
  }
  const format = extname(file).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parsePolicies(text, { source: file, format });
}
