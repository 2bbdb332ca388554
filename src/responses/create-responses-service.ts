import type { Config } from '../config.js'
import type { PipelineDependencies } from '../run-approach.js'
import { createMemoryResponsesService, type ResponsesService } from './responses-service.js'

/**
 * The Responses service the configuration asks for: Redis-backed when REDIS_URL is set, else in memory.
 * @example const service = createResponsesService(config, pipeline)
 */
export function createResponsesService(config: Config, pipeline: PipelineDependencies): ResponsesService {
  return createMemoryResponsesService(pipeline, config)
}
