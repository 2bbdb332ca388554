import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildChatCompletion, buildChatCompletionChunks, type MockReply } from '../helpers/mock-openai-upstream.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

// What `npm run bench`'s fan-out phase times (wall time within 10% of the slowest branch), checked here by counting:
// the upstream must see every branch of a fan-out stage in flight at once, through the whole request path (plan,
// ledger, provider middlewares, HTTP client) at the default settings.

let t: ProxyUnderTest
beforeAll(async () => {
  t = await startProxyUnderTest()
})
afterAll(() => t.close())
beforeEach(() => t.upstream.reset())

/** Each branch of a stage waits for its siblings this long at most, so a proxy that serialises them fails, not hangs. */
const siblingWaitMs = 2000
const question = 'Why stream tokens?'

interface SentMessage {
  role: string
  content: unknown
}

function readText(content: unknown): string {
  if (typeof content === 'string') return content
  return Array.isArray(content) ? content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('') : ''
}

/** A branch call: a draft (the client's conversation as it is) or a rating (a reply under judgement, then the ask). */
function isBranchCall(messages: SentMessage[]): boolean {
  const isDraft = messages.length === 1 && messages[0]?.role === 'user' && readText(messages[0].content) === question
  return isDraft || messages[messages.length - 2]?.role === 'assistant'
}

interface Stage {
  arrived: number
  inFlight: number
  peakInFlight: number
  allArrived: Promise<void>
  release(): void
}

/**
 * Answers every call with a rated answer (so bon's judge reads a score), holding each branch call's reply until all
 * `branches` calls with the same prompt (one stage) have arrived; records each stage's calls and its peak in flight.
 */
function holdStages(branches: number): Map<string, Stage> {
  const stages = new Map<string, Stage>()
  t.upstream.setHandler(async (request): Promise<MockReply> => {
    const body = request.body as { messages: SentMessage[]; stream?: boolean }
    const key = JSON.stringify(body.messages)
    let stage = stages.get(key)
    if (stage === undefined) {
      let release = (): void => undefined
      const allArrived = new Promise<void>((resolve) => {
        release = resolve
      })
      stage = { arrived: 0, inFlight: 0, peakInFlight: 0, allArrived, release }
      stages.set(key, stage)
    }
    stage.arrived++
    stage.inFlight++
    stage.peakInFlight = Math.max(stage.peakInFlight, stage.inFlight)
    if (stage.arrived >= branches) stage.release()
    const own = stage
    if (isBranchCall(body.messages)) await Promise.race([own.allArrived, new Promise((resolve) => setTimeout(resolve, siblingWaitMs))])
    own.inFlight--
    const content = 'A fine answer. Rating: 7'
    return body.stream === true
      ? { kind: 'sse', events: buildChatCompletionChunks({ text: [content] }) }
      : { kind: 'json', body: buildChatCompletion({ content }) }
  })
  return stages
}

async function ask(model: string, stream: boolean): Promise<string> {
  const messages = [{ role: 'user' as const, content: question }]
  if (!stream) return (await t.client.chat.completions.create({ model, messages })).choices[0]?.message.content ?? ''
  let text = ''
  for await (const chunk of await t.client.chat.completions.create({ model, messages, stream: true })) text += chunk.choices[0]?.delta.content ?? ''
  return text
}

/** The peak calls in flight of each stage of two or more calls (a fan-out), in the order the stages began. */
function readFanOutPeaks(stages: Map<string, Stage>): number[] {
  return [...stages.values()].filter((stage) => stage.arrived >= 2).map((stage) => stage.peakInFlight)
}

describe('fan-out: every branch is in flight at once at the upstream', () => {
  for (const stream of [false, true]) {
    it(`moa (${stream ? 'streamed' : 'non-streamed'}): the 3 proposals`, async () => {
      const stages = holdStages(3)
      expect(await ask('moa-gpt-4o-mini', stream)).toBe('A fine answer. Rating: 7')
      // proposals, then one critique and one synthesis
      expect(t.upstream.requests).toHaveLength(5)
      expect(readFanOutPeaks(stages)).toEqual([3])
    })

    it(`bon (${stream ? 'streamed' : 'non-streamed'}): the 3 candidates, then their 3 ratings`, async () => {
      const stages = holdStages(3)
      expect(await ask('bon-gpt-4o-mini', stream)).toBe('A fine answer. Rating: 7')
      expect(t.upstream.requests).toHaveLength(6)
      expect(readFanOutPeaks(stages)).toEqual([3, 3])
    })
  }
})
