import { isBudgetExhausted } from '../../src/core/budget-exhausted-error.js'
import { isAbortError } from '../../src/core/proxy-error.js'
import type { Message } from '../../src/core/message.js'
import type { ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'

/**
 * A user message holding one text.
 * @example createUserMessage('Rate the reply above.')
 */
export function createUserMessage(text: string): Message {
  return { role: 'user', content: [{ type: 'text', text }] }
}

/**
 * An assistant message holding one text.
 * @example createAssistantMessage(candidate.text)
 */
export function createAssistantMessage(text: string): Message {
  return { role: 'assistant', content: [{ type: 'text', text }] }
}

/**
 * A request for an intermediate step: the client's sampling settings, new messages, no output format or
 * logprobs (those belong to the answer the client reads).
 * @example ctx.generate(createStepRequest(ctx.request, [...ctx.request.messages, createUserMessage('Critique ...')], { temperature: 0.2 }))
 */
export function createStepRequest(base: ModelRequest, messages: Message[], overrides: Partial<ModelRequest> = {}): ModelRequest {
  const { responseFormat: _format, logprobs: _logprobs, topLogprobs: _top, ...rest } = base
  return { ...rest, messages, ...overrides }
}

/**
 * A request for the final step: like the client's (output format included), with new messages.
 * @example yield* runFinalStep(context, createFinalRequest(context.request, [...context.request.messages, createUserMessage(prompt)]))
 */
export function createFinalRequest(base: ModelRequest, messages: Message[], overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { ...base, messages, ...overrides }
}

/**
 * The text of a result's first choice.
 * @example const draft = readText(await context.generate(request))
 */
export function readText(result: ModelResult): string {
  return result.choices[0]?.text ?? ''
}

/**
 * Waits for concurrent tasks; returns the values of those that succeeded, in order. Throws the first error when
 * none succeeded, and a budget cut-off or a cancellation whenever one happened (after every task has settled: the
 * approach has offered its best answer so far meanwhile), so a cut-off always ends with finish_reason `length` and a
 * cancelled request never carries on with partial results.
 * @example const drafts = await settleAll([1, 2, 3].map(() => context.generate(request)))
 */
export async function settleAll<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(tasks)
  const cutOff = settled.find(
    (entry): entry is PromiseRejectedResult => entry.status === 'rejected' && (isBudgetExhausted(entry.reason) || isAbortError(entry.reason)),
  )
  if (cutOff !== undefined) throw cutOff.reason
  const values = settled.filter((entry): entry is PromiseFulfilledResult<Awaited<T>> => entry.status === 'fulfilled').map((entry) => entry.value)
  const failure = settled.find((entry): entry is PromiseRejectedResult => entry.status === 'rejected')
  if (values.length === 0 && failure !== undefined) throw failure.reason
  return values as T[]
}
