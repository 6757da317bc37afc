import { z } from 'zod';
import { parseInput, type Incident, type Severity } from '@homeostat/core';

const labels = z.record(z.string(), z.string());
const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 time' });

/** zod schema of an Alertmanager webhook payload, version 4. */
export const alertmanagerPayloadSchema = z.object({
  version: z.literal('4', { message: 'only Alertmanager webhook version "4" is supported' }),
  groupKey: z.string(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().default(''),
  alerts: z
    .array(
      z.object({
        status: z.enum(['firing', 'resolved']),
        labels,
        annotations: labels.default({}),
        startsAt: time,
        endsAt: z.string().default(''),
        generatorURL: z.string().default(''),
        fingerprint: z.string().min(1).optional(),
      }),
    )
    .max(10_000, 'more than 10,000 alerts in one payload'),
});

/** An Alertmanager webhook payload (version 4), as received. */
export type AlertmanagerPayload = z.input<typeof alertmanagerPayloadSchema>;

/** Options of {@link fromAlertmanager}. */
export interface FromAlertmanagerOptions {
  /** Label that names the resource. Default: the first of `service`, `job`, `instance`, `alertname` present. */
  readonly resourceLabel?: string;
}

function severityOf(value: string | undefined): Severity {
  switch ((value ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
    case 'fatal':
      return 'critical';
    case 'error':
    case 'major':
    case 'high':
      return 'error';
    case 'info':
    case 'informational':
    case 'none':
      return 'info';
    default:
      return 'warning';
  }
}

/**
 * Turns an Alertmanager webhook payload (version 4) into one {@link Incident} per alert, firing
 * and resolved (`incident.status`), so an existing Prometheus setup can drive runbooks.
 *
 * @remarks The incident id is `am:` + the alert fingerprint (or a stable key of its labels), so
 * the resolved notice of an alert carries the same id as its firing one.
 * @throws {InputError} with every issue, when the payload is not a valid version 4 payload.
 * @example
 * ```ts
 * app.post('/alertmanager', (req, res) => { for (const i of fromAlertmanager(req.body)) incidents$.next(i); res.end(); });
 * ```
 */
export function fromAlertmanager(
  payload: unknown,
  options: FromAlertmanagerOptions = {},
): Incident[] {
  const p = parseInput(alertmanagerPayloadSchema, payload, { source: 'alertmanager webhook' });
  return p.alerts.map((alert) => {
    const all = { ...p.commonLabels, ...alert.labels };
    const resource =
      (options.resourceLabel ? all[options.resourceLabel] : undefined) ??
      all.service ??
      all.job ??
      all.instance ??
      all.alertname ??
      p.receiver;
    const key =
      alert.fingerprint ??
      Object.keys(all)
        .sort()
        .map((k) => `${k}=${all[k]}`)
        .join(',');
    const openedAt = Date.parse(alert.startsAt);
    const ended = Date.parse(alert.endsAt);
    const annotations = { ...p.commonAnnotations, ...alert.annotations };
    const incident: Incident = {
      id: `am:${key}`,
      resource,
      severity: severityOf(all.severity),
      openedAt,
      labels: all,
      annotations,
      status: alert.status,
      symptoms: [
        {
          series: all.alertname ?? 'alert',
          resource,
          t: alert.status === 'resolved' && Number.isFinite(ended) ? ended : openedAt,
          score: alert.status === 'firing' ? 1 : 0,
          detector: 'alertmanager',
          ...(annotations.summary ? { explanation: annotations.summary } : {}),
        },
      ],
    };
    return incident;
  });
}
