import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, type RecordedRequest } from '../helpers/mock-openai-upstream.js'
import { articleText, buriedFact, createLongDocument, startPageServer, type PageServer } from '../helpers/page-server.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

let t: ProxyUnderTest
let pages: PageServer
beforeAll(async () => {
  pages = await startPageServer()
  t = await startProxyUnderTest({ fetchAllowHosts: '127.0.0.1', searchUrl: pages.url })
})
afterAll(async () => {
  await t.close()
  await pages.close()
})
beforeEach(() => {
  t.upstream.reset()
  t.upstream.setHandler(replyByStep)
  pages.searchStatus = undefined
  pages.searchEmpty = false
})

interface ChatBody {
  stream?: boolean
  tools?: unknown[]
  messages: Array<{ role: string; content: unknown }>
}
const readBody = (request: RecordedRequest): ChatBody => request.body as ChatBody
const lastText = (request: RecordedRequest): string => JSON.stringify(readBody(request).messages.at(-1)?.content ?? '')
const allText = (request: RecordedRequest): string => JSON.stringify(readBody(request).messages)

/** Answers each plugin step the way a model would, so the runs go the whole way. */
function answerStep(request: RecordedRequest): string {
  const last = lastText(request)
  if (last.includes('web search queries'))
    return last.includes('What is known so far') ? 'Eiffel Tower designer' : 'Eiffel Tower height\nEiffel Tower completion date'
  if (last.includes('What does the draft still miss')) return 'Who designed and built the tower is missing.'
  if (last.includes('every fact in these excerpts')) return last.includes('Ingrid Halvorsen') ? buriedFact : 'NONE'
  if (last.includes('write a thorough draft answer')) return 'Draft: 330 metres [1]; completed 1889 [2].'
  if (last.includes('Write the final answer to'))
    return "The Eiffel Tower is 330 metres tall [1], was completed in 1889 [2] and was built by Eiffel's company [3]."
  return 'The answer is 4'
}

function replyByStep(request: RecordedRequest) {
  const content = answerStep(request)
  const usage = { promptTokens: 12, completionTokens: 8 }
  if (readBody(request).stream === true)
    return { kind: 'sse' as const, events: buildChatCompletionChunks({ text: content.split(/(?<= )/), includeUsage: true, usage }) }
  return { kind: 'json' as const, body: buildChatCompletion({ content, usage }) }
}

const readReasoning = (message: unknown): string => (message as { reasoning_content?: string }).reasoning_content ?? ''

