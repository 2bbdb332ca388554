import { buildChatCompletion, buildChatCompletionChunks, startMockOpenAIUpstream, type MockUpstream, type RecordedRequest } from './mock-openai-upstream.js'
import { createRandom } from '../../src/simulation/simulated-model.js'

export interface SimulatedUpstream {
  upstream: MockUpstream
  /** What the mock sent: replies that stated the right answer, and the usage it reported, summed. */
  log: { replies: number; right: number; promptTokens: number; completionTokens: number; byModel: Map<string, number> }
  close(): Promise<void>
}

/** Dataset lines for the simulated upstream: question i asks for i * 3. */
export function buildArithmeticLines(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    JSON.stringify({ id: `q${index}`, question: `Item ${index}: what is ${index} times 3?`, answer: String(index * 3) }),
  )
}

const messageText = (message: unknown): string => {
  const content = (message as { content?: unknown }).content
  if (typeof content === 'string') return content
  return Array.isArray(content) ? content.map((part: { text?: string }) => part.text ?? '').join('\n') : ''
}

/**
 * A mock OpenAI upstream acting as a model of known accuracy on buildArithmeticLines questions: each reply states
 * the right answer (i * 3) with probability `accuracy`, else i * 3 + 1, drawn from a seeded source in arrival
 * order; usage is 10 + a token per 4 prompt characters, and 6 completion tokens. JSON or SSE as asked.
 * `judgeModel` replies are verdicts: CORRECT when the graded answer states the reference.
 */
export async function startSimulatedUpstream(accuracy: number, seed: number, judgeModel = 'judge-model'): Promise<SimulatedUpstream> {
  const upstream = await startMockOpenAIUpstream()
  const random = createRandom(seed)
  const log = { replies: 0, right: 0, promptTokens: 0, completionTokens: 0, byModel: new Map<string, number>() }
  upstream.setHandler((request: RecordedRequest) => {
    const body = request.body as { model: string; stream?: boolean; messages: unknown[] }
    const texts = body.messages.map(messageText)
    const conversation = texts.join('\n')
    let content: string
    if (body.model === judgeModel) {
      const reference = /Reference answer:\n(\S+)/.exec(conversation)?.[1]
      const graded = conversation.slice(conversation.indexOf('Answer to grade:'))
      content = `Checked.\nVERDICT: ${reference !== undefined && graded.includes(`answer is ${reference}.`) ? 'CORRECT' : 'INCORRECT'}`
    } else {
      const index = Number(/Item (\d+):/.exec(conversation)?.[1] ?? -1)
      const right = random() < accuracy
      if (right) log.right++
      content = `Let me compute. The answer is ${right ? index * 3 : index * 3 + 1}.`
    }
    const promptTokens = 10 + Math.ceil(conversation.length / 4)
    const completionTokens = 6
    log.replies++
    log.promptTokens += promptTokens
    log.completionTokens += completionTokens
    log.byModel.set(body.model, (log.byModel.get(body.model) ?? 0) + 1)
    const usage = { promptTokens, completionTokens }
    if (body.stream === true)
      return {
        kind: 'sse',
        events: buildChatCompletionChunks({ model: body.model, text: [content.slice(0, 10), content.slice(10)], includeUsage: true, usage }),
      }
    return { kind: 'json', body: buildChatCompletion({ model: body.model, content, usage }) }
  })
  return { upstream, log, close: () => upstream.close() }
}
