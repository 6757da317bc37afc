import { z } from 'zod';
import { parseInput, type Incident, type Severity } from '@homeostat/core';

const labels = z.record(z.string(), z.string());
const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'must be an RFC 3339 time' });

/** zod schema of an Alertmanager webhook payload, version 4. */
export const alertmanagerPayloadSchema = z.object({
  /** Webhook payload version; only `"4"` is accepted. */
  version: z.literal('4', { message: 'only Alertmanager webhook version "4" is supported' }),
  /** Key identifying the alert group in Alertmanager. Not used to build incidents. */
  groupKey: z.string(),
  /** Alerts left out of the payload by Alertmanager's `max_alerts` (integer ≥ 0). Default 0. */
  truncatedAlerts: z.number().int().min(0).default(0),
  /** Status of the group as a whole; each alert's own `status` is what the incident carries. */
  status: z.enum(['firing', 'resolved']),
  /** Name of the receiver; the incident's resource when no label names one. */
  receiver: z.string(),
  /** Labels the alerts were grouped by. Default `{}`. */
  groupLabels: labels.default({}),
  /** Labels shared by every alert; merged under each alert's own labels. Default `{}`. */
  commonLabels: labels.default({}),
  /** Annotations shared by every alert; merged under each alert's own. Default `{}`. */
  commonAnnotations: labels.default({}),
  /** Link back to the Alertmanager that sent the payload. Default `''`. */
  externalURL: z.string().default(''),
  /** The alerts, at most 10,000; each becomes one incident. */
  alerts: z
    .array(
      z.object({
        /** `firing` or `resolved`; copied to `Incident.status`. */
        status: z.enum(['firing', 'resolved']),
        /**
         * Labels of the alert, over `commonLabels`. `severity` sets the incident's severity
         * (missing or unknown values read as `warning`); the first of `resourceLabel`, `service`,
         * `job`, `instance`, `alertname` present names the resource.
         */
        labels,
        /**
         * Annotations of the alert, over `commonAnnotations`; `summary` explains the symptom.
         * Default `{}`.
         */
        annotations: labels.default({}),
        /** When the alert started, RFC 3339; becomes `Incident.openedAt`. */
        startsAt: time,
        /**
         * When the alert ended, RFC 3339; the symptom's time for a resolved alert when it parses.
         * Default `''`.
         */
        endsAt: z.string().default(''),
        /** Link to the rule that fired the alert. Default `''`. */
        generatorURL: z.string().default(''),
        /**
         * Alertmanager's stable key of the alert (non-empty); the incident id is `am:` plus it.
         * When absent, a key is built from the sorted labels.
         */
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
