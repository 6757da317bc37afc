import { z } from 'zod';
import {
  KeyedStore,
  isHomeostatError,
  parseOptions,
  systemClock,
  type Clock,
  type Decision,
  type Incident,
  type Outcome,
  type Verdict,
} from '@homeostat/core';
import {
  assessConfidence,
  confidenceOptionsSchema,
  createTrackRecord,
  incidentSignature,
  type TrackRecord,
} from './confidence.js';
import { gateDecision, gateOptionsSchema } from './gate.js';
import {
  compilePolicies,
  type CompiledPolicy,
  type PolicyInput,
  type PolicySet,
} from './policy.js';
import {
  assessRisk,
  checkRiskFactors,
  defaultRiskFactors,
  type RiskContext,
  type RiskFactor,
} from './risk.js';
import { createSafetyGuard, safetyOptionsSchema, type SafetyGuard } from './safety.js';
import { renderTemplate } from './template.js';
import { f2 } from './internal/format.js';

/** zod schema of {@link createDecisionEngine}'s options. */
export const decisionEngineOptionsSchema = z.strictObject({
  /** Confidence/risk thresholds (see {@link gateOptionsSchema}). */
  gate: gateOptionsSchema.prefault({}),
  /** Confidence weights and the track-record prior (see {@link confidenceOptionsSchema}). */
  confidence: confidenceOptionsSchema.prefault({}),
  /** Cross-decision safety constraints (see {@link safetyOptionsSchema}). */
  safety: safetyOptionsSchema.prefault({}),
  /** Runbooks that never run without approval, by id. Default `[]`. */
  alwaysApprove: z.array(z.string().min(1)).default([]),
  /** Decide as usual but mark every decision `dryRun` and start nothing. Default `false`. */
  dryRun: z.boolean().default(false),
  /** Verdict when the gate says execute but a safety constraint fails. Default `'approve'`. */
  onSafetyFailure: z.enum(['approve', 'escalate']).default('approve'),
  /** Failure times kept per runbook for the recent-failures factor (integer ≥ 1). Default 64. */
  failureHistory: z.number().int().min(1).default(64),
  /**
   * Runbooks whose failure history is kept (least recently used forgotten, counted in
   * `stats.failureHistoriesEvicted`). Default 1,000.
   */
  maxRunbooks: z.number().int().min(1).default(1_000),
});

/** Options of {@link createDecisionEngine} (all optional). */
export type DecisionEngineOptions = z.input<typeof decisionEngineOptionsSchema>;

/** Capabilities of a decision engine. */
export interface DecisionEngineDeps {
  /** Time source (decision time, cooldowns, freezes). Default: `systemClock`. */
  readonly clock?: Clock;
  /** The runbooks' records. Default: an in-memory {@link createTrackRecord}. */
  readonly trackRecord?: TrackRecord;
  /** Risk factors. Default: {@link defaultRiskFactors}. */
  readonly riskFactors?: readonly RiskFactor[];
  /** Parameter schema per runbook; rendered params are checked (and may be coerced) by it. */
  readonly paramSchemas?: Readonly<Record<string, z.ZodType>>;
  /** The "kind of incident" for track records. Default: {@link incidentSignature}. */
  readonly signature?: (incident: Incident) => string;
  /** Remaining error budget in [0, 1], for the error-budget gate. */
  readonly errorBudget?: () => number;
}

/** Counters of an engine. */
export interface DecisionEngineStats {
  /** Decisions made, whatever the verdict. */
  decisions: number;
  /** Decisions with verdict `execute`. */
  execute: number;
  /** Decisions with verdict `approve`. */
  approve: number;
  /** Decisions with verdict `escalate`. */
  escalate: number;
  /** Decisions with verdict `ignore` (resolved incidents). */
  ignore: number;
  /** Decisions escalated because a template named a missing field. */
  templateFailures: number;
  /** Decisions escalated because params failed the runbook's schema. */
  paramFailures: number;
  /** Executions downgraded by a safety constraint. */
  safetyRefusals: number;
  /** Decisions escalated because a host capability (signature, track record, schema) threw. */
  hostFailures: number;
  /** Outcomes fed back through {@link DecisionEngine.recordOutcome}. */
  outcomes: number;
  /**
   * Runbooks whose failure history was forgotten because `maxRunbooks` was reached (the least
   * recently used first); their recent-failures risk reads 0 until they fail again.
   */
  failureHistoriesEvicted: number;
}

