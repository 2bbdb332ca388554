import type { ToolCallPart } from './message.js'
import type { FinishReason, ResponseMetadata, StreamEvent, TokenLogprob } from './stream-event.js'
import { addUsage, type Usage } from './usage.js'

export interface ChoiceResult {
  index: number
  text: string
  reasoning: string
  refusal: string | null
  toolCalls: ToolCallPart[]
  finishReason: FinishReason | null
  /** The stop sequence that ended the answer, when the upstream said which (see the `finish` event). */
  stopSequence?: string
  /** null when the upstream sent no logprobs */
  logprobs: TokenLogprob[] | null
  refusalLogprobs: TokenLogprob[] | null
}

/** A whole, non-streamed answer: what Provider.generate returns and what a folded stream gives. */
export interface ModelResult {
  metadata: ResponseMetadata
  choices: ChoiceResult[]
  usage?: Usage
  /** The vendor's whole answer as it came, for a request sent natively (ModelRequest.native). */
  native?: { dialect: 'anthropic-messages'; payload: unknown }
}

function createChoiceResult(index: number): ChoiceResult {
  return { index, text: '', reasoning: '', refusal: null, toolCalls: [], finishReason: null, logprobs: null, refusalLogprobs: null }
}

/**
 * Folds canonical stream events into one result. Streaming and non-streaming responses share this:
 * the non-streaming body is exactly what the stream would have said. An `error` event is thrown.
 * @example const result = await foldStreamEvents(approach.run(context))
 */
export async function foldStreamEvents(events: AsyncIterable<StreamEvent>): Promise<ModelResult> {
  const result: ModelResult = { metadata: {}, choices: [] }
  // tool calls per choice, keyed by their stream index
  const toolCallsByChoice = new Map<number, Map<number, ToolCallPart>>()
  const choiceAt = (index: number): ChoiceResult => {
    let choice = result.choices[index]
    if (choice === undefined) {
      for (let i = result.choices.length; i <= index; i++) result.choices[i] = createChoiceResult(i)
      choice = result.choices[index] as ChoiceResult
    }
    return choice
  }
  for await (const event of events) {
    switch (event.type) {
      case 'response-metadata':
        result.metadata = { ...result.metadata, ...event.metadata }
        break
      case 'text-delta': {
        const choice = choiceAt(event.choice)
        choice.text += event.delta
        if (event.logprobs !== undefined) (choice.logprobs ??= []).push(...event.logprobs)
        break
      }
      case 'reasoning-delta':
        choiceAt(event.choice).reasoning += event.delta
        break
      case 'refusal-delta': {
        const choice = choiceAt(event.choice)
        choice.refusal = (choice.refusal ?? '') + event.delta
        if (event.logprobs !== undefined) (choice.refusalLogprobs ??= []).push(...event.logprobs)
        break
      }
      case 'tool-call-delta': {
        const choice = choiceAt(event.choice)
        let calls = toolCallsByChoice.get(event.choice)
        if (calls === undefined) toolCallsByChoice.set(event.choice, (calls = new Map()))
        let call = calls.get(event.index)
        if (call === undefined) {
          call = { type: 'tool-call', id: event.id ?? '', name: event.name ?? '', arguments: '' }
          calls.set(event.index, call)
          choice.toolCalls.push(call)
        } else {
          if (event.id !== undefined && call.id === '') call.id = event.id
          if (event.name !== undefined && call.name === '') call.name = event.name
        }
        call.arguments += event.argumentsDelta
        break
      }
      case 'finish': {
        const choice = choiceAt(event.choice)
        choice.finishReason = event.finishReason
        if (event.stopSequence === undefined) delete choice.stopSequence
        else choice.stopSequence = event.stopSequence
        break
      }
      case 'usage':
        result.usage = addUsage(result.usage, event.usage)
        break
      case 'native':
        if (event.whole) result.native = { dialect: event.dialect, payload: event.payload }
        break
      case 'error':
        throw event.error
    }
  }
  return result
}

/**
 * Turns a whole result into the events that would have produced it (the inverse of foldStreamEvents).
 * @example yield* streamEventsFromResult(await context.generate(request))
 */
export function* streamEventsFromResult(result: ModelResult): Generator<StreamEvent> {
  if (result.native !== undefined) yield { type: 'native', dialect: result.native.dialect, payload: result.native.payload, whole: true }
  if (Object.keys(result.metadata).length > 0) yield { type: 'response-metadata', metadata: result.metadata }
  for (const choice of result.choices) {
    if (choice.reasoning !== '') yield { type: 'reasoning-delta', choice: choice.index, delta: choice.reasoning }
    if (choice.text !== '' || choice.logprobs !== null) {
      yield { type: 'text-delta', choice: choice.index, delta: choice.text, ...(choice.logprobs === null ? {} : { logprobs: choice.logprobs }) }
    }
    if (choice.refusal !== null) {
      yield {
        type: 'refusal-delta',
        choice: choice.index,
        delta: choice.refusal,
        ...(choice.refusalLogprobs === null ? {} : { logprobs: choice.refusalLogprobs }),
      }
    }
    for (let index = 0; index < choice.toolCalls.length; index++) {
      const call = choice.toolCalls[index] as ToolCallPart
      yield { type: 'tool-call-delta', choice: choice.index, index, id: call.id, name: call.name, argumentsDelta: call.arguments }
    }
    if (choice.finishReason !== null)
      yield {
        type: 'finish',
        choice: choice.index,
        finishReason: choice.finishReason,
        ...(choice.stopSequence === undefined ? {} : { stopSequence: choice.stopSequence }),
      }
  }
  if (result.usage !== undefined) yield { type: 'usage', usage: result.usage }
}