describe('readurls and memory', () => {
  it('readurls&memory-gpt-4o-mini: pages read, the fact buried mid-document reaches the final call, the work is traced and counted', async () => {
    const question = `Read ${pages.url}/long and ${pages.url}/article. Who was the lighthouse keeper of Skarvik in 1887?`
    const { data, response } = await t.client.chat.completions
      .create({ model: 'readurls&memory-gpt-4o-mini', messages: [{ role: 'user', content: question }] })
      .withResponse()
    const calls = t.upstream.requests
    // memory's fact extraction, then the answer
    expect(calls).toHaveLength(2)
    expect(response.headers.get('x-optiproxy-upstream-calls')).toBe('2')
    expect(data.usage?.total_tokens).toBe(40)
    const final = allText(calls[1] as RecordedRequest)
    expect(final).toContain('Ingrid Halvorsen')
    expect(final).toContain('memory:facts')
    expect(final.length).toBeLessThan(createLongDocument(250).length / 2)
    expect((calls[1]?.body as { model: string }).model).toBe('gpt-4o-mini')
    const trace = readReasoning(data.choices[0]?.message)
    expect(trace).toContain(`[readurls] ${pages.url}/long: read`)
    expect(trace).toMatch(/\[memory\] \d+ characters over the budget/)
    expect(data.choices[0]?.message.content).toBe('The answer is 4')
  })

  it("streamed, the pipeline sends each stage's notes as reasoning before the answer", async () => {
    const question = `Read ${pages.url}/long. Who was the lighthouse keeper of Skarvik in 1887?`
    const stream = await t.client.chat.completions.create({
      model: 'readurls&memory-gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: question }],
    })
    let reasoning = ''
    let content = ''
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta
      if (readReasoning(delta) !== '') expect(content).toBe('')
      reasoning += readReasoning(delta)
      content += delta?.content ?? ''
    }
    expect(reasoning).toContain('[stage 1/2: readurls]')
    expect(reasoning).toContain(`[readurls] ${pages.url}/long: read`)
    expect(reasoning).toContain(`[memory] facts noted:\n${buriedFact}`)
    expect(content).toBe('The answer is 4')
  })

  it('readurls alone: the article (without boilerplate) and its URL are in front of the question; a refused URL is a trace note, not an error', async () => {
    const question = `Summarise ${pages.url}/article and http://169.254.169.254/latest/meta-data/ please.`
    const data = await t.client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: question }],
      optillm_approach: 'readurls',
    } as never)
    expect(t.upstream.requests).toHaveLength(1)
    const sent = allText(t.upstream.requests[0] as RecordedRequest)
    expect(sent).toContain(articleText)
    expect(sent).toContain(`[1] Quokka facts`)
    expect(sent).toContain(`${pages.url}/article`)
    expect(sent).not.toContain('FOOTER-BOILERPLATE')
    expect(sent).not.toContain('optillm_approach')
    expect(readReasoning(data.choices[0]?.message)).toMatch(/169\.254\.169\.254.*not read \(refused\)/)
  })

  it('memory alone over a long pasted document: only the relevant chunks and the noted fact reach the final call', async () => {
    const document = createLongDocument(400)
    const data = await t.client.chat.completions.create({
      model: 'memory-gpt-4o-mini',
      messages: [{ role: 'user', content: `${document}\n\nWho was the lighthouse keeper of Skarvik in 1887?` }],
    })
    expect(t.upstream.requests).toHaveLength(2)
    const final = allText(t.upstream.requests[1] as RecordedRequest)
    expect(final).toContain(buriedFact)
    expect(final.length).toBeLessThan(document.length / 4)
    expect(readReasoning(data.choices[0]?.message)).toMatch(/kept \d+(, \d+)*/)
  })

  it('a short input passes memory unchanged, with no extra call', async () => {
    await t.client.chat.completions.create({ model: 'memory-gpt-4o-mini', messages: [{ role: 'user', content: 'What is 2+2?' }] })
    expect(t.upstream.requests).toHaveLength(1)
    expect(readBody(t.upstream.requests[0] as RecordedRequest).messages).toEqual([{ role: 'user', content: 'What is 2+2?' }])
  })
})

describe('web_search', () => {
  it('queries the SearXNG JSON API and adds numbered, cited results; streams its work as reasoning', async () => {
    const stream = await t.client.chat.completions.create({
      model: 'web_search-gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'How tall is the Eiffel Tower?' }],
    })
    let reasoning = ''
    let content = ''
    for await (const chunk of stream) {
      reasoning += readReasoning(chunk.choices[0]?.delta)
      content += chunk.choices[0]?.delta.content ?? ''
    }
    const searches = pages.requests.filter((entry) => entry.path.startsWith('/search?'))
    expect(searches.at(-1)?.path).toMatch(/q=Eiffel\+Tower\+(height|completion)/)
    expect(searches.at(-1)?.path).toContain('format=json')
    expect(reasoning).toContain('[search] "Eiffel Tower height": 2 results')
    expect(content).toBe('The answer is 4')
    const final = allText(t.upstream.requests.at(-1) as RecordedRequest)
    expect(final).toContain(`[1] Source 1 (${pages.url}/source/1)`)
    expect(final).toContain('Snippet 1 for Eiffel Tower height')
  })

  it('a failing or empty search degrades to an answer without web context, with a trace note', async () => {
    pages.searchStatus = 500
    const failed = await t.client.chat.completions.create({
      model: 'web_search-gpt-4o-mini',
      messages: [{ role: 'user', content: 'How tall is the Eiffel Tower?' }],
    })
    expect(readReasoning(failed.choices[0]?.message)).toMatch(/failed \(http-status\): SearXNG answered HTTP 500/)
    expect(allText(t.upstream.requests.at(-1) as RecordedRequest)).not.toContain('Sources (numbered')
    pages.searchStatus = undefined
    pages.searchEmpty = true
    const empty = await t.client.chat.completions.create({
      model: 'web_search-gpt-4o-mini',
      messages: [{ role: 'user', content: 'How tall is the Eiffel Tower?' }],
    })
    expect(readReasoning(empty.choices[0]?.message)).toContain('[web_search] no results')
    expect(empty.choices[0]?.message.content).toBe('The answer is 4')
  })

  it('composes before another approach: web_search&re2 gives re2 the sources', async () => {
    await t.client.chat.completions.create({
      model: 'web_search&re2-gpt-4o-mini',
      messages: [{ role: 'user', content: 'How tall is the Eiffel Tower?' }],
      optiproxy: { web_search: { queries: 0 } },
    } as never)
    // queries: 0 searches for the question itself, with no call of its own; re2 makes one
    expect(t.upstream.requests).toHaveLength(1)
    expect(allText(t.upstream.requests[0] as RecordedRequest)).toContain('Snippet 1 for How tall is the Eiffel Tower?')
  })
})

