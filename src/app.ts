import { Hono } from 'hono'
import { approachRegistry } from '../approaches/registry.js'
import type { Provider } from './core/provider.js'
import { findApproachOptionProblems } from './approach-runtime/request-settings.js'
import { ConfigError, type Config } from './config.js'
import { ProxyError } from './core/proxy-error.js'
import { createPluginServices } from './approach-runtime/create-plugin-services.js'
import { requireApiKey } from './middleware/require-api-key.js'
import { requireApiKeys } from './middleware/require-api-keys.js'
import { createAnthropicErrorResponse } from './anthropic/anthropic-error-body.js'
import { isAnthropicPath } from './anthropic/is-anthropic-path.js'
import { createThinkingSigner } from './anthropic/thinking-signature.js'
import { createChatCompletionsHandler } from './routes/chat-completions.js'
import { createCountTokensHandler } from './routes/count-tokens.js'
import { createMessagesHandler } from './routes/messages.js'
import { createCompletionsHandler } from './routes/completions.js'
import { createMethodNotAllowedHandler, handleRetiredAssistantsApi, handleUnknownRoute } from './routes/fallback.js'
import { createListModelsHandler, createRetrieveModelHandler } from './routes/models.js'
import {
  createCancelResponseHandler,
  createDeleteResponseHandler,
  createListInputItemsHandler,
  createResponsesHandler,
  createRetrieveResponseHandler,
} from './routes/responses.js'
import { createApproachServices } from './approach-runtime/approach-services.js'
import { createListStrategiesHandler } from './routes/strategies.js'
import { createResponsesService } from './responses/create-responses-service.js'
import type { ResponsesService } from './responses/responses-service.js'
import type { AppEnv, RouteDependencies } from './routes/route-dependencies.js'
import { createErrorResponse } from './http/sse-writer.js'
import { observeRequests } from './observability/observe-requests.js'
import { createAppOperations, type AppOperations } from './operations/app-operations.js'
import { createOperationalRouter } from './operations/create-operational-router.js'
import { requireAdminAccess } from './middleware/require-admin-access.js'
import { createConsoleHealthHandler } from './routes/console-health.js'
import { findConsoleDirectory, mountConsole } from './routes/console-static.js'
import { createEvalReportHandler, createListEvalsHandler, createRetrieveEvalHandler, resolveEvalDirectory } from './routes/eval-reports.js'
import { createListTracesHandler, createRetrieveTraceHandler, createTraceStreamHandler } from './routes/traces.js'
import { createHealthHandler, createMetricsHandler, createReadyHandler, recordError } from './routes/operations.js'

/**
 * The proxy as a Hono app. Everything it answers, errors included, is in the OpenAI shape.
 * @example const app = createApp(loadConfig([], process.env)); serve({ fetch: app.fetch, port: 8000 })
 */
