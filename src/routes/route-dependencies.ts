import type { HttpBindings } from '@hono/node-server'
import type { RequestRecord } from '../observability/request-record.js'
import type { AppOperations } from '../operations/app-operations.js'
import type { ResolvedApiKey } from '../operations/operations-file-schema.js'
import type { PipelineDependencies } from '../approach-runtime/run-approach.js'

export interface RouteDependencies {
  pipeline: PipelineDependencies
  /** Forward the client's bearer key upstream (the proxy has neither an upstream key nor client auth). */
  forwardClientKey: boolean
  keepAliveMs: number
  /** Largest accepted request body; larger is a 413. */
  bodyLimitBytes: number
  /** Metrics, logs, limits, deadlines, health and lifecycle (production operations). */
  operations: AppOperations
}

/** The Hono environment of the proxy: it runs on @hono/node-server, whose bindings give the Node request and response. */
export type AppEnv = { Bindings: HttpBindings; Variables: { record: RequestRecord; apiKey?: ResolvedApiKey; clientIdentity?: string } }
