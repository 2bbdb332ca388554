import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig([], {})).toEqual({
      host: '127.0.0.1',
      port: 8000,
      openaiBaseUrl: 'https://api.openai.com/v1',
      bodyLimitBytes: 20 * 1024 * 1024,
      upstreamTimeoutMs: 600_000,
      upstreamMaxRetries: 0,
      keepAliveMs: 5_000,
      defaultApproach: 'none',
      approachTrace: true,
      approachMaxUpstreamCalls: 64,
      approachMaxParallelCalls: 4,
      approachOptions: {},
      redisKeyPrefix: 'optiproxy:',
      responseTtlSeconds: 86_400,
      responseStoreMax: 10_000,
      responseStoreMaxBytes: 256 * 1024 ** 2,
      runLeaseMs: 30_000,
      runDrainMs: 10_000,
      backgroundConcurrency: 16,
      connectTimeoutMs: 10_000,
      maxConcurrentUpstream: 0,
      maxQueuedUpstream: 1000,
      maxMessages: 2048,
      maxChoices: 128,
      maxJsonDepth: 64,
      logLevel: 'info',
      logPrompts: false,
      shutdownGraceMs: 25_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 60_000,
      serverKeepAliveMs: 5_000,
      degradedAfterFailures: 3,
      fetchTimeoutMs: 10_000,
      fetchMaxBytes: 2 * 1024 ** 2,
      fetchMaxPerRequest: 10,
      mcpCallTimeoutMs: 30_000,
      pythonTimeoutMs: 5_000,
      pythonMemoryMb: 256,
      solverTimeoutMs: 5_000,
      traceStore: 'memory',
      traceMaxCount: 1000,
      traceMaxBytes: 64 * 1024 * 1024,
      traceTtlSeconds: 86_400,
      traceMaxSpans: 2000,
      otelServiceName: 'optiproxy',
      providers: {},
      models: {},
      defaultProvider: 'openai',
      providerLimits: {},
      groups: {},
      apiKeys: [],
      file: {},
    })
  })

  it('reads booleans as words and timeouts as milliseconds', () => {
    expect(loadConfig([], { OPTIPROXY_LOG_PROMPTS: 'false', OPTIPROXY_IDLE_TIMEOUT_MS: '30000' })).toMatchObject({ logPrompts: false, idleTimeoutMs: 30_000 })
    expect(loadConfig(['--log-prompts', 'true'], {}).logPrompts).toBe(true)
    expect(() => loadConfig([], { OPTIPROXY_LOG_PROMPTS: 'yes please' })).toThrow(/OPTIPROXY_LOG_PROMPTS/)
  })

  it('reads the environment, and flags win over it', () => {
    const config = loadConfig(['--port', '9000', '--body-limit', '512kb'], {
      PORT: '7000',
      HOST: '0.0.0.0',
      OPENAI_API_KEY: 'sk-x',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPTIPROXY_BODY_LIMIT: '1mb',
    })
    expect(config).toMatchObject({ port: 9000, host: '0.0.0.0', openaiApiKey: 'sk-x', openaiBaseUrl: 'http://127.0.0.1:11434/v1', bodyLimitBytes: 512 * 1024 })
  })

  it('names the flag and the variable of a bad value', () => {
    expect(() => loadConfig([], { PORT: 'eighty' })).toThrow(/--port \/ PORT/)
    expect(() => loadConfig(['--body-limit', 'huge'], {})).toThrow(/--body-limit \/ OPTIPROXY_BODY_LIMIT: expected a size/)
    expect(() => loadConfig([], { OPENAI_BASE_URL: 'not a url' })).toThrow(/OPENAI_BASE_URL/)
    expect(() => loadConfig(['--nope'], {})).toThrow(/nope/)
  })

  it('reads the sandbox and solver ceilings from flags and variables, validated', () => {
    expect(loadConfig(['--python-timeout-ms', '12000', '--python-memory-mb', '512', '--solver-timeout-ms', '20000'], {})).toMatchObject({
      pythonTimeoutMs: 12_000,
      pythonMemoryMb: 512,
      solverTimeoutMs: 20_000,
    })
    const fromEnv = loadConfig(['--python-memory-mb', '128'], {
      OPTIPROXY_PYTHON_TIMEOUT_MS: '3000',
      OPTIPROXY_PYTHON_MEMORY_MB: '1024',
      OPTIPROXY_SOLVER_TIMEOUT_MS: '800',
    })
    expect(fromEnv).toMatchObject({ pythonTimeoutMs: 3_000, pythonMemoryMb: 128, solverTimeoutMs: 800 })
    expect(() => loadConfig([], { OPTIPROXY_PYTHON_TIMEOUT_MS: '50' })).toThrow(/--python-timeout-ms \/ OPTIPROXY_PYTHON_TIMEOUT_MS/)
    expect(() => loadConfig([], { OPTIPROXY_PYTHON_TIMEOUT_MS: '600001' })).toThrow(/OPTIPROXY_PYTHON_TIMEOUT_MS/)
    expect(() => loadConfig(['--python-memory-mb', '16'], {})).toThrow(/--python-memory-mb \/ OPTIPROXY_PYTHON_MEMORY_MB/)
    expect(() => loadConfig(['--python-memory-mb', '4096'], {})).toThrow(/OPTIPROXY_PYTHON_MEMORY_MB/)
    expect(() => loadConfig(['--python-memory-mb', '1.5'], {})).toThrow(/OPTIPROXY_PYTHON_MEMORY_MB/)
    expect(() => loadConfig([], { OPTIPROXY_SOLVER_TIMEOUT_MS: 'soon' })).toThrow(/--solver-timeout-ms \/ OPTIPROXY_SOLVER_TIMEOUT_MS/)
  })
})
