/**
 * Correlates anomalies into incidents: anomalies on the same or on connected resources that
 * arrive close together become one incident, emitted once after a short gathering window so the
 * root-cause ranking sees all of its symptoms.
 */
import {
  Observable,
  asyncScheduler,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import {
  OperatorError,
  resolveOnError,
  type Anomaly,
  type Incident,
  type OperatorDeps,
  type Severity,
  type Symptom,
} from '@homeostat/core';

/** Options of {@link toIncidents}. */
export interface ToIncidentsOptions {
  /** Time from the first symptom to emitting the incident (scheduler time). */
  readonly gatherMs: number;
  /** An incident takes new symptoms until it has been quiet this long (event time). */
  readonly quietMs: number;
  /** Most incidents open at once (oldest closed beyond it). */
  readonly maxOpen?: number;
  /** Most symptoms kept per incident (later ones are counted, not kept). */
  readonly maxSymptoms?: number;
}

/** Capabilities of {@link toIncidents}. */
export interface ToIncidentsDeps extends OperatorDeps {
  /** True when two resources are connected (for example by the dependency graph). */
  readonly related?: (a: string, b: string) => boolean;
  /** Counters the host can read. */
  readonly stats?: { opened: number; absorbed: number; droppedSymptoms: number };
}

interface Open {
  readonly id: string;
  /** Resource and route of each symptom: different routes of one service are different problems. */
  readonly keys: Set<string>;
  readonly resources: Set<string>;
  readonly symptoms: Symptom[];
  readonly openedAt: number;
  lastAt: number;
  emitted: boolean;
  timer?: Subscription;
}

/** The component and metric of a series named `resource:…:metric`. */
export function parseSeries(series: string): { resource: string; metric: string; route?: string } {
  const parts = series.split(':');
  const resource = parts[0] ?? series;
  const metric = parts.length > 1 ? parts[parts.length - 1]! : 'value';
  return parts.length > 2
    ? { resource, metric, route: parts.slice(1, -1).join(':') }
    : { resource, metric };
}

function severityOf(score: number): Severity {
  if (score >= 0.99) return 'critical';
  if (score >= 0.8) return 'error';
  return 'warning';
}

let sequence = 0;

/**
 * The operator: `Anomaly` in, `Incident` out (once per incident, `gatherMs` after its first
 * symptom). A throw on one anomaly is reported through `deps.onError` and that anomaly skipped.
 */
export function toIncidents(
  options: ToIncidentsOptions,
  deps: ToIncidentsDeps = {},
): OperatorFunction<Anomaly, Incident> {
  const scheduler: SchedulerLike = deps.scheduler ?? asyncScheduler;
  const onError = resolveOnError(deps);
  const maxOpen = options.maxOpen ?? 100;
  const maxSymptoms = options.maxSymptoms ?? 50;
  const related = deps.related ?? ((a: string, b: string) => a === b);
  const stats = deps.stats ?? { opened: 0, absorbed: 0, droppedSymptoms: 0 };
  return (source) =>
    new Observable<Incident>((subscriber) => {
      const open: Open[] = [];
      const emit = (o: Open): void => {
        o.emitted = true;
        const top = o.symptoms.reduce((a, b) => (b.score > a.score ? b : a), o.symptoms[0]!);
        const { route } = parseSeries(top.series);
        const incident: Incident = {
          id: o.id,
          resource: top.resource ?? parseSeries(top.series).resource,
          symptoms: o.symptoms.slice(),
          severity: severityOf(top.score),
          openedAt: o.openedAt,
          labels: {
            service: top.resource ?? '',
            metric: top.metric ?? '',
            ...(route ? { route } : {}),
          },
        };
        subscriber.next(incident);
      };
      const subscription = source.subscribe({
        next(a) {
          try {
            const { resource, metric, route } = parseSeries(a.sample.series);
            const key = `${resource}|${route ?? ''}`;
            const t = a.sample.t;
            for (let i = open.length - 1; i >= 0; i--) {
              if (t - open[i]!.lastAt > options.quietMs) open.splice(i, 1)[0]!.timer?.unsubscribe();
            }
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
            // Same resource and route, or a different resource connected to one of the incident's.
            const match = open.find(
              (o) =>
                o.keys.has(key) ||
                [...o.resources].some((r) => r !== resource && related(r, resource)),
            );
            if (match) {
              match.lastAt = Math.max(match.lastAt, t);
              match.resources.add(resource);
              match.keys.add(key);
              if (match.emitted) stats.absorbed++;
              if (match.symptoms.length < maxSymptoms) match.symptoms.push(symptom);
              else stats.droppedSymptoms++;
              return;
            }
            const o: Open = {
              id: `inc-${(++sequence).toString(36)}-${t.toString(36)}`,
              keys: new Set([key]),
              resources: new Set([resource]),
              symptoms: [symptom],
              openedAt: t,
              lastAt: t,
              emitted: false,
            };
            stats.opened++;
            open.push(o);
            if (open.length > maxOpen) open.shift()!.timer?.unsubscribe();
            o.timer = scheduler.schedule(() => emit(o), options.gatherMs);
          } catch (cause) {
            onError(new OperatorError('toIncidents', a, { cause }));
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          for (const o of open) {
            o.timer?.unsubscribe();
            if (!o.emitted) emit(o);
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const o of open) o.timer?.unsubscribe();
      };
    });
}
