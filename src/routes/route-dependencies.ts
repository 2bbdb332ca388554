import type { PipelineDependencies } from '../run-approach.js'

export interface RouteDependencies {
  pipeline: PipelineDependencies
  /** Forward the client's bearer key upstream (the proxy has neither an upstream key nor client auth). */
  forwardClientKey: boolean
  keepAliveMs: number
  /** Largest accepted request body; larger is a 413. */
  bodyLimitBytes: number
}
