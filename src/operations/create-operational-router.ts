import type { Provider } from '../core/provider.js'
import type { Config } from '../config.js'
import { createProvidersRouter } from '../routing/create-providers.js'
import type { RouteTarget } from '../routing/create-model-router.js'
import { createRoutingGroup, type GroupTarget } from '../routing/create-routing-group.js'
import type { AppOperations } from './app-operations.js'
import { wrapProvider } from '../../providers/middleware/wrap-provider.js'
import { createOperationsMiddlewares, type ProviderOperationSettings } from './operations-middlewares.js'

const defaultFailureThreshold = 3
const defaultCooldownMs = 30_000

/**
 * A provider's operational settings: its `provider_limits` entry in the config file, else the global settings.
 * @example const settings = readProviderOperationSettings(config, 'groq')
 */
export function readProviderOperationSettings(config: Config, providerId: string): ProviderOperationSettings {
  const own = config.providerLimits[providerId] ?? {}
  const timeouts: ProviderOperationSettings['timeouts'] = {}
  const connectMs = own.connect_timeout_ms ?? config.connectTimeoutMs
  const firstByteMs = own.first_byte_timeout_ms ?? config.firstByteTimeoutMs
  const totalMs = own.total_timeout_ms ?? config.totalTimeoutMs
  const idleMs = own.idle_timeout_ms ?? config.idleTimeoutMs
  if (connectMs !== undefined) timeouts.connectMs = connectMs
  if (firstByteMs !== undefined) timeouts.firstByteMs = firstByteMs
  if (totalMs !== undefined) timeouts.totalMs = totalMs
  if (idleMs !== undefined) timeouts.idleMs = idleMs
  return { timeouts, maxConcurrent: own.max_concurrent ?? config.maxConcurrentUpstream, maxQueued: own.max_queued ?? config.maxQueuedUpstream }
}

/**
 * The pipeline's provider as production runs it: issue 3's model router, with every provider wrapped for
 * operations (deadlines, concurrency, metrics, health) and the config file's routing groups as aliases.
 * A test's stand-in provider (`override`) is wrapped the same way, as provider `override.id`.
 * @example const provider = createOperationalRouter(config, operations)
 */
export function createOperationalRouter(config: Config, operations: AppOperations, override?: Provider): Provider {
  const instrumentation = { metrics: operations.metrics, health: operations.health }
  if (override !== undefined)
    return wrapProvider(override, createOperationsMiddlewares(override.id, readProviderOperationSettings(config, override.id), instrumentation))
  return createProvidersRouter(config, {
    createMiddlewares: (id) => createOperationsMiddlewares(id, readProviderOperationSettings(config, id), instrumentation),
    reportListFailure: (providerId, error) =>
      operations.logger.warn(
        { provider: providerId, err: error instanceof Error ? error.message : String(error) },
        'model list of a provider failed; listed without it',
      ),
    createAliases: (providers) => {
      const aliases: Array<[string, RouteTarget]> = []
      for (const [alias, group] of Object.entries(config.groups)) {
        const targets: GroupTarget[] = group.targets.map((entry) => {
          const target = typeof entry === 'string' ? entry : entry.target
          const slash = target.indexOf('/')
          const providerId = target.slice(0, slash)
          const provider = providers.get(providerId)
          if (provider === undefined) throw new Error(`groups.${alias}: unknown provider '${providerId}'`)
          return { provider, providerId, model: target.slice(slash + 1), weight: typeof entry === 'string' ? 1 : (entry.weight ?? 1) }
        })
        const routingGroup = createRoutingGroup({
          id: alias,
          strategy: group.strategy,
          targets,
          failureThreshold: group.failure_threshold ?? defaultFailureThreshold,
          cooldownMs: group.cooldown_ms ?? defaultCooldownMs,
        })
        aliases.push([alias, { provider: routingGroup, model: alias }])
      }
      return aliases
    },
  })
}
