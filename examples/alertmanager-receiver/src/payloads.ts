/**
 * Sample Alertmanager webhook payloads (version 4), shaped like what Alertmanager posts to a
 * `webhook_configs` receiver.
 */
import type { AlertmanagerPayload } from '@homeostat/runbooks';

const startsAt = '2026-01-15T10:00:00Z';

const crashLooping = {
  labels: {
    alertname: 'KubePodCrashLooping',
    namespace: 'shop',
    pod: 'checkout-7f9c',
    service: 'checkout',
    severity: 'critical',
  },
  annotations: { summary: 'Pod shop/checkout-7f9c is crash looping' },
  startsAt,
  fingerprint: '3f1c0a9e7b2d4c51',
};

/** Three firing alerts in one group: two that policies cover, one that none does. */
export const firing: AlertmanagerPayload = {
  version: '4',
  groupKey: '{}:{namespace="shop"}',
  status: 'firing',
  receiver: 'homeostat',
  groupLabels: { namespace: 'shop' },
  commonLabels: { namespace: 'shop', cluster: 'eu-1' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example:9093',
  alerts: [
    { status: 'firing', ...crashLooping },
    {
      status: 'firing',
      labels: {
        alertname: 'HighRequestLatency',
        deployment: 'search',
        env: 'prod',
        service: 'search',
        severity: 'warning',
      },
      annotations: { summary: 'search p99 latency above 500 ms for 10 minutes' },
      startsAt,
      fingerprint: '8a4e2b71c09d3f66',
    },
    {
      status: 'firing',
      labels: { alertname: 'TLSCertificateExpiring', service: 'edge', severity: 'warning' },
      annotations: { summary: 'certificate of edge expires in 6 days' },
      startsAt,
      fingerprint: 'c55d19e0a3b7f284',
    },
  ],
};

/** The crash-looping alert, resolved. */
export const resolved: AlertmanagerPayload = {
  ...firing,
  status: 'resolved',
  alerts: [{ status: 'resolved', ...crashLooping, endsAt: '2026-01-15T10:05:00Z' }],
};

/** Not a valid version 4 payload: wrong version, bad status, an alert without `startsAt`. */
export const malformed = {
  version: '3',
  groupKey: 'x',
  status: 'burning',
  receiver: 'homeostat',
  alerts: [{ status: 'firing', labels: { alertname: 'Broken' } }],
};
