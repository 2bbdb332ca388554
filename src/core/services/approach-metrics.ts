/**
 * Counters approaches add to the proxy's /metrics, as an interface (the runtime implements it with prom-client).
 * @example context.metrics?.countRouterChoice('math', 'executecode')
 */
export interface ApproachMetrics {
  /** One routed request: the category the router saw and the approach it ran. */
  countRouterChoice(category: string, approach: string, method: 'classifier' | 'rules'): void
}
