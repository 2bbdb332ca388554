import { Hono, type Handler } from 'hono'
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
import { createMethodNotAllowedHandler, handleRetiredAssistantsApi, handleUnknownRoute } from './routes/fallback.js'
import { createListModelsHandler, createRetrieveModelHandler } from './routes/models.js'
import { createApproachServices } from './approach-runtime/approach-services.js'
import type { ResponsesService } from './responses/responses-service.js'
import type { AppEnv, RouteDependencies } from './routes/route-dependencies.js'
import { createErrorResponse } from './http/sse-writer.js'
import { observeRequests } from './observability/observe-requests.js'
import { createAppOperations, type AppOperations } from './operations/app-operations.js'
import { createOperationalRouter } from './operations/create-operational-router.js'
import { requireAdminAccess } from './middleware/require-admin-access.js'
import { findConsoleDirectory, mountConsole } from './routes/console-static.js'
import { createEvalReportHandler, createListEvalsHandler, createRetrieveEvalHandler, resolveEvalDirectory } from './routes/eval-reports.js'
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
    /** Receives the Responses API's close (its store and background runs, if they were made), for the server's shutdown. */
    onResponsesClose?: (close: () => Promise<void>) => void
    /** Receives the plugins' and approach services' close (MCP server processes, fetch sockets, the spl Redis connection, sandbox and solver workers), for the server's shutdown. */
    onPluginServices?: (close: () => Promise<void>) => void
  } = {},
): Hono<AppEnv> {
  const operations = overrides.operations ?? createAppOperations(config)
  // one Provider for the pipeline: the model router with its providers wrapped for operations and the routing
  // groups as aliases (or a test's stand-in, used for every model)
  const provider = createOperationalRouter(config, operations, overrides.provider)
  const optionProblems = findApproachOptionProblems(approachRegistry, config.approachOptions)
  if (optionProblems.length > 0)
    throw new ConfigError(`Invalid configuration:\n  --approach-options / OPTIPROXY_APPROACH_OPTIONS: ${optionProblems.join('; ')}`)
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

  // the Responses API's store and background runs; the server closes them at shutdown. In memory they are made by
  // the first Responses request; with Redis at start-up, as their worker also runs other instances' jobs
  let responsesService: Promise<ResponsesService> | undefined
  const loadResponsesService = (): Promise<ResponsesService> =>
    (responsesService ??= import('./responses/create-responses-service.js')
      .then(({ createResponsesService }) => createResponsesService(config, dependencies.pipeline, operations))
      .catch((error: unknown) => {
        // a failed start is logged and tried again by the next Responses request, not left as a rejection
        responsesService = undefined
        throw error
      }))
  if (config.redisUrl !== undefined)
    loadResponsesService().catch((error: unknown) => operations.logger.error({ err: error }, 'the Responses API could not start'))
  overrides.onResponsesClose?.(async () => {
    await (await responsesService?.catch(() => undefined))?.close()
  })
  const loadResponsesRoute = async () => ({ routes: await import('./routes/responses.js'), service: await loadResponsesService() })

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
  // every route but chat completions, the models list and the operational ones loads its code on first use
  app.post(
    '/v1/completions',
    loadOnFirstUse(async () => (await import('./routes/completions.js')).createCompletionsHandler(dependencies)),
  )
  app.get('/v1/models', createListModelsHandler(dependencies))
  app.get(
    '/v1/spl/strategies',
    loadOnFirstUse(async () => (await import('./routes/strategies.js')).createListStrategiesHandler(approachServices.strategies)),
  )
  app.get('/v1/models/:model{.+}', createRetrieveModelHandler(dependencies))
  app.post(
    '/v1/responses',
    loadOnFirstUse(async () => loadResponsesRoute().then(({ routes, service }) => routes.createResponsesHandler(dependencies, service))),
  )
  app.get(
    '/v1/responses/:id',
    loadOnFirstUse(async () => loadResponsesRoute().then(({ routes, service }) => routes.createRetrieveResponseHandler(dependencies, service))),
  )
  app.delete(
    '/v1/responses/:id',
    loadOnFirstUse(async () => loadResponsesRoute().then(({ routes, service }) => routes.createDeleteResponseHandler(service))),
  )
  app.post(
    '/v1/responses/:id/cancel',
    loadOnFirstUse(async () => loadResponsesRoute().then(({ routes, service }) => routes.createCancelResponseHandler(service))),
  )
  app.get(
    '/v1/responses/:id/input_items',
    loadOnFirstUse(async () => loadResponsesRoute().then(({ routes, service }) => routes.createListInputItemsHandler(service))),
  )
  // the Anthropic Messages API (issue 12): the same pipeline in Anthropic's dialect
  const anthropic = { signer: createThinkingSigner(config.thinkingSecret), isAnthropicModel: createAnthropicModelTest(config, provider) }
  app.post(
    '/v1/messages',
    loadOnFirstUse(async () => (await import('./routes/messages.js')).createMessagesHandler(dependencies, anthropic)),
  )
  app.post(
    '/v1/messages/count_tokens',
    loadOnFirstUse(async () => (await import('./routes/count-tokens.js')).createCountTokensHandler(dependencies, anthropic)),
  )

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
  app.get(
    '/v1/optiproxy/traces',
    loadOnFirstUse(async () => (await import('./routes/traces.js')).createListTracesHandler(operations.tracing)),
  )
  app.get(
    '/v1/optiproxy/traces/stream',
    loadOnFirstUse(async () =>
      (await import('./routes/traces.js')).createTraceStreamHandler(operations.tracing, config.keepAliveMs, () => operations.lifecycle.draining),
    ),
  )
  app.get(
    '/v1/optiproxy/traces/:id',
    loadOnFirstUse(async () => (await import('./routes/traces.js')).createRetrieveTraceHandler(operations.tracing)),
  )
  app.get(
    '/v1/optiproxy/health',
    loadOnFirstUse(async () => (await import('./routes/console-health.js')).createConsoleHealthHandler(operations)),
  )
  app.get('/v1/optiproxy/evals', createListEvalsHandler(evalFolder))
  app.get('/v1/optiproxy/evals/:name', createRetrieveEvalHandler(evalFolder))
  app.get('/v1/optiproxy/evals/:name/report.html', createEvalReportHandler(evalFolder))
  for (const path of ['/v1/optiproxy/traces', '/v1/optiproxy/traces/*', '/v1/optiproxy/health', '/v1/optiproxy/evals', '/v1/optiproxy/evals/*']) {
    app.all(path, createMethodNotAllowedHandler(['GET']))
  }
  // with an admin key the page itself (a login form, no data) loads for anyone; without one, loopback only
  mountConsole(app, findConsoleDirectory(), config.adminKey === undefined ? guard : undefined)
}

