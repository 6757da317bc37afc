import {
  Observable,
  asyncScheduler,
  type OperatorFunction,
  type SchedulerLike,
  type Subscription,
} from 'rxjs';
import { z } from 'zod';
import {
  OperatorError,
  parseOptions,
  resolveOnError,
  type Anomaly,
  type Incident,
  type OperatorDeps,
  type Severity,
  type Symptom,
} from '@homeostat/core';
import type { DependencyGraph } from './dependency-graph.js';

/** Options of {@link toIncidents}. */
export const toIncidentsOptionsSchema = z
  .object({
    /**
     * Scheduler time, in ms, from an incident's first symptom to emitting it, so related
     * symptoms join (default 2000; 0 emits at the next scheduler turn).
     */
    gatherMs: z.number().min(0).default(2_000),
    /**
     * An incident takes new symptoms until it has had none for this long, in ms of event time
     * (`sample.t`) (default 300 000).
     */
    quietMs: z.number().positive().default(300_000),
    /**
     * Resources within this many dependency hops of an incident's resources, either direction,
     * join it (0..10, default 2; 0, or no `graph` in the deps, joins the same resource only).
     */
    relatedDepth: z.number().int().min(0).max(10).default(2),
    /** Most incidents open at once (default 1000); the oldest is closed beyond it (counted). */
    maxOpen: z.number().int().min(1).default(1_000),
    /** Most symptoms kept per incident (default 100); later ones are counted, not kept. */
    maxSymptoms: z.number().int().min(1).default(100),
    /**
     * Emit an incident again, with the same id and every symptom so far, `gatherMs` after a
     * symptom on a resource it did not yet include joins it once emitted and is kept (within
     * `maxSymptoms`) (default false: each
     * incident is emitted once). Use it when symptoms on dependent services can trail the first
     * by more than `gatherMs` and the root-cause ranking should see them.
     */
    reemitOnNewResource: z.boolean().default(false),
  })
  .strict();

/** Options of {@link toIncidents} (all optional). */
export type ToIncidentsOptions = z.input<typeof toIncidentsOptionsSchema>;

/** Counters of {@link toIncidents}, updated in place. */
export interface ToIncidentsStats {
  /** Incidents opened. */
  opened: number;
  /**
   * Emissions of an incident after its first (see `reemitOnNewResource`); optional so stats
   * objects made before the option existed still fit — it is set on the first re-emission.
   */
  reemitted?: number;
  /** Symptoms that joined an incident after it was emitted. */
  absorbed: number;
  /** Symptoms beyond `maxSymptoms`. */
  droppedSymptoms: number;
  /** Incidents closed early because `maxOpen` was reached. */
  evicted: number;
}

/** Capabilities of {@link toIncidents}. */
export interface ToIncidentsDeps extends OperatorDeps {
  /** Connects symptoms on different resources (dependency paths within `relatedDepth`). */
  readonly graph?: DependencyGraph;
  /** Counters the host can read (see {@link ToIncidentsStats}). */
  readonly stats?: ToIncidentsStats;
}

/** Where a series belongs: `resource:route…:metric` (the sidecar's naming), or labels. */
export interface SeriesParts {
  /** The component: `labels.service`, else the name's first part (the whole name if no `:`). */
  readonly resource: string;
  /** The metric: the name's last part, or `value` when the name has no `:`. */
  readonly metric: string;
  /** The route: `labels.route`, else the parts between the first and the last (absent if none). */
  readonly route?: string;
}

/**
 * Splits a series name of the form `resource[:route…]:metric`; `labels.service` and
 * `labels.route`, when present, take precedence.
 *
 * @example
 * ```ts
 * parseSeriesName('checkout:GET /pay:error_ratio'); // { resource: 'checkout', route: 'GET /pay', metric: 'error_ratio' }
 * ```
 */
export function parseSeriesName(
  series: string,
  labels?: Readonly<Record<string, string>>,
): SeriesParts {
  const parts = series.split(':');
  const resource = labels?.service ?? parts[0] ?? series;
  const metric = parts.length > 1 ? parts[parts.length - 1]! : 'value';
  const route = labels?.route ?? (parts.length > 2 ? parts.slice(1, -1).join(':') : undefined);
  return route === undefined ? { resource, metric } : { resource, metric, route };
}

function severityOf(score: number): Severity {
  if (score >= 0.99) return 'critical';
  if (score >= 0.8) return 'error';
  return 'warning';
}

interface Open {
  readonly id: string;
  /** `resource|route` of each symptom: two routes of one service are two problems. */
  readonly keys: Set<string>;
  readonly resources: Set<string>;
  readonly symptoms: Symptom[];
  readonly openedAt: number;
  lastAt: number;
  /** Emitted at least once. */
  emitted: boolean;
  /** An emission is scheduled (`timer`) and not yet made. */
  pending: boolean;
  timer: Subscription | undefined;
}

