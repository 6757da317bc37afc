/**
 * The example's script: starts the receiver, posts it a few Alertmanager payloads (firing,
 * malformed, not JSON, resolved), approves the run that needs a person, waits for the outcomes
 * and checks the audit log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTrackRecord } from '@homeostat/decision-engine';
import { readAuditLog, verifyAuditLog, type AuditVerification } from '@homeostat/runbooks';
import { clusterActions, createCluster, type Cluster } from './cluster.js';
import { firing, malformed, resolved } from './payloads.js';
import { startReceiver, type Receiver } from './receiver.js';

/** The example's configuration folder (policies.yaml, runbooks.yaml). */
export const CONFIG_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'config');

/** Options of {@link run}. */
export interface RunOptions {
  /** Audit log path (default: a new temporary folder). */
  readonly auditFile?: string;
  readonly log?: (line: string) => void;
  /** Keep the receiver up after the script (the caller closes it with `result.receiver.close()`). */
  readonly serve?: boolean;
}

/** What {@link run} did. */
export interface RunResult {
  readonly receiver: Receiver;
  readonly cluster: Cluster;
  readonly auditFile: string;
  /** Status and body of each post, in order: firing, malformed, not JSON, resolved. */
  readonly responses: readonly { readonly status: number; readonly body: unknown }[];
  /** Approval requests seen, with who approved them. */
  readonly approved: readonly { readonly runbook: string; readonly params: unknown }[];
  readonly audit: AuditVerification;
  /** Audit record types, in order. */
  readonly auditTypes: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the example end to end. */
export async function run(options: RunOptions = {}): Promise<RunResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const auditFile =
    options.auditFile ?? join(mkdtempSync(join(tmpdir(), 'homeostat-am-')), 'audit.jsonl');
  const cluster = createCluster();

  // Earlier runs of restart-pod for this alert all worked, which raises the engine's confidence
  // in it; scale-out has no history. Neither clears the bar for acting alone (deleting a pod
  // cannot be undone, and a new runbook is not trusted yet), so both are sent for approval.
  const trackRecord = createTrackRecord();
  for (let i = 0; i < 9; i++) trackRecord.record('KubePodCrashLooping', 'restart-pod', true);

  const receiver = await startReceiver({
    policiesFile: join(CONFIG_DIR, 'policies.yaml'),
    runbooksFile: join(CONFIG_DIR, 'runbooks.yaml'),
    auditFile,
    actions: clusterActions(cluster),
    trackRecord,
    log,
  });
  log(`receiver listening on ${receiver.url}/alerts, audit log ${auditFile}`);

  // The on-call engineer: sees each approval request and approves it.
  const approved: { runbook: string; params: unknown }[] = [];
  const approvalSub = receiver.approvals.requests$.subscribe((request) => {
    log(
      `  approval requested: ${request.runbook} on ${request.targets.join(', ')} ${JSON.stringify(request.params)} (roles: ${request.roles.join(', ') || 'any'})`,
    );
    setTimeout(() => {
      receiver.approvals.approve(request.id, { id: 'alice', roles: ['sre'] }, 'looks right');
      approved.push({ runbook: request.runbook, params: request.params });
      log(`  approved by alice (sre): ${request.runbook}`);
    }, 100);
  });

  const responses: { status: number; body: unknown }[] = [];
  const post = async (what: string, body: string): Promise<void> => {
    log(`\nPOST /alerts — ${what}`);
    const res = await fetch(`${receiver.url}/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    const json: unknown = await res.json();
    responses.push({ status: res.status, body: json });
    log(`  → ${res.status} ${JSON.stringify(json)}`);
  };

  await post('3 firing alerts', JSON.stringify(firing));
  // restart-pod (acts alone) and scale-out (after approval) both end with an outcome.
  const deadline = Date.now() + 15_000;
  while (receiver.outcomes.length < 2 && Date.now() < deadline) await sleep(25);
  await post('a malformed payload', JSON.stringify(malformed));
  await post('a body that is not JSON', '{"version": "4",');
  await post('the crash-looping alert, resolved', JSON.stringify(resolved));
  await sleep(50);

  log('\ncluster changes:');
  for (const change of cluster.changes) log(`  ${change}`);

  approvalSub.unsubscribe();
  if (!options.serve) await receiver.close();
  const audit = await verifyAuditLog(auditFile);
  const auditTypes = (await readAuditLog(auditFile)).map((r) => r.type);
  const counts = new Map<string, number>();
  for (const t of auditTypes) counts.set(t, (counts.get(t) ?? 0) + 1);
  log(
    `\naudit log: ${audit.records} records, hash chain ${audit.ok ? 'verified' : `BROKEN: ${audit.error?.message ?? ''}`}`,
  );
  log(`  ${[...counts].map(([t, n]) => `${t} ×${n}`).join(', ')}`);
  if (!options.serve) cluster.close();
  return { receiver, cluster, auditFile, responses, approved, audit, auditTypes };
}