/** The Plan stage as a plain object. */
export interface DecisionEngine {
  /** The compiled policies the engine matches against. */
  readonly policies: PolicySet;
  /** The engine's safety guard (rate limit, cooldowns, concurrency, error budget). */
  readonly safety: SafetyGuard;
  /** The runbooks' records: `deps.trackRecord` or the in-memory default. */
  readonly trackRecord: TrackRecord;
  /** Counters updated in place, readable by the host. */
  readonly stats: DecisionEngineStats;
  /** Decides what to do about one incident. Never throws for a well-formed incident. */
  decide(incident: Incident): Decision;
  /** Feeds an outcome back: frees its in-flight slot, updates the track record and failure history. */
  recordOutcome(outcome: Outcome): void;
}

const SUCCESS = new Set(['succeeded']);
const FAILURE = new Set(['failed', 'rolled_back', 'timed_out']);

/**
 * Creates a decision engine: policy match → parameter templates → confidence → risk → gate →
 * always-approve and safety constraints → dry-run, each step adding to the rationale.
 *
 * @remarks
 * A template naming a missing field, or params failing the runbook's schema, escalate the
 * incident with the reason (never dropped). A resolved incident is ignored; an incident no
 * policy matches is escalated. Only `execute` decisions (outside dry-run) take a rate-limit
 * slot, start a cooldown and count as in flight until {@link DecisionEngine.recordOutcome}.
 * @throws {ConfigError} on bad options, policies or risk factors (`riskFactors.N.weight`).
 * @example
 * ```ts
 * const engine = createDecisionEngine(policies, { gate: { execute: { minConfidence: 0.85 } } }, { clock });
 * const d = engine.decide(incident); // { verdict, runbook, params, confidence, risk, rationale }
 * engine.recordOutcome(outcome);
 * ```
 */
