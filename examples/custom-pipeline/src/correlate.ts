/**
 * A hand-written correlation step: anomalies on the same or on connected resources that arrive
 * close together (event time) become one incident. This is the part of a loop that is most
 * specific to each system, so the example writes it as a plain RxJS operator.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import {
  OperatorError,
  resolveOnError,
  type Anomaly,
  type Incident,
  type OperatorDeps,
  type Severity,
  type Symptom,
} from '@homeostat/core';

/** Options of {@link correlate}. */
export interface CorrelateOptions {
  /** An incident is closed (emitted) once no related anomaly arrived for this long (event time). */
  readonly quietMs: number;
  /** Incidents open at once; beyond it the oldest is emitted early (counted). Default 100. */
  readonly maxOpen?: number;
  /** Symptoms kept per incident; later ones are counted, not kept. Default 50. */
  readonly maxSymptoms?: number;
}

/** Capabilities of {@link correlate}. */
export interface CorrelateDeps extends OperatorDeps {
  /** True when two resources are connected, for example by the dependency graph. */
  readonly related?: (a: string, b: string) => boolean;
}

/** Counters of {@link correlate}, updated in place. */
export interface CorrelateStats {
  opened: number;
  emitted: number;
  closedEarly: number;
  droppedSymptoms: number;
}

interface Open {
  readonly id: string;
  readonly resources: Set<string>;
  readonly symptoms: Symptom[];
  readonly openedAt: number;
  lastAt: number;
}

/** `resource:metric` → its parts (a series without `:` is its own resource). */
export function splitSeries(series: string): { resource: string; metric: string } {
  const i = series.indexOf(':');
  return i < 0
    ? { resource: series, metric: 'value' }
    : { resource: series.slice(0, i), metric: series.slice(i + 1) };
}

function severityOf(score: number): Severity {
  if (score >= 0.99) return 'critical';
  if (score >= 0.8) return 'error';
  return 'warning';
}

/**
 * `Anomaly` in, `Incident` out. Incidents are emitted when they have been quiet for `quietMs`
 * (checked as later anomalies arrive) and, for those still open, when the source completes.
 * A throw on one anomaly is reported through `deps.onError` and that anomaly skipped.
 */
export function correlate(
  options: CorrelateOptions,
  deps: CorrelateDeps = {},
  stats: CorrelateStats = { opened: 0, emitted: 0, closedEarly: 0, droppedSymptoms: 0 },
): OperatorFunction<Anomaly, Incident> {
  const onError = resolveOnError(deps);
  const related = deps.related ?? ((a: string, b: string) => a === b);
  const maxOpen = options.maxOpen ?? 100;
  const maxSymptoms = options.maxSymptoms ?? 50;
  return (source) =>
    new Observable<Incident>((subscriber) => {
      let open: Open[] = [];
      let sequence = 0;
      const emit = (o: Open): void => {
        const top = o.symptoms.reduce((a, b) => (b.score > a.score ? b : a));
        stats.emitted++;
        subscriber.next({
          id: o.id,
          // The incident is about the resource of its first symptom; the root-cause ranking that
          // follows says which one most likely caused it.
          resource: o.symptoms[0]!.resource ?? top.series,
          symptoms: o.symptoms.slice(),
          severity: severityOf(top.score),
          openedAt: o.openedAt,
          labels: { resources: [...o.resources].sort().join(',') },
        });
      };
      const subscription = source.subscribe({
        next(a) {
          try {
            const t = a.sample.t;
            const quiet = open.filter((o) => t - o.lastAt > options.quietMs);
            open = open.filter((o) => t - o.lastAt <= options.quietMs);
            for (const o of quiet) emit(o);
            const { resource, metric } = splitSeries(a.sample.series);
            const symptom: Symptom = {
              series: a.sample.series,
              resource,
              metric,
              t,
              value: a.sample.value,
              score: a.score,
              detector: a.detector,
              ...(a.explanation === undefined ? {} : { explanation: a.explanation }),
            };
            const match = open.find((o) =>
              [...o.resources].some((r) => r === resource || related(r, resource)),
            );
            if (match) {
              match.lastAt = t;
              match.resources.add(resource);
              if (match.symptoms.length < maxSymptoms) match.symptoms.push(symptom);
              else stats.droppedSymptoms++;
              return;
            }
            stats.opened++;
            open.push({
              id: `inc-${++sequence}`,
              resources: new Set([resource]),
              symptoms: [symptom],
              openedAt: t,
              lastAt: t,
            });
            if (open.length > maxOpen) {
              stats.closedEarly++;
              emit(open.shift()!);
            }
          } catch (cause) {
            onError(new OperatorError('correlate', a, { cause }));
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          for (const o of open) emit(o);
          open = [];
          subscriber.complete();
        },
      });
      return () => subscription.unsubscribe();
    });
}