export function createApp(
  config: Config,
  overrides: {
    provider?: Provider
    operations?: AppOperations
    onResponsesService?: (service: ResponsesService) => void
    /** Receives the plugins' and approach services' close (MCP server processes, fetch sockets, the spl Redis connection, sandbox and solver workers), for the server's shutdown. */
    onPluginServices?: (close: () => Promise<void>) => void
  } = {},
): Hono<AppEnv> {
  const operations = overrides.operations ?? createAppOperations(config)
  // one Provider for the pipeline: the model router with its providers wrapped for operations and the routing
  // groups as aliases (or a test's stand-in, used for every model)
  const provider = createOperationalRouter(config, operations, overrides.provider)
  const optionProblems = findApproachOptionProblems(approachRegistry, config.approachOptions)
  if (optionProblems.length > 0) throw new ConfigError(`Invalid configuration:\n  --approach-options / OPTIPROXY_APPROACH_OPTIONS: ${optionProblems.join('; ')}`)
  const plugins = createPluginServices(config)
  const approachServices = createApproachServices(
    operations.metrics.registry,
    { redisKeyPrefix: config.redisKeyPrefix, ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }) },
    { pythonTimeoutMs: config.pythonTimeoutMs, pythonMemoryMb: config.pythonMemoryMb, solverTimeoutMs: config.solverTimeoutMs },
  )
  overrides.onPluginServices?.(async () => {
    await Promise.all([plugins.close(), approachServices.close()])
  })
  const dependencies: RouteDependencies = {
    pipeline: {
      provider,
      services: { ...plugins.services, ...approachServices.services },
      registry: approachRegistry,
      defaultApproach: config.defaultApproach,
      ...(operations.tracing === undefined ? {} : { tracing: operations.tracing }),
      approachDefaults: {
        trace: config.approachTrace,
        maxUpstreamCalls: config.approachMaxUpstreamCalls,
        maxParallelCalls: config.approachMaxParallelCalls,
        approachOptions: config.approachOptions,
        ...(config.approachMaxTotalTokens === undefined ? {} : { maxTotalTokens: config.approachMaxTotalTokens }),
      },
    },
    forwardClientKey: config.openaiApiKey === undefined && config.proxyApiKey === undefined && config.apiKeys.length === 0,
    keepAliveMs: config.keepAliveMs,
    bodyLimitBytes: config.bodyLimitBytes,
    operations,
  }

  // the Responses API's store and background runs; the server closes it at shutdown
  const responses = createResponsesService(config, dependencies.pipeline, operations)
  overrides.onResponsesService?.(responses)

  const app = new Hono<AppEnv>()
  app.use('*', observeRequests(operations))
  app.get('/health', createHealthHandler(operations))
  app.get('/ready', createReadyHandler(operations))
  app.get('/metrics', createMetricsHandler(operations))

  // the admin surface (traces, console data) and the console: the admin key, else loopback clients only; before
  // the client-key check of /v1/*, which is not what guards it
  mountAdminRoutes(app, config, operations)

  if (config.apiKeys.length > 0) app.use('/v1/*', requireApiKeys(config.apiKeys, operations.rateLimiter))
  else if (config.proxyApiKey !== undefined) app.use('/v1/*', requireApiKey(config.proxyApiKey))
  app.post('/v1/chat/completions', createChatCompletionsHandler(dependencies))
  app.post('/v1/completions', createCompletionsHandler(dependencies))
  app.get('/v1/models', createListModelsHandler(dependencies))
  app.get('/v1/spl/strategies', createListStrategiesHandler(approachServices.strategies))
  app.get('/v1/models/:model{.+}', createRetrieveModelHandler(dependencies))
  app.post('/v1/responses', createResponsesHandler(dependencies, responses))
  app.get('/v1/responses/:id', createRetrieveResponseHandler(dependencies, responses))
  app.delete('/v1/responses/:id', createDeleteResponseHandler(responses))
  app.post('/v1/responses/:id/cancel', createCancelResponseHandler(responses))
  app.get('/v1/responses/:id/input_items', createListInputItemsHandler(responses))
  // the Anthropic Messages API (issue 12): the same pipeline in Anthropic's dialect
  const anthropic = { signer: createThinkingSigner(config.thinkingSecret), isAnthropicModel: createAnthropicModelTest(config, provider) }
  app.post('/v1/messages', createMessagesHandler(dependencies, anthropic))
  app.post('/v1/messages/count_tokens', createCountTokensHandler(dependencies, anthropic))

  for (const path of ['/v1/assistants', '/v1/assistants/*', '/v1/threads', '/v1/threads/*']) app.all(path, handleRetiredAssistantsApi)
  app.all('/v1/chat/completions', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/completions', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/models', createMethodNotAllowedHandler(['GET']))
  app.all('/v1/models/*', createMethodNotAllowedHandler(['GET']))
  app.all('/v1/responses', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/messages', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/messages/count_tokens', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/responses/:id', createMethodNotAllowedHandler(['GET', 'DELETE']))
  app.all('/v1/responses/:id/cancel', createMethodNotAllowedHandler(['POST']))
  app.all('/v1/responses/:id/input_items', createMethodNotAllowedHandler(['GET']))
  app.all('/health', createMethodNotAllowedHandler(['GET', 'HEAD']))
  app.all('/ready', createMethodNotAllowedHandler(['GET', 'HEAD']))
  app.all('/metrics', createMethodNotAllowedHandler(['GET', 'HEAD']))

  app.notFound(handleUnknownRoute)
  app.onError((error, c) => {
    if (!(error instanceof ProxyError) || error.status >= 500) reportError(operations, error)
    recordError(c, operations, error)
    // headers set before the error (Allow on a 405) stay on the answer
    const allow = c.res.headers.get('allow')
    const requestId = c.get('record')?.id
    const respond = isAnthropicPath(c.req.path) ? createAnthropicErrorResponse : createErrorResponse
    return respond(error, { ...(allow === null ? {} : { allow }), ...(requestId === undefined ? {} : { 'x-request-id': requestId }) })
  })
  return app
}