describe('deep_research', () => {
  it('plans, searches, reads, drafts, finds the gaps, searches again, and answers citing only the sources it read', async () => {
    const { data, response } = await t.client.chat.completions
      .create({ model: 'deep_research-gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me about the Eiffel Tower.' }] })
      .withResponse()
    const steps = t.upstream.requests.map((request) => {
      const last = lastText(request)
      return last.includes('web search queries')
        ? 'plan'
        : last.includes('thorough draft')
          ? 'draft'
          : last.includes('still miss')
            ? 'gaps'
            : last.includes('final answer')
              ? 'final'
              : 'other'
    })
    expect(steps).toEqual(['plan', 'draft', 'gaps', 'plan', 'draft', 'final'])
    expect(response.headers.get('x-optiproxy-upstream-calls')).toBe('6')
    const final = allText(t.upstream.requests.at(-1) as RecordedRequest)
    for (const number of [1, 2, 3]) expect(final).toContain(`Source ${['one', 'two', 'three'][number - 1]}`)
    const answer = data.choices[0]?.message.content ?? ''
    expect(answer).toContain('[3]')
    expect(answer).toMatch(/Sources:\n\[1\] .*\/source\/1\n\[2\] .*\/source\/2\n\[3\] .*\/source\/3\n$/)
    const trace = readReasoning(data.choices[0]?.message)
    expect(trace).toContain('round 2: searching "Eiffel Tower designer"')
    expect(trace).toContain(`read [3] ${pages.url}/source/3`)
  })

  it('streams its progress as reasoning before the answer; with nothing to read it answers from the model alone', async () => {
    pages.searchEmpty = true
    const stream = await t.client.chat.completions.create({
      model: 'deep_research-gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'Tell me about the Eiffel Tower.' }],
    })
    const order: string[] = []
    for await (const chunk of stream) {
      if (readReasoning(chunk.choices[0]?.delta) !== '') order.push('reasoning')
      if ((chunk.choices[0]?.delta.content ?? '') !== '') order.push('content')
    }
    expect(order.indexOf('reasoning')).toBe(0)
    expect(order.lastIndexOf('reasoning')).toBeLessThan(order.indexOf('content'))
    expect(allText(t.upstream.requests.at(-1) as RecordedRequest)).not.toContain('Sources (numbered')
  })

  it('max_iterations bounds the rounds (also as the OptiLLM field), and a bad value is a 400 naming the field', async () => {
    await t.client.chat.completions.create({
      model: 'deep_research-gpt-4o-mini',
      messages: [{ role: 'user', content: 'Tell me about the Eiffel Tower.' }],
      max_iterations: 1,
    } as never)
    expect(t.upstream.requests).toHaveLength(3)
    for (const request of t.upstream.requests) expect(request.body).not.toHaveProperty('max_iterations')
    const error = await t.client.chat.completions
      .create({ model: 'deep_research-gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], max_iterations: 99 } as never)
      .then(
        () => undefined,
        (failure: unknown) => failure as { status: number; param: string },
      )
    expect(error?.status).toBe(400)
    expect(error?.param).toBe('max_iterations')
  })
})
