import { describe, expect, it } from 'vitest';
import { isHomeostatError } from '@homeostat/core';
import { compileTemplate, renderTemplate } from './template.js';
import { TemplateError } from './errors.js';
import { makeIncident } from './internal/fixtures.js';

describe('templates', () => {
  const incident = makeIncident();
  it.each([
    ['${label.pod}', 'checkout-7f9c'],
    ['restart ${label.pod} in ${label.namespace}', 'restart checkout-7f9c in shop'],
    ['${annotation.summary}', 'p99 latency above 900 ms'],
    ['${incident.resource}/${incident.id}', 'checkout/inc-1'],
    ['${incident.severity}', 'error'],
    ['${severity}', 'error'],
    ['${rootCause}', 'checkout'],
    ['${rootCause.score}', '0.9'],
    ['${symptom.metric}=${symptom.value}', 'latency_p99=950'],
    ['${score}', '0.95'],
    ['cost: $$5 and $x', 'cost: $5 and $x'],
    ['plain text', 'plain text'],
    ['${ label.pod }', 'checkout-7f9c'],
  ])('renders %s', (src, expected) => {
    expect(renderTemplate(compileTemplate(src), incident)).toBe(expected);
  });

  it('substitutes values verbatim and never evaluates them', () => {
    const evil = makeIncident({ labels: { pod: '${label.secret}', secret: 'leaked' } });
    expect(renderTemplate(compileTemplate('${label.pod}'), evil)).toBe('${label.secret}');
    const code = makeIncident({ labels: { pod: '`$(rm -rf /)` ${process.exit(1)}' } });
    expect(renderTemplate(compileTemplate('x ${label.pod}'), code)).toBe(
      'x `$(rm -rf /)` ${process.exit(1)}',
    );
  });

  it('lists the fields it names', () => {
    expect(compileTemplate('${label.a}-${annotation.b}').fields).toEqual([
      'label.a',
      'annotation.b',
    ]);
  });

  it('fails with TEMPLATE_FIELD_MISSING on a missing field, never an empty string', () => {
    const t = compileTemplate('restart ${label.container}');
    let caught: unknown;
    try {
      renderTemplate(t, makeIncident());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TemplateError);
    expect(isHomeostatError(caught) && caught.code).toBe('TEMPLATE_FIELD_MISSING');
    expect((caught as TemplateError).field).toBe('label.container');
    expect((caught as Error).message).toContain('${label.container}');
  });

  it('treats an empty label as missing', () => {
    const t = compileTemplate('${label.pod}');
    expect(() => renderTemplate(t, makeIncident({ labels: { pod: '' } }))).toThrow(TemplateError);
  });

  it('fails on a missing annotation and a missing root cause', () => {
    expect(() =>
      renderTemplate(compileTemplate('${annotation.runbook_url}'), makeIncident()),
    ).toThrow(/annotation\.runbook_url/);
    const { rootCauses: _, ...noRc } = makeIncident();
    expect(() => renderTemplate(compileTemplate('${rootCause}'), noRc)).toThrow(/rootCause/);
  });

  it.each([
    ['${label.pod', /unclosed/],
    ['${}', /empty/],
    ['${env.HOME}', /unknown field "env\.HOME"/],
    ['${label.}', /needs a name/],
    ['${incident.constructor}', /unknown field/],
    ['${incident.labels}', /unknown field/],
  ])('refuses %s at compile time', (src, re) => {
    expect(() => compileTemplate(src)).toThrow(re);
  });
});

describe('substitution (property)', () => {
  it('puts any label value in verbatim, whatever it contains', async () => {
    const fc = (await import('fast-check')).default;
    const t = compileTemplate('<${label.x}>');
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: 'binary' }), (v) => {
        expect(renderTemplate(t, makeIncident({ labels: { x: v } }))).toBe(`<${v}>`);
      }),
    );
  });
});
