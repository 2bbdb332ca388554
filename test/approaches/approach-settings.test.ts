import { describe, expect, it } from 'vitest'
import { approachRegistry } from '../../approaches/registry.js'
import { foldStreamEvents } from '../../src/core/model-result.js'
import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config.js'
import { builtInApproachDefaults, startApproach } from '../../src/approach-runtime/run-approach.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

const question = { model: 'm', messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Q' }] }], extra: {} }

describe('approach settings from the configuration', () => {
  it('configured option defaults apply, and the request overrides them key by key', async () => {
    const run = async (optiproxy?: Record<string, unknown>) => {
      const provider = createScriptedProvider((call) => (call.lastText.includes('Rating: N') ? 'Rating: 5' : 'x'))
      const started = startApproach(
        {
          provider,
          registry: approachRegistry,
          defaultApproach: 'bon',
          approachDefaults: { ...builtInApproachDefaults, approachOptions: { bon: { n: 2, temperature: 0.5 } } },
        },
        { request: question, streaming: false, ...(optiproxy === undefined ? {} : { optiproxy }) },
        { signal: new AbortController().signal },
      )
      await foldStreamEvents(started.events)
      return provider.calls
    }
    const configured = await run()
    expect(configured).toHaveLength(4)
    expect(configured[0]?.request.temperature).toBe(0.5)
    const overridden = await run({ bon: { n: 3 } })
    expect(overridden).toHaveLength(6)
    expect(overridden[0]?.request.temperature).toBe(0.5)
  })

  it('configured budgets and fan-out apply; the request may change them', async () => {
    const provider = createScriptedProvider((call) => `s ${call.index}`)
    const started = startApproach(
      { provider, registry: approachRegistry, defaultApproach: 'none', approachDefaults: { ...builtInApproachDefaults, maxUpstreamCalls: 2 } },
      { request: question, approachField: 'self_consistency', streaming: false },
      { signal: new AbortController().signal },
    )
    const result = await foldStreamEvents(started.events)
    expect(provider.calls).toHaveLength(2)
    expect(result.choices[0]?.finishReason).toBe('length')
  })

  it('bad configured option defaults stop the server at startup, naming the setting', () => {
    expect(() => createApp(configSchema.parse({ approachOptions: '{"bon":{"n":0}}' }))).toThrow(/OPTIPROXY_APPROACH_OPTIONS: bon\.n/)
    expect(() => createApp(configSchema.parse({ approachOptions: { magic: {} } }))).toThrow(/magic: not a known approach/)
    expect(() => configSchema.parse({ approachOptions: 'not json' })).toThrow(/JSON object/)
    expect(configSchema.parse({ approachTrace: 'false' }).approachTrace).toBe(false)
  })
})