/**
 * Correlates anomalies into incidents: an anomaly joins an open incident that has a symptom on
 * the same resource and route, or on a resource connected to it in the dependency graph (within
 * `relatedDepth` hops, either direction); otherwise it opens a new one. Each incident is emitted
 * `gatherMs` after its first symptom, with every symptom gathered so far — pipe it into
 * `rankRootCauses` next. It is emitted once, unless `reemitOnNewResource` is set: then again,
 * with the same id, `gatherMs` after a symptom on a resource it did not include joins it.
 *
 * @remarks Incident ids are unique per subscription. The incident's resource and labels
 * (`service`, `metric`, `route`) come from its highest-scoring symptom; severity from that score
 * (≥ 0.99 critical, ≥ 0.8 error, else warning). A throw on one anomaly is reported through
 * `deps.onError` and that anomaly skipped; upstream errors pass through; on completion, and when an
 * incident closes (quiet or evicted), emissions still pending are made. Open incidents are bounded by `maxOpen`.
 * @throws {ConfigError} on bad options.
 * @example
 * ```ts
 * anomalies$.pipe(toIncidents({ gatherMs: 1_000 }, { graph }), rankRootCauses(graph), decide(engine));
 * ```
 */
export function toIncidents(
  options: ToIncidentsOptions = {},
  deps: ToIncidentsDeps = {},
): OperatorFunction<Anomaly, Incident> {
  const o = parseOptions(toIncidentsOptionsSchema, options, { source: 'toIncidents' });
  const scheduler: SchedulerLike = deps.scheduler ?? asyncScheduler;
  const onError = resolveOnError(deps);
  const graph = deps.graph;
  const stats = deps.stats ?? {
    opened: 0,
    reemitted: 0,
    absorbed: 0,
    droppedSymptoms: 0,
    evicted: 0,
  };
  const related = (a: string, b: string): boolean =>
    graph !== undefined &&
    o.relatedDepth > 0 &&
    graph.hasNode(a) &&
    graph.hasNode(b) &&
    (graph.paths(a, b, { maxDepth: o.relatedDepth, limit: 1 }).length > 0 ||
      graph.paths(b, a, { maxDepth: o.relatedDepth, limit: 1 }).length > 0);
  return (source) =>
    new Observable<Incident>((subscriber) => {
      const open: Open[] = [];
      let sequence = 0;
      const emit = (inc: Open): void => {
        if (inc.emitted) stats.reemitted = (stats.reemitted ?? 0) + 1;
        inc.emitted = true;
        inc.pending = false;
        const top = inc.symptoms.reduce((a, b) => (b.score > a.score ? b : a));
        const parts = parseSeriesName(top.series);
        subscriber.next({
          id: inc.id,
          resource: top.resource ?? parts.resource,
          symptoms: inc.symptoms.slice(),
          severity: severityOf(top.score),
          openedAt: inc.openedAt,
          labels: {
            service: top.resource ?? parts.resource,
            metric: top.metric ?? parts.metric,
            ...(parts.route === undefined ? {} : { route: parts.route }),
          },
        });
      };
      const subscription = source.subscribe({
        next(a) {
          try {
            const t = a.sample.t;
            const { resource, metric, route } = parseSeriesName(a.sample.series, a.sample.labels);
            const key = `${resource}|${route ?? ''}`;
            for (let i = open.length - 1; i >= 0; i--) {
              if (t - open[i]!.lastAt <= o.quietMs) continue;
              const closed = open.splice(i, 1)[0]!;
              closed.timer?.unsubscribe();
              if (closed.pending) emit(closed); // closed before its gathering window ended
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
            const match = open.find(
              (inc) =>
                inc.keys.has(key) ||
                [...inc.resources].some((r) => r !== resource && related(r, resource)),
            );
            if (match) {
              const newResource = !match.resources.has(resource);
              match.lastAt = Math.max(match.lastAt, t);
              match.keys.add(key);
              match.resources.add(resource);
              if (match.emitted) stats.absorbed++;
              const kept = match.symptoms.length < o.maxSymptoms;
              if (kept) match.symptoms.push(symptom);
              else stats.droppedSymptoms++;
              // Only a kept symptom changes what the incident would say.
              if (o.reemitOnNewResource && kept && newResource && match.emitted && !match.pending) {
                match.pending = true;
                match.timer = scheduler.schedule(() => emit(match), o.gatherMs);
              }
              return;
            }
            const inc: Open = {
              id: `inc-${t.toString(36)}-${(++sequence).toString(36)}`,
              keys: new Set([key]),
              resources: new Set([resource]),
              symptoms: [symptom],
              openedAt: t,
              lastAt: t,
              emitted: false,
              pending: true,
              timer: undefined,
            };
            stats.opened++;
            open.push(inc);
            if (open.length > o.maxOpen) {
              const oldest = open.shift()!;
              oldest.timer?.unsubscribe();
              stats.evicted++;
              if (oldest.pending) emit(oldest);
            }
            inc.timer = scheduler.schedule(() => emit(inc), o.gatherMs);
          } catch (cause) {
            onError(new OperatorError('toIncidents', a, { cause }));
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          for (const inc of open) {
            inc.timer?.unsubscribe();
            if (inc.pending) emit(inc);
          }
          subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        for (const inc of open) inc.timer?.unsubscribe();
      };
    });
}
