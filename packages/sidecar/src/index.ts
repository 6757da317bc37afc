/**
 * `@homeostat/sidecar`: HTTP middleware for node:http, Express and Fastify that turns every
 * request into an observation for the loop, protects the service from overload with an
 * adaptive concurrency limit and event-loop-delay shedding, serves health and Prometheus
 * metrics, injects faults on request, and observes outgoing calls.
 *
 * @packageDocumentation
 */
export {
  createSidecar,
  sidecarOptionsSchema,
  type Sidecar,
  type SidecarOptions,
  type ResolvedSidecarOptions,
  type SidecarDeps,
  type SidecarStats,
  type ReadinessReport,
  type EndpointHandler,
  type PromClientLike,
  type PromMetricConfig,
  type PromGaugeConstructor,
  type PromCounterConstructor,
  type PromRegistryLike,
} from './create-sidecar.js';
export { wrapListener, type WrapListenerOptions } from './wrap-listener.js';
export { expressSidecar, expressRoute, type ExpressMiddleware } from './express-sidecar.js';
export {
  fastifySidecar,
  type FastifySidecarPlugin,
  type FastifyInstanceLike,
  type FastifyRequestLike,
  type FastifyReplyLike,
  type FastifyHandlerLike,
  type FastifyRouteOptionsLike,
} from './fastify-sidecar.js';
export {
  createConcurrencyLimiter,
  concurrencyLimiterOptionsSchema,
  type ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  type ConcurrencyLimiterStats,
} from './concurrency-limiter.js';
export {
  createRateLimiter,
  rateLimiterOptionsSchema,
  type RateLimiter,
  type RateLimiterOptions,
  type RateLimiterDeps,
  type RateLimiterStats,
} from './rate-limiter.js';
export {
  LatencySketch,
  latencySketchOptionsSchema,
  type LatencySketchOptions,
} from './latency-sketch.js';
export {
  observeOutgoing,
  observeOutgoingOptionsSchema,
  type ObserveOutgoingOptions,
  type ObserveOutgoingDeps,
} from './observe-outgoing.js';
export { SidecarError, type SidecarStage } from './errors.js';
export type { LoadProbe } from './internal/overload.js';
