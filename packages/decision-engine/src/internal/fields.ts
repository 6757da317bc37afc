import { severityRank, type Incident, type Severity, type Symptom } from '@homeostat/core';

/** A field reader compiled once: returns every value the field has on an incident. */
export type FieldReader = (incident: Incident) => string | number | undefined;
/** A multi-valued reader (symptoms): every symptom's value. */
export type ManyReader = (incident: Incident) => readonly (string | number | undefined)[];

export type FieldKind = 'string' | 'number' | 'severity';

export interface CompiledField {
  readonly path: string;
  readonly kind: FieldKind;
  /** Present for single-valued fields. */
  readonly one?: FieldReader;
  /** Present for `symptom.*` fields in matchers: any symptom may match. */
  readonly many?: ManyReader;
  /** Single value used by templates (for `symptom.*`, the highest-scoring symptom). */
  readonly single: FieldReader;
}

const INCIDENT_FIELDS: Record<string, { kind: FieldKind; read: FieldReader }> = {
  id: { kind: 'string', read: (i) => i.id },
  resource: { kind: 'string', read: (i) => i.resource },
  severity: { kind: 'severity', read: (i) => i.severity },
  status: { kind: 'string', read: (i) => i.status ?? 'firing' },
  openedAt: { kind: 'number', read: (i) => i.openedAt },
};

const SYMPTOM_FIELDS: Record<
  string,
  { kind: FieldKind; read: (s: Symptom) => string | number | undefined }
> = {
  series: { kind: 'string', read: (s) => s.series },
  resource: { kind: 'string', read: (s) => s.resource },
  metric: { kind: 'string', read: (s) => s.metric },
  detector: { kind: 'string', read: (s) => s.detector },
  value: { kind: 'number', read: (s) => s.value },
  score: { kind: 'number', read: (s) => s.score },
};

// A NaN score (a broken upstream detector) must not win by coming first: `x > NaN` is false, so
// a leading NaN used to hide every real score, and the symptoms' order changed the decision.
const scored = (s: Symptom): boolean => typeof s.score === 'number' && !Number.isNaN(s.score);

/** The highest-scoring symptom (NaN scores skipped; the first one when none has a score), or undefined. */
export function topSymptom(incident: Incident): Symptom | undefined {
  let best: Symptom | undefined;
  for (const s of incident.symptoms)
    if (scored(s) && (best === undefined || s.score > best.score)) best = s;
  return best ?? incident.symptoms[0];
}

/**
 * The largest symptom score, NaN scores skipped; NaN when there are symptoms but none has a score
 * (so it matches no comparison and adds no confidence), undefined when there are no symptoms.
 */
export function maxScore(incident: Incident): number | undefined {
  let best: number | undefined;
  for (const s of incident.symptoms)
    if (scored(s) && (best === undefined || s.score > best)) best = s.score;
  return best ?? (incident.symptoms.length > 0 ? Number.NaN : undefined);
}

/** Every field name a policy may match on or a template may name, for error messages. */
export const FIELD_HELP =
  'label.<name>, annotation.<name>, incident.(id|resource|severity|status|openedAt), severity, score, ' +
  'rootCause, rootCause.score, symptom.(series|resource|metric|detector|value|score)';

/**
 * Compiles a field path (`label.pod`, `incident.resource`, `score`…) into a reader.
 * Returns a string describing the problem when the path is unknown.
 */
export function compileField(path: string): CompiledField | string {
  const dot = path.indexOf('.');
  const head = dot < 0 ? path : path.slice(0, dot);
  const rest = dot < 0 ? '' : path.slice(dot + 1);
  switch (head) {
    case 'label':
    case 'annotation': {
      if (rest === '') return `"${path}" needs a name after "${head}."`;
      const name = rest;
      const read: FieldReader =
        head === 'label' ? (i) => i.labels[name] : (i) => i.annotations?.[name];
      return { path, kind: 'string', one: read, single: read };
    }
    case 'severity':
      if (rest !== '') break;
      return compileField('incident.severity');
    case 'incident': {
      const f = INCIDENT_FIELDS[rest];
      if (f === undefined || !Object.hasOwn(INCIDENT_FIELDS, rest)) break;
      return { path, kind: f.kind, one: f.read, single: f.read };
    }
    case 'score': {
      if (rest !== '') break;
      return { path, kind: 'number', one: maxScore, single: maxScore };
    }
    case 'rootCause': {
      if (rest === '' || rest === 'node') {
        const read: FieldReader = (i) => i.rootCauses?.[0]?.node;
        return { path, kind: 'string', one: read, single: read };
      }
      if (rest === 'score') {
        const read: FieldReader = (i) => i.rootCauses?.[0]?.score;
        return { path, kind: 'number', one: read, single: read };
      }
      break;
    }
    case 'symptom': {
      const f = SYMPTOM_FIELDS[rest];
      if (f === undefined || !Object.hasOwn(SYMPTOM_FIELDS, rest)) break;
      const readS = f.read;
      return {
        path,
        kind: f.kind,
        many: (i) => i.symptoms.map(readS),
        single: (i) => {
          const s = topSymptom(i);
          return s === undefined ? undefined : readS(s);
        },
      };
    }
    default:
      break;
  }
  return `unknown field "${path}" (known: ${FIELD_HELP})`;
}

/** Rank of a severity name, or -1 when the string is not a severity. */
export function rankOf(value: string): number {
  return severityRank(value as Severity);
}