/**
 * Whether a model name (approach prefix removed) is served by an Anthropic provider: the built-in `anthropic` or
 * a config-file provider of type `anthropic`. A routing group or a test's stand-in provider is not.
 */
function createAnthropicModelTest(config: Config, provider: Provider): (model: string) => boolean {
  const router = provider as Provider & { resolveTarget?: (model: string) => { provider: Provider } }
  const resolveTarget = router.resolveTarget
  if (resolveTarget === undefined) return () => false
  return (model) => {
    try {
      const id = resolveTarget(model).provider.id
      return id === 'anthropic' ? (config.providers[id]?.type ?? 'anthropic') === 'anthropic' : config.providers[id]?.type === 'anthropic'
    } catch {
      return false
    }
  }
}

/** /v1/optiproxy/* (traces, their live feed, health, evaluation reports) and the console at /ui. */
function mountAdminRoutes(app: Hono<AppEnv>, config: Config, operations: AppOperations): void {
  const guard = requireAdminAccess(config.adminKey)
  const evalFolder = resolveEvalDirectory(config.evalDir)
  app.use('/v1/optiproxy/*', guard)
  app.get('/v1/optiproxy/traces', createListTracesHandler(operations.tracing))
  app.get('/v1/optiproxy/traces/stream', createTraceStreamHandler(operations.tracing, config.keepAliveMs, () => operations.lifecycle.draining))
  app.get('/v1/optiproxy/traces/:id', createRetrieveTraceHandler(operations.tracing))
  app.get('/v1/optiproxy/health', createConsoleHealthHandler(operations))
  app.get('/v1/optiproxy/evals', createListEvalsHandler(evalFolder))
  app.get('/v1/optiproxy/evals/:name', createRetrieveEvalHandler(evalFolder))
  app.get('/v1/optiproxy/evals/:name/report.html', createEvalReportHandler(evalFolder))
  for (const path of ['/v1/optiproxy/traces', '/v1/optiproxy/traces/*', '/v1/optiproxy/health', '/v1/optiproxy/evals', '/v1/optiproxy/evals/*']) {
    app.all(path, createMethodNotAllowedHandler(['GET']))
  }
  // with an admin key the page itself (a login form, no data) loads for anyone; without one, loopback only
  mountConsole(app, findConsoleDirectory(), config.adminKey === undefined ? guard : undefined)
}

/** A 5xx with a cause, or anything that is not a ProxyError (our bug): logged with its stack. */
function reportError(operations: AppOperations, error: unknown): void {
  if (error instanceof ProxyError && error.cause === undefined) return
  const cause = error instanceof ProxyError ? error.cause : error
  operations.logger.error(
    { err: cause instanceof Error ? { message: cause.message, stack: cause.stack } : String(cause), ...(error instanceof ProxyError ? { status: error.status } : {}) },
    error instanceof ProxyError ? error.message : 'unexpected error',
  )
}
