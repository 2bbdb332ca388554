/**
 * The fan-out phase: are an approach's concurrent calls (moa's proposals, bon's candidates and ratings) truly
 * concurrent? Timed by the mock upstream, which the proxy cannot fool: for one client request at a time it logs each
 * upstream call's arrival and finish. Calls with the same prompt (the same `messages`) form one stage; a stage of two
 * or more calls is a fan-out, whose wall time (first arrival -> last finish) is compared with its slowest branch
 * (the longest single call). 1.0x is perfectly concurrent; n branches run one after another give about n x.
 */
import { performance } from 'node:perf_hooks'
import { createKeepAliveAgent, postChatCompletion, readChatStream } from './load-client.js'
import { computeMedian } from './measure-utils.js'
import type { MockControl } from './measure-phases.js'
import type { MockUpstreamCall } from './mock-upstream.js'

/** One approach measured: the model the client asks for and the names of its fan-out stages, in call order. */
export interface FanOutApproach {
  approach: string
  model: string
  stages: readonly string[]
}

/** The approaches of the phase, at their default options (moa: 3 proposals; bon: 3 candidates, each rated). */
export const fanOutApproaches: readonly FanOutApproach[] = [
  { approach: 'moa', model: 'moa-gpt-4o-mini', stages: ['proposals'] },
  { approach: 'bon', model: 'bon-gpt-4o-mini', stages: ['candidates', 'ratings'] },
]

export interface FanOutSettings {
  /** Requests per approach and per mode (non-streamed, streamed). */
  requestsPerMode: number
  /** Every upstream call waits this long before its first byte... */
  baseDelayMs: number
  /** ...plus a share of this that differs from call to call (see the mock's firstByteJitterMs). */
  jitterMs: number
}

export interface FanOutStage {
  stage: string
  branches: number
  /** First branch call's arrival to the last branch call's finish, at the mock. */
  wallMs: number
  /** The longest single branch call, arrival to finish, at the mock. */
  slowestBranchMs: number
  /** wallMs / slowestBranchMs. */
  ratio: number
  /** Last branch arrival minus first: how far apart the proxy sent them. */
  arrivalSpreadMs: number
}

export interface FanOutSample {
  approach: string
  stream: boolean
  /** The whole client request, sent to last byte read, at the bench client. */
  requestMs: number
  upstreamCalls: number
  stages: FanOutStage[]
}

export interface FanOutSummary {
  approach: string
  stage: string
  /** The branch count of the first sample (every sample is checked to have the same). */
  branches: number
  samples: number
  medianWallMs: number
  medianSlowestBranchMs: number
  /** The median of the samples' own ratios. */
  medianRatio: number
  maxRatio: number
  medianArrivalSpreadMs: number
  medianRequestMs: number
  medianRequestMsJson: number
  medianRequestMsStream: number
}

let requestCounter = 0

function buildFanOutBody(model: string, tag: string, stream: boolean): Buffer {
  return Buffer.from(
    JSON.stringify({
      model,
      messages: [
        { role: 'system', content: 'You are a concise assistant. Answer in one short paragraph.' },
        // the tag marks every upstream call this request causes (each carries the question), so the mock's log can be
        // read per request; it also keeps any response cache from answering
        { role: 'user', content: `Explain in two sentences why a proxy should stream tokens as they arrive. (${tag})` },
      ],
      max_tokens: 128,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    }),
  )
}

/**
 * Splits one request's upstream calls into stages by prompt and times each fan-out stage (two or more calls).
 * @example const stages = measureStages(calls, ['proposals'])
 */
export function measureStages(calls: readonly MockUpstreamCall[], names: readonly string[]): FanOutStage[] {
  const groups = new Map<string, MockUpstreamCall[]>()
  for (const call of calls) {
    const group = groups.get(call.messagesDigest)
    if (group === undefined) groups.set(call.messagesDigest, [call])
    else group.push(call)
  }
  const fanOuts = [...groups.values()].filter((group) => group.length >= 2)
  fanOuts.sort((a, b) => Math.min(...a.map((call) => call.arrivalEpochMs)) - Math.min(...b.map((call) => call.arrivalEpochMs)))
  return fanOuts.map((group, index) => {
    const arrivals = group.map((call) => call.arrivalEpochMs)
    const finishes = group.map((call) => call.finishEpochMs as number)
    const wallMs = Math.max(...finishes) - Math.min(...arrivals)
    const slowestBranchMs = Math.max(...group.map((call) => (call.finishEpochMs as number) - call.arrivalEpochMs))
    return {
      stage: names[index] ?? `stage ${index + 1}`,
      branches: group.length,
      wallMs,
      slowestBranchMs,
      ratio: wallMs / slowestBranchMs,
      arrivalSpreadMs: Math.max(...arrivals) - Math.min(...arrivals),
    }
  })
}

async function readCalls(origin: URL): Promise<MockUpstreamCall[]> {
  const response = await fetch(new URL('/__bench/calls', origin))
  if (!response.ok) throw new Error(`mock calls: HTTP ${response.status}`)
  return (await response.json()) as MockUpstreamCall[]
}

