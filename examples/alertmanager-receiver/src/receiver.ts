/**
 * The receiver: an HTTP endpoint for Alertmanager's webhook (version 4) that turns each alert
 * into an incident (`fromAlertmanager`), decides what to do with policies loaded from YAML
 * (`@homeostat/decision-engine`) and runs the chosen runbook, also loaded from YAML
 * (`@homeostat/runbooks`), with approvals and a hash-chained file audit log.
 *
 *   POST /alerts ── fromAlertmanager ──▶ incidents$ ── decide(engine) ──▶ execute(runbooks) ──▶ outcomes
 *        └── 400 + issues on bad input
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Subject, tap } from 'rxjs';
import {
  isHomeostatError,
  type Decision,
  type Incident,
  type InputError,
  type Outcome,
} from '@homeostat/core';
import {
  createDecisionEngine,
  decide,
  loadPolicies,
  type DecisionEngine,
  type TrackRecord,
} from '@homeostat/decision-engine';
import {
  createApprovals,
  createFileAudit,
  createRunbookRegistry,
  execute,
  fromAlertmanager,
  loadRunbookFile,
  paramsSchemaOf,
  type Action,
  type Approvals,
  type Escalation,
} from '@homeostat/runbooks';

/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  readonly policiesFile: string;
  readonly runbooksFile: string;
  /** JSONL audit log (created when missing, appended to otherwise). */
  readonly auditFile: string;
  /** The actions the runbooks call. */
  readonly actions: readonly Action[];
  /** Runbook success history the decision engine's confidence uses. */
  readonly trackRecord?: TrackRecord;
  /** Largest webhook body accepted, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  readonly log?: (line: string) => void;
}

/** A running receiver. */
export interface Receiver {
  readonly url: string;
  readonly engine: DecisionEngine;
  readonly approvals: Approvals;
  readonly incidents: readonly Incident[];
  readonly decisions: readonly Decision[];
  readonly outcomes: readonly Outcome[];
  readonly escalations: readonly Escalation[];
  /** Stops the server and the loop and closes the audit log. */
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Loads the configuration, starts the loop and the HTTP server on 127.0.0.1 (a free port). */
export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const log = options.log ?? ((line: string) => console.log(line));
  const maxBody = options.maxBodyBytes ?? 1 << 20;

  // Both files are checked as a whole when loaded: a bad policy or runbook stops startup with a
  // ConfigError naming the file and the path inside it.
  const policies = await loadPolicies(options.policiesFile);
  const runbooks = await loadRunbookFile(options.runbooksFile);
  const registry = createRunbookRegistry({ runbooks, actions: [...options.actions] });

  const engine = createDecisionEngine(
    policies,
    {},
    {
      ...(options.trackRecord ? { trackRecord: options.trackRecord } : {}),
      // The decision engine checks the filled params against each runbook's declared params,
      // so a bad label value is escalated at decision time rather than failing in the executor.
      paramSchemas: Object.fromEntries(runbooks.map((r) => [r.id, paramsSchemaOf(r)])),
    },
  );
  const approvals = createApprovals();
  const audit = createFileAudit(options.auditFile);

  const incidents: Incident[] = [];
  const decisions: Decision[] = [];
  const outcomes: Outcome[] = [];
  const escalations: Escalation[] = [];
  const incidents$ = new Subject<Incident>();
  const subscription = incidents$
    .pipe(
      tap((i) => {
        incidents.push(i);
        const labels = Object.entries(i.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        log(
          `  incident ${i.id} (${i.status ?? 'firing'}, ${i.severity}) on ${i.resource}: ${labels}`,
        );
      }),
      decide(engine),
      tap((d) => {
        decisions.push(d);
        const params = d.params ? ` ${JSON.stringify(d.params)}` : '';
        log(
          `  decision ${d.verdict.toUpperCase()} ${d.runbook ?? '-'}${params} (confidence ${d.confidence.toFixed(2)}, risk ${d.risk.toFixed(2)})`,
        );
        log(`    because: ${d.rationale.join('; ')}`);
      }),
      execute(registry, {
        audit,
        approvals,
        onPlan: () => undefined,
        onEscalate: (e) => {
          escalations.push(e);
          log(`  escalated ${e.decision.incident.id} to a person: ${e.reason}`);
        },
        onError: (e) => log(`  error: ${e.message}`),
      }),
    )
    .subscribe((o) => {
      outcomes.push(o);
      engine.recordOutcome(o);
      log(
        `  outcome ${o.status}${o.verified ? ' (verified)' : ''} for ${o.decision.runbook ?? '-'} on ${o.decision.incident.id}: ${o.steps.map((s) => `${s.step} ${s.status}`).join(', ')}`,
      );
    });

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return reply(res, 200, { status: 'ok' });
    if (req.method !== 'POST' || req.url !== '/alerts')
      return reply(res, 404, { error: 'not found' });
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return reply(res, 413, { error: `body larger than ${maxBody} bytes` });
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return reply(res, 400, { error: `body is not JSON: ${(e as Error).message}` });
      }
      let received: Incident[];
      try {
        received = fromAlertmanager(payload);
      } catch (e) {
        if (isHomeostatError(e) && e.code === 'INPUT_INVALID') {
          return reply(res, 400, {
            error: 'invalid Alertmanager payload',
            issues: (e as InputError).issues,
          });
        }
        return reply(res, 500, { error: 'internal error' });
      }
      reply(res, 202, { incidents: received.map((i) => i.id) });
      for (const incident of received) incidents$.next(incident);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let closed = false;
  return {
    url,
    engine,
    approvals,
    incidents,
    decisions,
    outcomes,
    escalations,
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      incidents$.complete();
      subscription.unsubscribe();
      await audit.close();
    },
  };
}
