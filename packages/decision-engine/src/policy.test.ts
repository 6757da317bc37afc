import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfigError, isHomeostatError } from '@homeostat/core';
import { rmSync } from 'node:fs';
import { compilePolicies, loadPolicies, parsePolicies, type PolicyInput } from './policy.js';
import { policy } from './policy-builder.js';
import { makeIncident } from './internal/fixtures.js';

const incident = makeIncident();
const one = (match: PolicyInput['match']) =>
  compilePolicies([{ name: 'p', match, runbook: 'rb' }]).match(incident)?.name === 'p';

describe('matchers', () => {
  it.each([
    ['label.alertname="HighLatency"', true],
    ['label.alertname=HighLatency', true],
    ['label.alertname="highlatency"', false],
    ['label.alertname!="HighLatency"', false],
    ['label.alertname!=Other', true],
    ['label.alertname=~"High.*"', true],
    ['label.alertname=~"High"', false], // anchored: must match the whole value
    ['label.alertname=~"Latency"', false],
    ['label.alertname!~"Low.*"', true],
    ['label.alertname!~".*Latency"', false],
    ['label.missing=""', true], // Alertmanager: a missing label reads as ''
    ['label.alertname=bad quoted value', false], // a bare value is just a value
    ['label.missing!="x"', true],
    ['label.missing=~".+"', false],
    ['annotation.summary=~"p99.*"', true],
    ['incident.resource=checkout', true],
    ['incident.status=firing', true],
    ['severity>=warning', true],
    ['severity>=error', true],
    ['severity>error', false],
    ['severity<critical', true],
    ['severity=error', true],
    ['severity!=error', false],
    ['score>0.9', true],
    ['score>=0.95', true],
    ['score>0.95', false],
    ['score<1', true],
    ['rootCause=checkout', true],
    ['rootCause.score>=0.9', true],
    ['symptom.metric=latency_p99', true],
    ['symptom.metric=error_rate', false],
    ['symptom.metric!=error_rate', true],
    ['symptom.score>0.5', true],
  ])('%s → %s', (m, expected) => {
    expect(one([m])).toBe(expected);
  });

  it.each([
    [{ field: 'label.namespace', op: 'in' as const, value: ['shop', 'payments'] }, true],
    [{ field: 'label.namespace', op: 'not in' as const, value: ['shop', 'payments'] }, false],
    [{ field: 'label.namespace', op: 'in' as const, value: ['infra'] }, false],
    [{ field: 'severity', op: 'in' as const, value: ['error', 'critical'] }, true],
    [{ field: 'severity', op: 'not in' as const, value: ['info'] }, true],
    [{ field: 'score', op: '>' as const, value: 0.5 }, true],
    [{ field: 'symptom.metric', op: 'in' as const, value: ['latency_p99', 'cpu'] }, true],
  ])('object form %j → %s', (m, expected) => {
    expect(one([m])).toBe(expected);
  });

  it('ANDs every matcher; an empty list matches everything', () => {
    expect(one(['label.alertname=HighLatency', 'severity>=critical'])).toBe(false);
    expect(one([])).toBe(true);
  });

  it('negated matchers on symptoms mean "no symptom matches"', () => {
    const two = makeIncident({
      symptoms: [
        { series: 'a', metric: 'cpu', t: 0, score: 0.5 },
        { series: 'b', metric: 'mem', t: 0, score: 0.5 },
      ],
    });
    const set = compilePolicies([{ name: 'p', match: ['symptom.metric!=cpu'], runbook: 'rb' }]);
    expect(set.match(two)).toBeUndefined();
  });
});

describe('priority and order', () => {
  it('picks the highest priority, then the most specific, then the first written', () => {
    const set = compilePolicies([
      { name: 'broad', match: ['severity>=warning'], runbook: 'a' },
      {
        name: 'specific',
        match: ['label.alertname=HighLatency', 'label.namespace=shop'],
        runbook: 'b',
      },
      { name: 'urgent', priority: 5, match: ['severity>=warning'], runbook: 'c' },
      { name: 'urgent-twin', priority: 5, match: ['severity>=warning'], runbook: 'd' },
    ]);
    expect(set.match(incident)?.name).toBe('urgent');
    expect(set.policies.map((p) => p.name)).toEqual(['urgent', 'urgent-twin', 'specific', 'broad']);
  });

  it('skips disabled policies', () => {
    const set = compilePolicies([
      { name: 'off', priority: 9, match: [], runbook: 'a', enabled: false },
      { name: 'on', match: [], runbook: 'b' },
    ]);
    expect(set.match(incident)?.name).toBe('on');
  });

  it('computes specificity from matcher weights', () => {
    const set = compilePolicies([
      { name: 'none', runbook: 'a' },
      { name: 'eq', match: ['label.a=b'], runbook: 'a' },
    ]);
    expect(set.policies.find((p) => p.name === 'none')!.specificity).toBe(0);
    expect(set.policies.find((p) => p.name === 'eq')!.specificity).toBe(0.5);
  });
});

