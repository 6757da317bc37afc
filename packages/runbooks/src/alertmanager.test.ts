import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InputError, incidentSchema } from '@homeostat/core';
import { fromAlertmanager } from './alertmanager.js';

const payload = {
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'homeostat',
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: { alertname: 'HighErrorRate', env: 'prod' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' },
      annotations: { summary: 'error ratio 7%' },
      startsAt: '2026-01-01T10:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus/graph',
      fingerprint: 'abc123',
    },
    {
      status: 'resolved',
      labels: { alertname: 'HighErrorRate', job: 'payments' },
      annotations: {},
      startsAt: '2026-01-01T09:00:00Z',
      endsAt: '2026-01-01T09:30:00Z',
      generatorURL: '',
    },
  ],
};

describe('fromAlertmanager', () => {
  it('turns firing and resolved alerts into valid incidents', () => {
    const [firing, resolved] = fromAlertmanager(payload);
    expect(firing).toMatchObject({
      id: 'am:abc123',
      resource: 'checkout',
      severity: 'critical',
      status: 'firing',
      openedAt: Date.parse('2026-01-01T10:00:00Z'),
      labels: {
        alertname: 'HighErrorRate',
        env: 'prod',
        service: 'checkout',
        severity: 'critical',
      },
      symptoms: [
        {
          series: 'HighErrorRate',
          score: 1,
          explanation: 'error ratio 7%',
          detector: 'alertmanager',
        },
      ],
    });
    expect(resolved).toMatchObject({
      resource: 'payments',
      severity: 'warning',
      status: 'resolved',
      symptoms: [{ score: 0, t: Date.parse('2026-01-01T09:30:00Z') }],
    });
    expect(resolved!.id).toBe('am:alertname=HighErrorRate,env=prod,job=payments');
    for (const i of [firing, resolved]) expect(incidentSchema.safeParse(i).success).toBe(true);
  });

  it('uses a chosen resource label', () => {
    expect(fromAlertmanager(payload, { resourceLabel: 'env' })[0]!.resource).toBe('prod');
  });

  it('throws InputError naming the path for invalid payloads, never anything else', () => {
    try {
      fromAlertmanager({ ...payload, version: '3' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues[0]!.path).toBe('version');
    }
    expect(() =>
      fromAlertmanager({ ...payload, alerts: [{ ...payload.alerts[0], startsAt: 'yesterday' }] }),
    ).toThrow(/alerts\.0\.startsAt/);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
        try {
          fromAlertmanager(v);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 200 },
    );
  });
});
