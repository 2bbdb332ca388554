import type { Completion, CompletionChoice } from 'openai/resources/completions'
import type { ModelResult } from '../core/model-result.js'
import type { FinishReason, StreamEvent, TokenLogprob } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import { convertUsageToOpenAI } from './convert-usage.js'
import { toOpenAIError } from './error-body.js'
import type { DialectResponder, EventStreamWriter, SseFrame } from './event-stream-writer.js'
import { applyResponseMetadata, createResponseIdentity, identityFields, type ResponseIdentity } from './response-identity.js'

export interface CompletionsResponderOptions {
  model: string
  includeUsage: boolean
  /** The prompts, in order; with `echo`, each choice's text starts with its prompt. */
  prompts: string[]
  /** Choices per prompt: choice i answers prompt floor(i / n). */
  n: number
  echo: boolean
}

function mapFinishReason(reason: FinishReason | null): CompletionChoice['finish_reason'] {
  if (reason === 'length') return 'length'
  if (reason === 'content-filter') return 'content_filter'
  return 'stop'
}

/** Chat logprobs in the legacy shape: parallel arrays of tokens, their logprobs, top alternatives and text offsets. */
function convertLogprobs(logprobs: TokenLogprob[], startOffset: number): NonNullable<CompletionChoice['logprobs']> {
  const converted = { tokens: [] as string[], token_logprobs: [] as number[], top_logprobs: [] as Array<Record<string, number>>, text_offset: [] as number[] }
  let offset = startOffset
  for (const entry of logprobs) {
    converted.tokens.push(entry.token)
    converted.token_logprobs.push(entry.logprob)
    converted.top_logprobs.push(Object.fromEntries(entry.topLogprobs.map((top) => [top.token, top.logprob])))
    converted.text_offset.push(offset)
    offset += entry.token.length
  }
  return converted
}

/**
 * Writes canonical events as legacy Completions (`object: "text_completion"`), streamed or whole.
 * @example createCompletionsResponder({ model, includeUsage: false, prompts: ['Say hi'], n: 1, echo: false })
 */
export function createCompletionsResponder(options: CompletionsResponderOptions): DialectResponder {
  const identity = createResponseIdentity('cmpl-', options.model)
  const promptOf = (choice: number): string => options.prompts[Math.floor(choice / options.n)] ?? ''
  return {
    createStreamWriter: () => createCompletionsChunkWriter(identity, options, promptOf),
    createBody(result: ModelResult): Completion {
      applyResponseMetadata(identity, result.metadata)
      return {
        id: identity.id,
        object: 'text_completion',
        created: identity.created,
        model: identity.model,
        ...(identityFields(identity) as Pick<Completion, 'system_fingerprint'>),
        choices: result.choices.map((choice) => {
          const prefix = options.echo ? promptOf(choice.index) : ''
          return {
            index: choice.index,
            text: prefix + choice.text,
            logprobs: choice.logprobs === null ? null : convertLogprobs(choice.logprobs, prefix.length),
            finish_reason: mapFinishReason(choice.finishReason),
          }
        }),
        ...(result.usage === undefined ? {} : { usage: convertUsageToOpenAI(result.usage) }),
      }
    },
  }
}

function createCompletionsChunkWriter(
  identity: ResponseIdentity,
  options: CompletionsResponderOptions,
  promptOf: (choice: number) => string,
): EventStreamWriter {
  const startedChoices = new Set<number>()
  const offsets = new Map<number, number>()
  let usage: Usage | undefined
  const frame = (choices: Completion['choices'], extra?: Pick<Completion, 'usage'>): SseFrame => ({
    data: JSON.stringify({
      id: identity.id,
      object: 'text_completion',
      created: identity.created,
      model: identity.model,
      ...identityFields(identity),
      choices,
      ...extra,
    }),
  })
  const textFrame = (choice: number, delta: string, logprobs?: TokenLogprob[], finishReason: CompletionChoice['finish_reason'] | null = null): SseFrame => {
    let text = delta
    if (!startedChoices.has(choice)) {
      startedChoices.add(choice)
      if (options.echo) text = promptOf(choice) + delta
    }
    const before = offsets.get(choice) ?? 0
    offsets.set(choice, before + text.length)
    return frame([
      {
        index: choice,
        text,
        // the delta's tokens start after whatever this frame put before them (the echoed prompt)
        logprobs: logprobs === undefined ? null : convertLogprobs(logprobs, before + text.length - delta.length),
        finish_reason: finishReason as CompletionChoice['finish_reason'],
      },
    ])
  }
  return {
    write(event: Exclude<StreamEvent, { type: 'error' }>): SseFrame[] {
      switch (event.type) {
        case 'response-metadata':
          applyResponseMetadata(identity, event.metadata)
          return []
        case 'text-delta':
          return [textFrame(event.choice, event.delta, event.logprobs)]
        case 'finish':
          return [textFrame(event.choice, '', undefined, mapFinishReason(event.finishReason))]
        // another dialect's own output (a native request): this dialect has its own events of the same answer
        case 'native':
          return []
        case 'usage':
          usage = addUsage(usage, event.usage)
          return []
        default:
          // reasoning, refusals and tool calls have no place in a text completion
          return []
      }
    },
    fail: (error) => [{ data: JSON.stringify(toOpenAIError(error).body) }],
    end(): SseFrame[] {
      const frames: SseFrame[] = []
      if (options.includeUsage && usage !== undefined) frames.push(frame([], { usage: convertUsageToOpenAI(usage) }))
      frames.push({ data: '[DONE]' })
      return frames
    },
  }
}