describe('compile errors', () => {
  const issuesOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(isHomeostatError(e) && e.code).toBe('CONFIG_INVALID');
      return (e as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  };

  it.each([
    [['label.a=~"("'], /invalid regex/],
    [['nonsense'], /cannot read matcher/],
    [['label.a="unterminated'], /bad quoted value/],
    [['env.HOME=x'], /unknown field/],
    [['severity>=urgent'], /not a severity/],
    [['severity=~"err.*"'], /regex matchers do not apply to severity/],
    [['score=~"0.*"'], /regex matchers do not apply/],
    [['score>high'], /not a finite number/],
    [['label.a>3'], /compares numbers/],
    [[{ field: 'label.a', op: 'in', value: 'x' }], /needs a list/],
    [[{ field: 'label.a', op: '=', value: ['x'] }], /single value/],
  ] as [PolicyInput['match'], RegExp][])('%j is refused', (match, re) => {
    const issues = issuesOf(() => compilePolicies([{ name: 'p', match, runbook: 'rb' }]));
    expect(issues[0]!.path).toBe('0.match.0');
    expect(issues[0]!.message).toMatch(re);
  });

  it('reports every problem at once, with paths', () => {
    const issues = issuesOf(() =>
      compilePolicies({
        policies: [
          { name: 'a', runbook: 'rb', params: { pod: '${label.pod' } },
          { name: 'a', runbook: '', target: '${nope}' },
        ],
      }),
    );
    const paths = issues.map((i) => i.path);
    expect(paths).toContain('policies.1.runbook');
    expect(issues).toHaveLength(1); // schema errors stop before compilation
    const more = issuesOf(() =>
      compilePolicies({
        policies: [
          { name: 'a', runbook: 'rb', params: { pod: '${label.pod' } },
          { name: 'a', runbook: 'rb', target: '${nope}' },
        ],
      }),
    );
    expect(more.map((i) => i.path).sort()).toEqual([
      'policies.0.params.pod',
      'policies.1.name',
      'policies.1.target',
    ]);
  });

  it('refuses unknown keys (typos) in a policy', () => {
    const issues = issuesOf(() =>
      compilePolicies([{ name: 'a', runbook: 'rb', priorty: 3 } as PolicyInput]),
    );
    expect(issues[0]!.path).toBe('0');
    expect(issues[0]!.message).toMatch(/priorty/);
  });
});

