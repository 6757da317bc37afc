import { decompose } from '../decompose.js';
import { meanOf, nelderMead, squash, unsquash } from './math.js';

/** Trend component of an exponential-smoothing model. */
export type TrendKind = 'none' | 'additive' | 'damped';
/** Seasonal component of an exponential-smoothing model. */
export type SeasonKind = 'none' | 'additive' | 'multiplicative';

export interface EtsSpec {
  readonly trend: TrendKind;
  readonly season: SeasonKind;
  /** Seasonal period in steps (ignored when `season` is `none`). */
  readonly m: number;
}

export interface EtsParams {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

const EPS = 1e-10;

/**
 * The state of a Holt-Winters / exponential-smoothing model in error-correction form, with
 * its parameters. `phase` is the seasonal slot of the next observation.
 */
export class EtsCore {
  l = 0;
  b = 0;
  s: Float64Array;
  phase = 0;
  /** Residual scale: absolute for additive seasons, relative for multiplicative ones. */
  sigma = 0;
  /** Sum of squared one-step errors over the history (absolute or relative). */
  sse = 0;
  n = 0;

  constructor(
    readonly spec: EtsSpec,
    readonly params: EtsParams,
  ) {
    this.s = new Float64Array(spec.season === 'none' ? 1 : spec.m);
  }

  /** One-step forecast of the next observation. */
  oneStep(): number {
    const base = this.l + (this.spec.trend === 'none' ? 0 : this.params.phi * this.b);
    switch (this.spec.season) {
      case 'none':
        return base;
      case 'additive':
        return base + this.s[this.phase]!;
      case 'multiplicative':
        return base * this.s[this.phase]!;
    }
  }

  /** Advances the state by one observation; returns the one-step error (absolute or relative). */
  step(y: number): number {
    const { alpha, beta, gamma, phi } = this.params;
    const trended = this.spec.trend !== 'none';
    const damp = trended ? phi * this.b : 0;
    const base = this.l + damp;
    const lPrev = this.l;
    let err: number;
    switch (this.spec.season) {
      case 'none': {
        err = y - base;
        this.l = base + alpha * err;
        break;
      }
      case 'additive': {
        const s = this.s[this.phase]!;
        err = y - base - s;
        this.l = alpha * (y - s) + (1 - alpha) * base;
        this.s[this.phase] = gamma * (y - base) + (1 - gamma) * s;
        break;
      }
      case 'multiplicative': {
        const s = this.s[this.phase]!;
        const b = Math.max(base, EPS);
        const yhat = b * s;
        err = (y - yhat) / Math.max(Math.abs(yhat), EPS);
        this.l = Math.max(alpha * (y / Math.max(s, EPS)) + (1 - alpha) * b, EPS);
        this.s[this.phase] = gamma * (y / b) + (1 - gamma) * s;
        break;
      }
    }
    if (trended) this.b = beta * (this.l - lPrev) + (1 - beta) * damp;
    if (this.spec.season !== 'none') this.phase = (this.phase + 1) % this.spec.m;
    this.n++;
    this.sse += err * err;
    return err;
  }

  /** Mean and interval half-width multipliers (`σ·√v_h`) for `h` steps ahead. */
  forecast(h: number): { mean: number[]; sd: number[] } {
    const { alpha, beta, gamma, phi } = this.params;
    const trended = this.spec.trend !== 'none';
    const damped = this.spec.trend === 'damped';
    const m = this.spec.m;
    const mean: number[] = [];
    const sd: number[] = [];
    let phiSum = 0; // φ + φ² + … + φ^j
    let phiPow = 1;
    let v = 1;
    for (let j = 1; j <= h; j++) {
      if (j > 1) {
        // c_{j-1}: how much an innovation j-1 steps back moves this forecast.
        const k = j - 1;
        const c =
          alpha +
          (trended ? alpha * beta * phiSum : 0) +
          (this.spec.season !== 'none' && k % m === 0 ? gamma * (1 - alpha) : 0);
        v += c * c;
      }
      phiPow *= damped ? phi : 1;
      phiSum += damped ? phiPow : 1;
      const base = this.l + (trended ? phiSum * this.b : 0);
      const p = (this.phase + j - 1) % (this.spec.season === 'none' ? 1 : m);
      let mu: number;
      let scale: number;
      switch (this.spec.season) {
        case 'none':
          mu = base;
          scale = this.sigma;
          break;
        case 'additive':
          mu = base + this.s[p]!;
          scale = this.sigma;
          break;
        case 'multiplicative':
          mu = Math.max(base, 0) * this.s[p]!;
          scale = this.sigma * Math.abs(mu);
          break;
      }
      mean.push(mu);
      sd.push(scale * Math.sqrt(v));
    }
    return { mean, sd };
  }

