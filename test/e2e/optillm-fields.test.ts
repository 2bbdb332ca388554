import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest()
})
afterAll(() => t.close())
beforeEach(() => {
  t.upstream.reset()
  t.upstream.setHandler((request) => {
    const last = JSON.stringify((request.body as { messages: Array<{ content: unknown }> }).messages.at(-1)?.content ?? '')
    return { kind: 'json', body: buildChatCompletion({ content: /Rating: N|Score: N/.test(last) ? 'Rating: 7' : 'The answer is 4' }) }
  })
})

const optillmFields = ['mcts_simulations', 'mcts_exploration', 'mcts_depth', 'mars_config', 'k', 'max_iterations', 'max_sources', 'num_results']
const question = [{ role: 'user' as const, content: 'What is 2+2?' }]

async function expectBadRequest(body: Record<string, unknown>): Promise<{ status: number; param: string; message: string }> {
  const error = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: question, ...body } as never).then(
    () => undefined,
    (failure: unknown) => failure as { status: number; param: string; message: string },
  )
  expect(error?.status).toBe(400)
  return error as { status: number; param: string; message: string }
}

describe("OptiLLM's request fields", () => {
  it('are never forwarded upstream, whatever the approach (none included)', async () => {
    const fields = {
      mcts_simulations: 1,
      mcts_exploration: 0.5,
      mcts_depth: 1,
      mars_config: { num_agents: 1 },
      k: 2,
      max_iterations: 1,
      max_sources: 2,
      num_results: 3,
    }
    await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: question, ...fields } as never)
    await t.client.chat.completions.create({ model: 'mcts-gpt-4o-mini', messages: question, ...fields } as never)
    expect(t.upstream.requests.length).toBeGreaterThan(1)
    for (const request of t.upstream.requests) for (const field of optillmFields) expect(request.body).not.toHaveProperty(field)
    // a field of the client's own that OptiLLM does not know still goes upstream (vLLM, OpenRouter parameters)
    await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: question, top_k: 5 } as never)
    expect(t.upstream.requests.at(-1)?.body).toHaveProperty('top_k', 5)
  })

  it('mcts_simulations and mcts_depth set the search: more simulations, more calls', async () => {
    const count = async (fields: object): Promise<number> => {
      t.upstream.reset()
      await t.client.chat.completions.create({ model: 'mcts-gpt-4o-mini', messages: question, ...fields } as never)
      return t.upstream.requests.length
    }
    const one = await count({ mcts_simulations: 1, mcts_depth: 1 })
    const four = await count({ mcts_simulations: 4, mcts_depth: 2 })
    expect(four).toBeGreaterThan(one)
    // optiproxy.mcts wins over the OptiLLM field
    expect(await count({ mcts_simulations: 4, mcts_depth: 2, optiproxy: { mcts: { simulations: 1, depth: 1 } } })).toBe(one)
  })

  it("majority_voting's k is its number of candidates, and the request's temperature their sampling temperature", async () => {
    await t.client.chat.completions.create({ model: 'majority_voting-gpt-4o-mini', messages: question, k: 3, temperature: 0.25 } as never)
    expect(t.upstream.requests).toHaveLength(3)
    for (const request of t.upstream.requests) expect(request.body).toMatchObject({ temperature: 0.25 })
  })

  it('mars_config maps its known keys and names an unknown one in a 400', async () => {
    await t.client.chat.completions.create({ model: 'mars-gpt-4o-mini', messages: question, mars_config: { num_agents: 1, consensus_threshold: 1 } } as never)
    const solves = t.upstream.requests.filter((request) => JSON.stringify(request.body).includes('Solve the problem with complete'))
    expect(solves).toHaveLength(1)
    const error = await expectBadRequest({ model: 'mars-gpt-4o-mini', mars_config: { num_agents: 2, use_thinking_tags: true } })
    expect(error.param).toBe('mars_config.use_thinking_tags')
    expect(error.message).toContain('use_thinking_tags')
    expect((await expectBadRequest({ mars_config: 'five' })).param).toBe('mars_config')
  })

  it('a malformed value is a 400 naming the OptiLLM field; a malformed plugin option names its optiproxy key', async () => {
    expect((await expectBadRequest({ mcts_depth: 'deep' })).param).toBe('mcts_depth')
    expect((await expectBadRequest({ mcts_simulations: 0 })).param).toBe('mcts_simulations')
    expect((await expectBadRequest({ k: 1000 })).param).toBe('k')
    expect((await expectBadRequest({ model: 'readurls-gpt-4o-mini', optiproxy: { readurls: { max_urls: 0 } } })).param).toBe('optiproxy.readurls.max_urls')
    expect((await expectBadRequest({ model: 'memory-gpt-4o-mini', optiproxy: { memory: { chunk_chars: 1000, overlap_chars: 900 } } })).param).toBe(
      'optiproxy.memory.overlap_chars',
    )
    expect(t.upstream.requests).toHaveLength(0)
  })

  it('plugin slugs work wherever a slug does: the tag, the optillm_approach field, and combined with | and &', async () => {
    await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'system', content: '<optillm_approach>readurls</optillm_approach>' }, ...question],
    })
    expect(t.upstream.requests).toHaveLength(1)
    expect((t.upstream.requests[0]?.body as { messages: unknown[] }).messages).toEqual([{ role: 'user', content: 'What is 2+2?' }])
    t.upstream.reset()
    const data = await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: question, optillm_approach: 'readurls|memory' } as never)
    expect(data.choices).toHaveLength(2)
    t.upstream.reset()
    await t.client.chat.completions.create({ model: 'gpt-4o-mini', messages: question, optillm_approach: 'readurls&memory&re2' } as never)
    expect(t.upstream.requests).toHaveLength(1)
    for (const request of [...t.upstream.requests] as RecordedRequest[]) expect(request.body).not.toHaveProperty('optillm_approach')
  })
})