describe('files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'de-policies-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it('loads YAML', async () => {
    const p = file(
      'good.yaml',
      `policies:
  - name: restart-latency
    priority: 10
    match:
      - label.alertname="HighLatency"
      - severity>=warning
      - { field: label.namespace, op: in, value: [shop, payments] }
    runbook: restart-pod
    params:
      pod: \${label.pod}
      reason: \${annotation.summary}
      graceSeconds: 30
`,
    );
    const set = await loadPolicies(p);
    expect(set.source).toBe(p);
    expect(set.match(incident)?.runbook).toBe('restart-pod');
  });

  it('loads JSON and a bare list', async () => {
    const p = file(
      'good.json',
      JSON.stringify([{ name: 'x', runbook: 'rb', match: ['severity>=info'] }]),
    );
    expect((await loadPolicies(p)).match(incident)?.name).toBe('x');
  });

  it('refuses a file with one bad policy as a whole, naming the file and the path', async () => {
    const p = file(
      'bad.yaml',
      `policies:
  - name: fine
    runbook: a
  - name: broken
    runbook: b
    match: ['label.pod=~"(unclosed"']
`,
    );
    const err = await loadPolicies(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.source).toBe(p);
    expect(ce.issues).toEqual([
      { path: 'policies.1.match.0', message: expect.stringMatching(/invalid regex/) },
    ]);
    expect(ce.message).toContain(p);
    expect(ce.message).toContain('policies.1.match.0');
  });

  it('names the path for a schema error in a file', async () => {
    const p = file('schema.yaml', 'policies:\n  - name: x\n    runbook: rb\n    priority: high\n');
    const err = (await loadPolicies(p).catch((e: unknown) => e)) as ConfigError;
    expect(err.issues[0]!.path).toBe('policies.0.priority');
    expect(err.message).toContain(p);
  });

  it('reports a YAML syntax error with its line', async () => {
    const p = file('syntax.yaml', 'policies:\n  - name: x\n    runbook: [unclosed\n');
    const err = (await loadPolicies(p).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.issues[0]!.message).toMatch(/line \d+/);
    expect(err.source).toBe(p);
  });

  it('reports a JSON syntax error and an empty file', async () => {
    const j = file('syntax.json', '{ "policies": [ }');
    await expect(loadPolicies(j)).rejects.toThrow(/cannot parse json/);
    const e = file('empty.yaml', '');
    await expect(loadPolicies(e)).rejects.toThrow(/empty/);
  });

  it('reports a file that cannot be read', async () => {
    const missing = join(dir, 'nope.yaml');
    const err = (await loadPolicies(missing).catch((e: unknown) => e)) as ConfigError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.source).toBe(missing);
    expect(err.message).toMatch(/cannot read/);
  });

  it('parsePolicies reads text directly', () => {
    expect(parsePolicies('- name: a\n  runbook: rb\n', { source: 'inline' }).policies).toHaveLength(
      1,
    );
    expect(() => parsePolicies('- name: a\n', { source: 'inline' })).toThrow(/inline/);
  });
});

describe('policy builder', () => {
  it('builds data that compiles like a file', () => {
    const p = policy('restart')
      .when('label.alertname', '=', 'HighLatency')
      .when('label.namespace', 'in', ['shop'])
      .match('severity>=error')
      .priority(3)
      .runbook('restart-pod', { pod: '${label.pod}' })
      .target('${label.namespace}/${label.pod}')
      .rollback(true)
      .alwaysApprove()
      .describe('restart on latency')
      .enabled(true)
      .build();
    const set = compilePolicies([p]);
    const c = set.match(incident)!;
    expect(c).toMatchObject({
      name: 'restart',
      priority: 3,
      runbook: 'restart-pod',
      rollback: true,
      approval: 'always',
    });
    expect(c.matchers).toHaveLength(3);
  });

  it('a builder without a runbook fails compilation with a path', () => {
    expect(() => compilePolicies([policy('x').build()])).toThrow(/0\.runbook/);
  });
});

describe('indexed matching', () => {
  it('returns exactly what a linear scan in evaluation order returns', () => {
    const names = ['A', 'B', 'C', ''];
    const policyArb = fc.record({
      alert: fc.option(fc.constantFrom(...names), { nil: undefined }),
      ns: fc.option(fc.constantFrom('shop', 'infra'), { nil: undefined }),
      sev: fc.option(fc.constantFrom('warning', 'error', 'critical'), { nil: undefined }),
      priority: fc.integer({ min: 0, max: 3 }),
      enabled: fc.boolean(),
    });
    const incidentArb = fc.record({
      alert: fc.option(fc.constantFrom(...names, 'Z'), { nil: undefined }),
      ns: fc.constantFrom('shop', 'infra'),
      sev: fc.constantFrom<'info' | 'warning' | 'error' | 'critical'>(
        'info',
        'warning',
        'error',
        'critical',
      ),
    });
    fc.assert(
      fc.property(
        fc.array(policyArb, { minLength: 1, maxLength: 30 }),
        fc.array(incidentArb, { maxLength: 20 }),
        (ps, incs) => {
          const set = compilePolicies(
            ps.map((p, i) => ({
              name: `p${i}`,
              priority: p.priority,
              enabled: p.enabled,
              runbook: 'rb',
              match: [
                ...(p.alert === undefined ? [] : [`label.alertname="${p.alert}"`]),
                ...(p.ns === undefined ? [] : [`label.namespace=${p.ns}`]),
                ...(p.sev === undefined ? [] : [`severity>=${p.sev}`]),
              ],
            })),
          );
          for (const x of incs) {
            const inc = makeIncident({
              severity: x.sev,
              labels: { namespace: x.ns, ...(x.alert === undefined ? {} : { alertname: x.alert }) },
            });
            const linear = set.policies.find(
              (p) => p.enabled && p.matchers.every((m) => m.test(inc)),
            );
            expect(set.match(inc)?.name).toBe(linear?.name);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
