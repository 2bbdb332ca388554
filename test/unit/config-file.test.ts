import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseConfigFile } from '../../src/config-file.js'
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'

const directory = mkdtempSync(join(tmpdir(), 'optiproxy-config-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

function writeFile(name: string, text: string): string {
  const path = join(directory, name)
  writeFileSync(path, text)
  return path
}

const yamlFile = `
server:
  port: 9100
  body_limit: 1mb
providers:
  groq:
    type: openai-compatible
    base_url: https://api.groq.com/openai/v1
    api_key_env: GROQ_KEY
    max_retries: 2
    params: { temperature: 0.2 }
  openai:
    type: openai-compatible
    base_url: http://127.0.0.1:11434/v1
models:
  fast: groq/llama-3.3-70b-versatile
  thinker: anthropic/claude-sonnet-4-5
defaults:
  approach: none
  timeout_ms: 30000
`

describe('config file', () => {
  it('reads YAML: providers with their keys from the environment, aliases, server settings', () => {
    const config = loadConfig(['--config', writeFile('a.yaml', yamlFile)], { GROQ_KEY: 'gsk-secret' })
    expect(config).toMatchObject({
      port: 9100,
      bodyLimitBytes: 1024 * 1024,
      upstreamTimeoutMs: 30_000,
      openaiBaseUrl: 'http://127.0.0.1:11434/v1',
      models: { fast: 'groq/llama-3.3-70b-versatile', thinker: 'anthropic/claude-sonnet-4-5' },
      providers: {
        groq: { type: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1', api_key: 'gsk-secret', max_retries: 2, params: { temperature: 0.2 } },
      },
    })
    expect(config.providers.groq).not.toHaveProperty('api_key_env')
    // the file itself, as written, for sections other code reads
    expect(config.file.providers?.groq?.api_key_env).toBe('GROQ_KEY')
  })

  it('reads JSON from OPTIPROXY_CONFIG', () => {
    const path = writeFile(
      'b.json',
      JSON.stringify({ providers: { ollama: { type: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1' } }, defaults: { provider: 'ollama' } }),
    )
    const config = loadConfig([], { OPTIPROXY_CONFIG: path })
    expect(config.defaultProvider).toBe('ollama')
    expect(config.providers.ollama?.base_url).toBe('http://127.0.0.1:11434/v1')
  })

  it('is the lowest layer: environment variables and then flags win over it', () => {
    const path = writeFile('c.yaml', yamlFile)
    expect(loadConfig(['--config', path], { PORT: '9200' }).port).toBe(9200)
    expect(loadConfig(['--config', path, '--port', '9300'], { PORT: '9200' }).port).toBe(9300)
    expect(loadConfig(['--config', path], { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).openaiBaseUrl).toBe('http://127.0.0.1:1/v1')
  })

  it('names the key path of every bad entry, unknown keys included', () => {
    const bad = `
providers:
  groq:
    type: openai-compatible
    base_url: not a url
    colour: blue
models:
  fast: nowhere/llama
tracing: true
`
    let message = ''
    try {
      loadConfig(['--config', writeFile('bad.yaml', bad)], {})
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('providers.groq.base_url: expected a URL')
    expect(message).toContain('providers.groq.colour: unknown key')
    expect(message).toContain("models.fast: expected 'provider/model' with a configured provider")
    expect(message).toContain('tracing: unknown key')
  })

  it('reads approach settings and per-slug option defaults; a bad slug or option stops the app at startup', () => {
    const path = writeFile(
      'approaches.yaml',
      'approaches:\n  trace: false\n  max_upstream_calls: 12\n  max_parallel_calls: 2\n  bon: { n: 5 }\n  mcts: { simulations: 4 }\n',
    )
    const config = loadConfig(['--config', path], {})
    expect(config).toMatchObject({
      approachTrace: false,
      approachMaxUpstreamCalls: 12,
      approachMaxParallelCalls: 2,
      approachOptions: { bon: { n: 5 }, mcts: { simulations: 4 } },
    })
    // the environment still wins over the file
    expect(loadConfig(['--config', path], { OPTIPROXY_APPROACH_OPTIONS: '{"bon":{"n":2}}' }).approachOptions).toEqual({ bon: { n: 2 } })
    expect(() => loadConfig(['--config', writeFile('approaches-bad.yaml', 'approaches:\n  bon: 3\n')], {})).toThrow(
      /approaches\.bon: expected the options of an approach/,
    )
    expect(() => createApp(loadConfig(['--config', writeFile('approaches-slug.yaml', 'approaches:\n  bogus: {}\n')], {}))).toThrow(
      /bogus: not a known approach/,
    )
    expect(() => createApp(loadConfig(['--config', writeFile('approaches-option.yaml', 'approaches:\n  bon: { n: 0 }\n')], {}))).toThrow(/bon\.n/)
  })

  it('reports unreadable and unparsable files', () => {
    expect(() => loadConfig(['--config', join(directory, 'missing.yaml')], {})).toThrow(/Cannot read the config file/)
    expect(() => loadConfig(['--config', writeFile('d.json', '{ nope')], {})).toThrow(/not valid JSON/)
    expect(() => loadConfig(['--config', writeFile('e.yaml', 'providers: [unclosed')], {})).toThrow(/not valid YAML/)
  })

  it('rejects a provider type it does not know and a key given twice', () => {
    expect(() => parseConfigFile({ providers: { x: { type: 'cohere' } } })).toThrow(/providers\.x\.type: expected 'openai-compatible', 'anthropic' or 'gemini'/)
    expect(() => parseConfigFile({ providers: { x: { type: 'anthropic', api_key: 'a', api_key_env: 'B' } } })).toThrow(
      /providers\.x\.api_key: set api_key or api_key_env/,
    )
  })

  it('takes GOOGLE_API_KEY when GEMINI_API_KEY is unset', () => {
    expect(loadConfig([], { GOOGLE_API_KEY: 'g-1' }).geminiApiKey).toBe('g-1')
    expect(loadConfig([], { GOOGLE_API_KEY: 'g-1', GEMINI_API_KEY: 'g-2' }).geminiApiKey).toBe('g-2')
  })
})

describe('the operations keys of the config file', () => {
  it('reads provider_limits and groups', () => {
    const file = parseConfigFile({
      providers: { groq: { type: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1' } },
      provider_limits: { groq: { idle_timeout_ms: 30_000, max_concurrent: 8 } },
      groups: { smart: { strategy: 'weighted', targets: [{ target: 'groq/llama', weight: 2 }, 'openai/gpt-4o-mini'], cooldown_ms: 10_000 } },
    })
    expect(file.provider_limits?.groq).toEqual({ idle_timeout_ms: 30_000, max_concurrent: 8 })
    expect(file.groups?.smart?.strategy).toBe('weighted')
  })

  it('names a group target with an unknown provider, an unknown strategy and limits of an unknown provider', () => {
    expect(() => parseConfigFile({ groups: { smart: { targets: ['nowhere/model'] } } })).toThrow(/groups\.smart\.targets\[0\]: expected 'provider\/model'/)
    expect(() => parseConfigFile({ groups: { smart: { strategy: 'random', targets: ['openai/x'] } } })).toThrow(/groups\.smart\.strategy/)
    expect(() => parseConfigFile({ provider_limits: { nowhere: { max_concurrent: 1 } } })).toThrow(/provider_limits\.nowhere: unknown provider/)
    expect(() => parseConfigFile({ models: { smart: 'openai/x' }, groups: { smart: { targets: ['openai/y'] } } })).toThrow(/either an alias or a group/)
  })
})

describe('api_keys in the config file', () => {
  it('reads a key from its variable and refuses an entry with both or neither of key and key_env', async () => {
    const { loadConfig } = await import('../../src/config.js')
    const directory = mkdtempSync(join(tmpdir(), 'optiproxy-keys-'))
    const path = join(directory, 'keys.yaml')
    writeFileSync(path, 'api_keys:\n  - name: team-a\n    key_env: TEAM_A_KEY\n    requests_per_minute: 60\n')
    try {
      expect(loadConfig(['--config', path], { TEAM_A_KEY: 'sk-team-a-0123456789' }).apiKeys).toEqual([
        { name: 'team-a', key: 'sk-team-a-0123456789', requests_per_minute: 60 },
      ])
      expect(() => loadConfig(['--config', path], {})).toThrow(/api_keys\[0\]\.key_env: the variable TEAM_A_KEY is not set/)
    } finally {
      rmSync(directory, { recursive: true, force: true })
    }
    expect(() => parseConfigFile({ api_keys: [{ name: 'x', key: 'sk-0123456789', key_env: 'X' }] })).toThrow(/exactly one of key and key_env/)
    expect(() => parseConfigFile({ api_keys: [{ name: 'x' }] })).toThrow(/exactly one of key and key_env/)
  })
})