/** Sends one request, checks its answer, and reads its upstream calls from the mock's log. */
async function measureOneRequest(target: URL, mockOrigin: URL, approach: FanOutApproach, stream: boolean): Promise<FanOutSample> {
  const tag = `bench-request-${(++requestCounter).toString(36)}`
  const body = buildFanOutBody(approach.model, tag, stream)
  const agent = createKeepAliveAgent(1)
  let requestMs: number
  try {
    const start = performance.now()
    if (stream) await readChatStream(agent, target, body)
    else {
      const { text } = await postChatCompletion(agent, target, body, true)
      const completion = JSON.parse(text) as { object?: unknown; choices?: Array<{ message?: { content?: unknown } }> }
      const content = completion.choices?.[0]?.message?.content
      if (completion.object !== 'chat.completion' || typeof content !== 'string' || content === '') {
        throw new Error(`${approach.model}: not a chat.completion with content: ${text.slice(0, 300)}`)
      }
    }
    requestMs = performance.now() - start
  } finally {
    agent.destroy()
  }
  const calls = (await readCalls(mockOrigin)).filter((call) => call.tag === tag)
  const unfinished = calls.filter((call) => call.finishEpochMs === null).length
  if (unfinished > 0) throw new Error(`${approach.model}: ${unfinished} of its ${calls.length} upstream calls had not finished when it was answered`)
  const stages = measureStages(calls, approach.stages)
  if (stages.length !== approach.stages.length) {
    throw new Error(
      `${approach.model}: expected the fan-out stages ${approach.stages.join(', ')} (calls sharing one prompt), ` +
        `saw ${stages.length} in ${calls.length} upstream calls: ${stages.map((stage) => stage.branches).join(', ')} branches`,
    )
  }
  return { approach: approach.approach, stream, requestMs, upstreamCalls: calls.length, stages }
}

/**
 * Runs the phase against optiproxy: a warm-up request per approach, then `requestsPerMode` non-streamed and as many
 * streamed requests per approach, alternating, one at a time. The mock is set to per-call delays and logging for the
 * phase and reset after it.
 * @example const samples = await measureFanOut(optiproxy.url, mockService.url, mock, { requestsPerMode: 10, baseDelayMs: 40, jitterMs: 80 })
 */
export async function measureFanOut(target: URL, mockOrigin: URL, mock: MockControl, settings: FanOutSettings): Promise<FanOutSample[]> {
  // every answer ends with a readable rating so bon's judge asks each candidate once (no re-asks)
  await mock.configure({
    firstByteDelayMs: settings.baseDelayMs,
    firstByteJitterMs: settings.jitterMs,
    chunkDelayMs: 0,
    contentChunks: 16,
    answerRating: 7,
    recordCalls: 1,
  })
  try {
    await readCalls(mockOrigin)
    for (const approach of fanOutApproaches) await measureOneRequest(target, mockOrigin, approach, false)
    const samples: FanOutSample[] = []
    for (let i = 0; i < settings.requestsPerMode; i++) {
      for (const approach of fanOutApproaches) {
        for (const stream of [false, true]) samples.push(await measureOneRequest(target, mockOrigin, approach, stream))
      }
    }
    return samples
  } finally {
    await mock.configure({ firstByteDelayMs: 0, firstByteJitterMs: 0, answerRating: 0, recordCalls: 0 })
    await readCalls(mockOrigin)
  }
}

/**
 * One summary per approach and stage, over all its samples (both modes).
 * @example const summaries = summarizeFanOut(samples)
 */
export function summarizeFanOut(samples: readonly FanOutSample[]): FanOutSummary[] {
  const summaries: FanOutSummary[] = []
  for (const approach of fanOutApproaches) {
    const own = samples.filter((sample) => sample.approach === approach.approach)
    approach.stages.forEach((stage, index) => {
      const stages = own.map((sample) => sample.stages[index] as FanOutStage)
      const branches = stages[0]?.branches ?? 0
      if (stages.some((entry) => entry.branches !== branches)) throw new Error(`${approach.approach} ${stage}: the branch count differs between requests`)
      const ratios = stages.map((entry) => entry.ratio)
      summaries.push({
        approach: approach.approach,
        stage,
        branches,
        samples: stages.length,
        medianWallMs: computeMedian(stages.map((entry) => entry.wallMs)),
        medianSlowestBranchMs: computeMedian(stages.map((entry) => entry.slowestBranchMs)),
        medianRatio: computeMedian(ratios),
        maxRatio: Math.max(...ratios),
        medianArrivalSpreadMs: computeMedian(stages.map((entry) => entry.arrivalSpreadMs)),
        medianRequestMs: computeMedian(own.map((sample) => sample.requestMs)),
        medianRequestMsJson: computeMedian(own.filter((sample) => !sample.stream).map((sample) => sample.requestMs)),
        medianRequestMsStream: computeMedian(own.filter((sample) => sample.stream).map((sample) => sample.requestMs)),
      })
    })
  }
  return summaries
}
