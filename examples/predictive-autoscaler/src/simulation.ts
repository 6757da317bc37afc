/**
 * A simulated cluster under a daily traffic pattern, scaled by the Kubernetes-HPA rules of
 * `@homeostat/decision-engine` — once reactively (the present metric only) and once predictively
 * (`forecast` from `@homeostat/predictors` feeding `recommendScaling`). Everything runs in event
 * time, one step per simulated minute, so four days take a second or two.
 *
 * The cluster: each replica serves `capacity` requests/s; a new replica takes `startupMinutes`
 * to become ready (scale-down is immediate). Demand beyond the ready capacity is dropped.
 */
import { Subject, merge, share, type Subscription } from 'rxjs';
import { seededRandom, type Forecast, type Sample } from '@homeostat/core';
import { createMstl, forecast } from '@homeostat/predictors';
import { recommendScaling, type ScalingRecommendation } from '@homeostat/decision-engine';

const MINUTE = 60_000;
const DAY = 24 * 60;
/** Event time of the first simulated minute. */
export const T0 = Date.UTC(2026, 2, 2, 0, 0);
/** The series the scaler works on. */
export const SERIES = 'checkout:requests_per_second';

/** Options of {@link simulate}. */
export interface SimulationOptions {
  /** Simulated days; the surge is on the last one (default 4). */
  readonly days?: number;
  /** Requests/s one replica can serve (default 100). */
  readonly capacity?: number;
  /** Requests/s per replica the scaler aims for (default 75, i.e. 75 % utilisation). */
  readonly target?: number;
  /** Minutes before a new replica serves traffic (default 4). */
  readonly startupMinutes?: number;
  readonly maxReplicas?: number;
  /** Scale with forecasts (true) or from the present metric only (false). */
  readonly predictive: boolean;
  /** Seed of the demand noise (default 11). */
  readonly seed?: number;
}

/** One simulated minute. */
export interface Step {
  readonly t: number;
  readonly demand: number;
  /** Replicas asked for (ready + starting). */
  readonly replicas: number;
  readonly ready: number;
  /** Demand / ready capacity. */
  readonly utilisation: number;
  /** Requests/s not served this minute. */
  readonly dropped: number;
  /** The forecast furthest ahead known at this minute, when predictive. */
  readonly forecast?: number;
  readonly recommendation: ScalingRecommendation;
}

/** When the surge happens on the last day, as minutes of that day. */
export const SURGE = { startMinute: 14 * 60, rampMinutes: 10, minutes: 70, factor: 1.8 } as const;

/**
 * Requests/s at minute `i`: quiet nights, a sharp rise when the working day starts at 08:45
 * (every day — predictable), a lunch peak, an evening shoulder; on the last day, a surge at
 * 14:00 that no history predicts.
 */
export function demandAt(i: number, days: number, noise: number): number {
  const m = i % DAY;
  const h = m / 60;
  const workday = 1 / (1 + Math.exp(-(m - 8 * 60 - 52) / 3)); // 08:40 → 09:05, steep
  const evening = 1 / (1 + Math.exp((m - 18 * 60) / 40)); // fades from 18:00
  const lunch = Math.exp(-((h - 12.5) ** 2) / 2);
  let d = 250 + 850 * workday * evening + 250 * lunch * workday;
  if (i >= (days - 1) * DAY) {
    const into = m - SURGE.startMinute;
    if (into >= 0 && into < SURGE.minutes) {
      const ramp = Math.min(
        1,
        into / SURGE.rampMinutes,
        (SURGE.minutes - into) / SURGE.rampMinutes,
      );
      d *= 1 + (SURGE.factor - 1) * ramp;
    }
  }
  return d * (1 + noise);
}