/**
 * A route's handler made on the route's first request, from a module loaded then (once; a failed load is tried
 * again by the next request). The route is registered at start-up (same path, method and errors); a proxy that
 * never serves it never loads its code (an idle proxy does not pay for dialects and features nobody used yet).
 * @example app.post('/v1/completions', loadOnFirstUse(async () => (await import('./routes/completions.js')).createCompletionsHandler(dependencies)))
 */
function loadOnFirstUse(create: () => Promise<Handler<AppEnv>>): Handler<AppEnv> {
  let handler: Promise<Handler<AppEnv>> | undefined
  return async (c, next) => {
    handler ??= create().catch((error: unknown) => {
      handler = undefined
      throw error
    })
    return (await handler)(c, next)
  }
}

/** A 5xx with a cause, or anything that is not a ProxyError (our bug): logged with its stack. */
function reportError(operations: AppOperations, error: unknown): void {
  if (error instanceof ProxyError && error.cause === undefined) return
  const cause = error instanceof ProxyError ? error.cause : error
  operations.logger.error(
    {
      err: cause instanceof Error ? { message: cause.message, stack: cause.stack } : String(cause),
      ...(error instanceof ProxyError ? { status: error.status } : {}),
    },
    error instanceof ProxyError ? error.message : 'unexpected error',
  )
}
