import type { Handler } from 'hono'
import type { StrategyStore } from '../core/services/strategy-store.js'
import type { AppEnv } from './route-dependencies.js'

/**
 * GET /v1/spl/strategies: the `spl` plugin's learned strategies by problem type (behind the /v1 key check), for
 * operators to inspect what is added to system prompts.
 * @example app.get('/v1/spl/strategies', createListStrategiesHandler(store))
 */
export function createListStrategiesHandler(store: StrategyStore): Handler<AppEnv> {
  return async function listStrategies(c) {
    return c.json({ object: 'spl.strategies', data: await store.listAll() })
  }
}
