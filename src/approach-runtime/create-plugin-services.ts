import type { Config } from '../config.js'
import { ConfigError } from '../config.js'
import type { WebServices } from '../core/services/web.js'
import { parseAllowList } from '../fetch/address-policy.js'
import type { WebSettings } from '../fetch/create-web-services.js'
import { createMcpServices } from '../mcp/create-mcp-services.js'
import type { PipelineDependencies } from './run-approach.js'
import type { SearchSettings } from '../search/search-backend.js'

/**
 * The plugins' capabilities for one app, from the configuration: the guarded web layer (always; the search
 * backend when configured) and the MCP servers of the config file's `mcp_servers`. `close` ends the MCP
 * connections (stdio servers are child processes) and the fetch agent's sockets.
 * @example const plugins = createPluginServices(config); dependencies.services = plugins.services
 */
export function createPluginServices(config: Config): { services: NonNullable<PipelineDependencies['services']>; close(): Promise<void> } {
  let web: ReturnType<typeof createLazyWebServiceFactory>
  try {
    const search = readSearchSettings(config)
    web = createLazyWebServiceFactory({
      ...(config.fetchAllowHosts === undefined ? {} : { allowHosts: config.fetchAllowHosts }),
      timeoutMs: config.fetchTimeoutMs,
      maxBytes: config.fetchMaxBytes,
      maxTextChars: 200_000,
      maxFetchesPerRequest: config.fetchMaxPerRequest,
      ...(search === undefined ? {} : { search }),
    })
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  --fetch-allow-hosts / OPTIPROXY_FETCH_ALLOW_HOSTS: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
  const servers = config.file.mcp_servers ?? {}
  const mcp = Object.keys(servers).length === 0 ? undefined : createMcpServices({ servers, connectTimeoutMs: 15_000, callTimeoutMs: config.mcpCallTimeoutMs })
  return {
    services: { web, ...(mcp === undefined ? {} : { mcp }) },
    async close() {
      await Promise.allSettled([web.close(), mcp?.close()])
    },
  }
}

/**
 * The web layer (guarded agent, page cache, HTML and PDF readers, search backend), loaded by the first request that
 * fetches or searches: a proxy whose requests use no plugin never loads it. The allow list is checked at once (a bad
 * entry stops the proxy at start-up); each request's services keep their own fetch budget.
 * @example const web = createLazyWebServiceFactory(settings); await web.forRequest().fetchPage(url, signal)
 */
function createLazyWebServiceFactory(settings: WebSettings): { forRequest(): WebServices; close(): Promise<void> } {
  parseAllowList(settings.allowHosts)
  let factory: Promise<{ forRequest(): WebServices; close(): Promise<void> }> | undefined
  const loadFactory = () => (factory ??= import('../fetch/create-web-services.js').then(({ createWebServiceFactory }) => createWebServiceFactory(settings)))
  return {
    forRequest() {
      let services: Promise<WebServices> | undefined
      const loadServices = () => (services ??= loadFactory().then((loaded) => loaded.forRequest()))
      return {
        searchBackend: settings.search?.backend,
        fetchPage: async (url, signal) => (await loadServices()).fetchPage(url, signal),
        search: async (query, signal, limit) => (await loadServices()).search(query, signal, limit),
      }
    },
    async close() {
      await (await factory)?.close()
    },
  }
}

function readSearchSettings(config: Config): SearchSettings | undefined {
  const backend =
    config.searchBackend ??
    (config.searchUrl !== undefined ? 'searxng' : config.braveApiKey !== undefined ? 'brave' : config.tavilyApiKey !== undefined ? 'tavily' : undefined)
  if (backend === undefined) return undefined
  const apiKey = backend === 'brave' ? config.braveApiKey : backend === 'tavily' ? config.tavilyApiKey : undefined
  return {
    backend,
    timeoutMs: config.fetchTimeoutMs,
    ...(config.searchUrl === undefined ? {} : { url: config.searchUrl }),
    ...(apiKey === undefined ? {} : { apiKey }),
  }
}