export function createDecisionEngine(
  policies: PolicySet | readonly PolicyInput[],
  options: DecisionEngineOptions = {},
  deps: DecisionEngineDeps = {},
): DecisionEngine {
  const o = parseOptions(decisionEngineOptionsSchema, options, { source: 'createDecisionEngine' });
  const set: PolicySet = isPolicySet(policies) ? policies : compilePolicies(policies);
  const clock = deps.clock ?? systemClock;
  const trackRecord = deps.trackRecord ?? createTrackRecord();
  const factors = deps.riskFactors ?? defaultRiskFactors();
  checkRiskFactors(factors);
  const signatureOf = deps.signature ?? incidentSignature;
  const alwaysApprove = new Set(o.alwaysApprove);
  const safety = createSafetyGuard(o.safety, {
    clock,
    ...(deps.errorBudget ? { errorBudget: deps.errorBudget } : {}),
  });
  const failures = new KeyedStore<number[]>(
    { maxKeys: o.maxRunbooks },
    { create: () => [], onEvict: () => void stats.failureHistoriesEvicted++ },
  );
  const stats: DecisionEngineStats = {
    decisions: 0,
    execute: 0,
    approve: 0,
    escalate: 0,
    ignore: 0,
    templateFailures: 0,
    paramFailures: 0,
    safetyRefusals: 0,
    hostFailures: 0,
    outcomes: 0,
    failureHistoriesEvicted: 0,
  };
  let seq = 0;
  // Per-policy strings and lists computed once, off the hot path.
  const prepared = new Map(
    set.policies.map((p) => [
      p,
      {
        matchedLine:
          `policy "${p.name}" (priority ${p.priority}) matched` +
          (p.matchers.length > 0
            ? `: ${p.matchers.map((m) => m.text).join(', ')}`
            : ' (no matchers)'),
        params: Object.entries(p.params),
      },
    ]),
  );

  const finish = (d: Omit<Decision, 'id' | 't'> & { t: number }): Decision => {
    stats.decisions++;
    stats[d.verdict]++;
    return { id: `${d.incident.id}#${++seq}`, ...d, ...(o.dryRun ? { dryRun: true } : {}) };
  };

  const decide = (incident: Incident): Decision => {
    const now = clock.now();
    const rationale: string[] = [];
    if (incident.status === 'resolved') {
      rationale.push('incident is resolved: nothing to do');
      return finish({ incident, verdict: 'ignore', confidence: 0, risk: 0, rationale, t: now });
    }
    const policy = set.match(incident);
    if (policy === undefined) {
      rationale.push(`no policy matched (${set.policies.length} loaded): a person must look`);
      return finish({ incident, verdict: 'escalate', confidence: 0, risk: 1, rationale, t: now });
    }
    rationale.push(prepared.get(policy)!.matchedLine);
    try {
      return decideMatched({ incident, policy, rationale, now });
    } catch (e) {
      // A host capability (signature, track record, param schema) failed: escalate, never drop.
      stats.hostFailures++;
      rationale.push(`deciding failed (${e instanceof Error ? e.message : String(e)}) → escalate`);
      return finish({
        incident,
        verdict: 'escalate',
        runbook: policy.runbook,
        confidence: 0,
        risk: 1,
        rationale,
        t: now,
      });
    }
  };

  const decideMatched = ({
    incident,
    policy,
    rationale,
    now,
  }: {
    incident: Incident;
    policy: CompiledPolicy;
    rationale: string[];
    now: number;
  }): Decision => {
    const runbook = policy.runbook;
    const pre = prepared.get(policy)!;

    // Parameters and target: plain substitution, a missing field fails the decision.
    let params: Record<string, unknown> = {};
    let target: string;
    try {
      for (const [k, v] of pre.params)
        params[k] = typeof v === 'object' ? renderTemplate(v, incident) : v;
      target = renderTemplate(policy.target, incident);
    } catch (e) {
      if (!(isHomeostatError(e) && e.code === 'TEMPLATE_FIELD_MISSING')) throw e;
      stats.templateFailures++;
      rationale.push(`cannot fill runbook ${runbook}: ${e.message} → escalate`);
      return finish({
        incident,
        verdict: 'escalate',
        runbook,
        confidence: 0,
        risk: 1,
        rationale,
        t: now,
      });
    }
    const schema = deps.paramSchemas?.[runbook];
    if (schema) {
      const r = schema.safeParse(params);
      if (!r.success) {
        stats.paramFailures++;
        const issues = r.error.issues.map(
          (i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`,
        );
        rationale.push(`params for ${runbook} fail its schema (${issues.join('; ')}) → escalate`);
        return finish({
          incident,
          verdict: 'escalate',
          runbook,
          params,
          confidence: 0,
          risk: 1,
          rationale,
          t: now,
        });
      }
      params = r.data as Record<string, unknown>;
    }
    rationale.push(`runbook ${runbook} on ${target}`);

    // Confidence.
    const signature = signatureOf(incident);
    const track = trackRecord.get(signature, runbook);
    const conf = assessConfidence(
      { incident, specificity: policy.specificity, track },
      o.confidence,
    );
    for (const r of conf.reasons) rationale.push(`confidence ${r}`);
    rationale.push(`confidence = ${f2(conf.confidence)}`);

    // Risk.
    const ctx: RiskContext = {
      incident,
      policy,
      runbook,
      params,
      target,
      now,
      inFlight: safety.inFlight(target, runbook),
      failuresSince(since) {
        const list = failures.peek(runbook);
        if (list === undefined) return 0;
        let n = 0;
        for (const t of list) if (t >= since) n++;
        return n;
      },
    };
    const risk = assessRisk(factors, ctx);
    for (const f of risk.factors)
      rationale.push(
        `risk ${f.name} ${f2(f.score)} × weight ${f.weight}${f.hard ? ' (hard)' : ''}: ${f.reason}`,
      );
    rationale.push(`risk = ${f2(risk.risk)}`);

    // Gate, then overrides that can only make the verdict more cautious.
    const gate = gateDecision({ confidence: conf.confidence, risk: risk.risk }, o.gate);
    rationale.push(gate.reason);
    let verdict: Verdict = gate.verdict;
    if (verdict === 'execute' && (policy.approval === 'always' || alwaysApprove.has(runbook))) {
      verdict = 'approve';
      rationale.push(`runbook ${runbook} always needs approval → approve`);
    }
    if (verdict === 'execute') {
      const check = safety.check(target);
      if (!check.ok) {
        verdict = o.onSafetyFailure;
        stats.safetyRefusals++;
        for (const r of check.reasons) rationale.push(`safety ${r}`);
        rationale.push(`safety constraint failed → ${verdict}`);
      }
    }
    if (o.dryRun) rationale.push('dry run: the executor only plans; nothing will change');
    const d = finish({
      incident,
      verdict,
      runbook,
      params,
      confidence: conf.confidence,
      risk: risk.risk,
      rationale,
      t: now,
    });
    if (verdict === 'execute' && !o.dryRun) safety.admit({ id: d.id, target, runbook });
    return d;
  };

  return {
    policies: set,
    safety,
    trackRecord,
    stats,
    decide,
    recordOutcome(outcome) {
      stats.outcomes++;
      const d = outcome.decision;
      safety.finish(d.id);
      if (d.runbook === undefined || d.dryRun) return;
      const success = SUCCESS.has(outcome.status) && outcome.verified;
      const failure =
        FAILURE.has(outcome.status) || (SUCCESS.has(outcome.status) && !outcome.verified);
      if (!success && !failure) return; // blocked or rejected: not the runbook's doing
      trackRecord.record?.(signatureOf(d.incident), d.runbook, success);
      if (failure) {
        const t = outcome.t ?? clock.now();
        const list = failures.getOrCreate(d.runbook, t, undefined);
        list.push(t);
        if (list.length > o.failureHistory) list.shift();
      }
    },
  };
}

function isPolicySet(p: PolicySet | readonly PolicyInput[]): p is PolicySet {
  return !Array.isArray(p) && typeof (p as PolicySet).match === 'function';
}
