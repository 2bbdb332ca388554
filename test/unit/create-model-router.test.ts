import { describe, expect, it } from 'vitest'
import type { ModelInfo, Provider } from '../../src/core/provider.js'
import type { ModelRequest } from '../../src/core/request.js'
import { createModelRouter } from '../../src/routing/create-model-router.js'

/** A provider that answers with its own id and the model it was asked for. */
function createEchoProvider(id: string, models: string[] | Error = []): Provider & { seen: string[] } {
  const seen: string[] = []
  return {
    id,
    seen,
    async generate(request: ModelRequest) {
      seen.push(request.model)
      return { metadata: { model: `${id}:${request.model}` }, choices: [] }
    },
    async *stream(request: ModelRequest) {
      seen.push(request.model)
      yield { type: 'response-metadata', metadata: { model: `${id}:${request.model}` } }
    },
    async listModels(): Promise<ModelInfo[]> {
      if (models instanceof Error) throw models
      return models.map((model) => ({ id: model }))
    },
  }
}

const options = { signal: new AbortController().signal }

function createRouter() {
  const openai = createEchoProvider('openai', ['gpt-4o'])
  const anthropic = createEchoProvider('anthropic', ['claude-sonnet-4-5'])
  const gemini = createEchoProvider('gemini', new Error('list failed'))
  const groq = createEchoProvider('groq', ['llama-3.3-70b'])
  const group = createEchoProvider('fallback-group')
  const router = createModelRouter({
    providers: new Map<string, Provider>([
      ['openai', openai],
      ['anthropic', anthropic],
      ['gemini', gemini],
      ['groq', groq],
    ]),
    aliases: new Map([
      ['fast', { provider: groq, model: 'llama-3.3-70b' }],
      ['resilient', { provider: group, model: 'resilient' }],
    ]),
    defaultProviderId: 'openai',
  })
  return { router, openai, anthropic, gemini, groq, group }
}

describe('createModelRouter', () => {
  it.each([
    ['fast', 'groq', 'llama-3.3-70b'],
    ['resilient', 'fallback-group', 'resilient'],
    ['anthropic/claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['gemini/gemini-2.5-flash', 'gemini', 'gemini-2.5-flash'],
    ['openai/gpt-4o', 'openai', 'gpt-4o'],
    ['groq/llama-3.3-70b', 'groq', 'llama-3.3-70b'],
    ['claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['gemini-2.0-flash', 'gemini', 'gemini-2.0-flash'],
    ['gpt-4o-mini', 'openai', 'gpt-4o-mini'],
    // a prefix that is no provider id stays part of the name
    ['meta-llama/llama-3.3-70b', 'openai', 'meta-llama/llama-3.3-70b'],
    ['openrouter/auto', 'openai', 'openrouter/auto'],
    // an explicit provider wins over the family
    ['groq/gemini-look-alike', 'groq', 'gemini-look-alike'],
  ])('%s goes to %s as %s', async (model, providerId, vendorModel) => {
    const { router } = createRouter()
    const target = router.resolveTarget(model)
    expect([target.provider.id, target.model]).toEqual([providerId, vendorModel])
    const result = await router.generate({ model, messages: [], extra: {} }, options)
    expect(result.metadata.model).toBe(`${providerId}:${vendorModel}`)
  })

  it('streams through the chosen provider and rejects a provider with no model', async () => {
    const { router, gemini } = createRouter()
    const events = []
    for await (const event of router.stream({ model: 'gemini/gemini-2.5-flash', messages: [], extra: {} }, options)) events.push(event)
    expect(events).toEqual([{ type: 'response-metadata', metadata: { model: 'gemini:gemini-2.5-flash' } }])
    expect(gemini.seen).toEqual(['gemini-2.5-flash'])
    expect(() => router.resolveTarget('anthropic/')).toThrow(/names a provider but no model/)
  })

  it('lists every provider by the name that routes back to it, skips a failing one, and lists aliases', async () => {
    const { router } = createRouter()
    expect(await router.listModels(options)).toEqual([
      { id: 'gpt-4o', ownedBy: 'openai' },
      { id: 'claude-sonnet-4-5', ownedBy: 'anthropic' },
      { id: 'groq/llama-3.3-70b', ownedBy: 'groq' },
      { id: 'fast', ownedBy: 'groq' },
      { id: 'resilient', ownedBy: 'fallback-group' },
    ])
  })

  it('fails the list only when every provider fails', async () => {
    const broken = createEchoProvider('openai', new Error('down'))
    const router = createModelRouter({ providers: new Map([['openai', broken]]), defaultProviderId: 'openai' })
    await expect(router.listModels(options)).rejects.toMatchObject({ status: 500 })
  })
})