/** Runs one simulation and returns every minute. */
export function simulate(options: SimulationOptions): Step[] {
  const days = options.days ?? 4;
  const capacity = options.capacity ?? 100;
  const target = options.target ?? 75;
  const startup = options.startupMinutes ?? 4;
  const random = seededRandom(options.seed ?? 11);

  // The cluster: replicas ready now, and replicas starting with the minute they become ready.
  let ready = 4;
  let starting: number[] = [];
  const replicas = (): number => ready + starting.length;

  const samples$ = new Subject<Sample>();
  const shared$ = samples$.pipe(share());
  let lastForecast: Forecast | undefined;
  // Forecasts of the next 5 and 10 minutes from an MSTL model with a daily profile, refitted
  // every 3 hours of event time. They are merged ahead of the samples, so the recommendation
  // for a minute sees the forecasts made from that minute.
  const forecasts$ = shared$.pipe(
    forecast(() => createMstl({ periods: [DAY] }), {
      horizons: [5 * MINUTE, 10 * MINUTE],
      refitEveryMs: 3 * 60 * MINUTE,
      stepMs: MINUTE,
      minHistory: 60,
    }),
  );
  const input$ = options.predictive ? merge(forecasts$, shared$) : shared$;

  const steps: Step[] = [];
  let pending: { t: number; demand: number } | undefined;
  const sub: Subscription = input$
    .pipe(
      recommendScaling(
        {
          hpa: { minReplicas: 2, maxReplicas: options.maxReplicas ?? 40 },
          target,
          metric: 'total',
          predictive: { enabled: options.predictive },
        },
        { currentReplicas: () => replicas() },
      ),
    )
    .subscribe((r) => {
      // Apply the recommendation: new replicas start, extra ones stop at once (starting first).
      const now = replicas();
      const minute = Math.round((r.t - T0) / MINUTE);
      if (r.desiredReplicas > now) {
        for (let k = now; k < r.desiredReplicas; k++) starting.push(minute + startup);
      } else {
        let remove = now - r.desiredReplicas;
        while (remove > 0 && starting.length > 0) {
          starting.pop();
          remove--;
        }
        ready -= remove;
      }
      const p = pending!;
      steps.push({
        t: p.t,
        demand: p.demand,
        replicas: replicas(),
        ready,
        utilisation: p.demand / (ready * capacity),
        dropped: Math.max(0, p.demand - ready * capacity),
        ...(lastForecast && options.predictive ? { forecast: lastForecast.mean } : {}),
        recommendation: r,
      });
    });
  const fsub = options.predictive
    ? forecasts$.subscribe((f) => {
        if (f.horizonMs === 10 * MINUTE) lastForecast = f;
      })
    : undefined;

  for (let i = 0; i < days * DAY; i++) {
    // Replicas whose start-up is over serve from this minute.
    const done = starting.filter((m) => m <= i).length;
    if (done > 0) {
      ready += done;
      starting = starting.filter((m) => m > i);
    }
    const t = T0 + i * MINUTE;
    const demand = demandAt(i, days, (random() - 0.5) * 0.06);
    pending = { t, demand };
    samples$.next({ series: SERIES, t, value: demand });
  }
  samples$.complete();
  sub.unsubscribe();
  fsub?.unsubscribe();
  return steps;
}

/** Totals of a run over some minutes. */
export interface Summary {
  /** Minutes in which demand exceeded the ready capacity. */
  readonly minutesOverCapacity: number;
  /** Requests not served (requests/s × 60 per minute). */
  readonly droppedRequests: number;
  /** Replica-hours paid for (ready + starting). */
  readonly replicaHours: number;
  /** Mean utilisation of the ready replicas. */
  readonly meanUtilisation: number;
  readonly peakReplicas: number;
}

/** Sums up `steps`. */
export function summarise(steps: readonly Step[]): Summary {
  let over = 0;
  let dropped = 0;
  let replicaMinutes = 0;
  let util = 0;
  let peak = 0;
  for (const s of steps) {
    if (s.dropped > 0) over++;
    dropped += s.dropped * 60;
    replicaMinutes += s.replicas;
    util += Math.min(s.utilisation, 1);
    peak = Math.max(peak, s.replicas);
  }
  return {
    minutesOverCapacity: over,
    droppedRequests: Math.round(dropped),
    replicaHours: replicaMinutes / 60,
    meanUtilisation: steps.length === 0 ? 0 : util / steps.length,
    peakReplicas: peak,
  };
}