  clone(): EtsCore {
    const c = new EtsCore(this.spec, { ...this.params });
    c.l = this.l;
    c.b = this.b;
    c.s = this.s.slice();
    c.phase = this.phase;
    c.sigma = this.sigma;
    c.sse = this.sse;
    c.n = this.n;
    return c;
  }
}

/** Initial level, trend and seasonal indices from the first cycles of `y`. */
function initialState(
  y: readonly number[],
  spec: EtsSpec,
): { l: number; b: number; s: Float64Array } {
  const n = y.length;
  const m = spec.m;
  if (spec.season === 'none') {
    const k = Math.min(n, 10);
    const l = y[0]!;
    const b =
      k > 1
        ? (meanOf(y, k - Math.ceil(k / 2), k) - meanOf(y, 0, Math.ceil(k / 2))) /
          Math.max(1, k - Math.ceil(k / 2))
        : 0;
    return { l, b: spec.trend === 'none' ? 0 : b, s: new Float64Array(1) };
  }
  const head = y.slice(0, Math.min(n, 4 * m));
  const type = spec.season === 'multiplicative' ? 'multiplicative' : 'additive';
  const { indices } = decompose(head, m, type);
  const des = head.map((v, t) =>
    type === 'multiplicative' ? v / Math.max(indices[t % m]!, EPS) : v - indices[t % m]!,
  );
  const first = meanOf(des, 0, m);
  const second = meanOf(des, m, 2 * m);
  const b = spec.trend === 'none' ? 0 : (second - first) / m;
  // The level at time -1, so the first step forecasts y[0].
  const l = first - b * ((m + 1) / 2);
  return { l, b, s: Float64Array.from(indices) };
}

function run(
  y: readonly number[],
  spec: EtsSpec,
  start: { params: EtsParams; init: { l: number; b: number; s: Float64Array } },
): EtsCore {
  const { params, init } = start;
  const core = new EtsCore(spec, params);
  core.l = init.l;
  core.b = init.b;
  core.s = init.s.slice();
  for (let i = 0; i < y.length; i++) core.step(y[i]!);
  core.sigma = Math.sqrt(core.sse / Math.max(1, core.n - 1));
  return core;
}

/** Whether `y` is long enough for the seasonal form of `spec`. */
export function seasonalFits(n: number, spec: EtsSpec): boolean {
  return spec.season === 'none' || (spec.m >= 2 && n >= 2 * spec.m);
}

/**
 * Fits an exponential-smoothing model by least squares on the one-step errors (Nelder–Mead over
 * the smoothing parameters). `fixed` pins parameters instead of estimating them.
 */
export function fitEts(
  y: readonly number[],
  spec: EtsSpec,
  options: { fixed?: Partial<EtsParams>; maxEvals?: number } = {},
): EtsCore {
  const init = initialState(y, spec);
  const fixed = options.fixed ?? {};
  const trended = spec.trend !== 'none';
  const seasonal = spec.season !== 'none';
  const damped = spec.trend === 'damped';
  type Key = keyof EtsParams;
  const free: Key[] = [];
  if (fixed.alpha === undefined) free.push('alpha');
  if (trended && fixed.beta === undefined) free.push('beta');
  if (seasonal && fixed.gamma === undefined) free.push('gamma');
  if (damped && fixed.phi === undefined) free.push('phi');
  const start: EtsParams = {
    alpha: fixed.alpha ?? 0.3,
    beta: fixed.beta ?? 0.05,
    gamma: fixed.gamma ?? 0.1,
    phi: fixed.phi ?? (damped ? 0.95 : 1),
  };
  const bounds: Record<Key, [number, number]> = {
    alpha: [1e-4, 0.9999],
    beta: [1e-4, 0.9999],
    gamma: [1e-4, 0.9999],
    phi: [0.8, 0.98],
  };
  const decode = (v: readonly number[]): EtsParams => {
    const p = { ...start };
    free.forEach((k, i) => {
      p[k] = squash(v[i]!, bounds[k][0], bounds[k][1]);
    });
    if (!trended) p.beta = 0;
    if (!damped) p.phi = 1;
    // Keep the seasonal smoothing admissible: γ ≤ 1 − α.
    if (seasonal && fixed.gamma === undefined) p.gamma = p.gamma * (1 - p.alpha);
    return p;
  };
  if (free.length === 0) return run(y, spec, { params: decode([]), init });
  const x0 = free.map((k) =>
    unsquash(
      k === 'gamma' ? start.gamma / (1 - start.alpha) : start[k],
      bounds[k][0],
      bounds[k][1],
    ),
  );
  const best = nelderMead((v) => run(y, spec, { params: decode(v), init }).sse, x0, {
    maxEvals: options.maxEvals ?? 60 + 40 * free.length,
  });
  return run(y, spec, { params: decode(best.x), init });
}
