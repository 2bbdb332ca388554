import type { UpstreamAttemptObserver } from '../core/provider.js'
import type { StepLabel } from '../core/approach-step.js'
import type { Message } from '../core/message.js'
import { redactSecrets } from '../core/redact-secrets.js'
import type { ModelResult } from '../core/model-result.js'
import { toProxyError } from '../core/proxy-error.js'
import type { ModelRequest } from '../core/request.js'
import type { StreamEvent } from '../core/stream-event.js'
import type { CallTraceScope, SpanRecorder, TraceAttributes } from '../core/trace-span.js'
import type { Usage } from '../core/usage.js'

/** The trace of one ledger call: one `upstream_call` span per attempt the upstream received. */
export interface UpstreamCallTrace {
  /** Passed to the provider in ProviderCallOptions: retries and failovers open the next attempt's span. */
  readonly attempts: UpstreamAttemptObserver
  /** A streamed call's events, as they pass. */
  observe(event: StreamEvent): void
  succeed(result?: ModelResult): void
  fail(error: unknown, cancelled: boolean): void
}

const maxMessagesKept = 64
const maxTextChars = 16_384

/** Text kept in a trace: cut to the limit and redacted like logs (keys and bearer tokens masked). */
function clip(value: string): string {
  return redactSecrets(value.length > maxTextChars ? `${value.slice(0, maxTextChars)}… [${value.length - maxTextChars} more characters]` : value, [])
}

/** The conversation as plain `role: text` lines, for a trace kept with prompt logging on. */
function renderMessages(messages: Message[]): string {
  return messages
    .slice(-maxMessagesKept)
    .map((message) => {
      const text =
        typeof message.content === 'string'
          ? message.content
          : message.content.map((part) => ('text' in part && typeof part.text === 'string' ? part.text : `[${part.type}]`)).join('')
      return `${message.role}: ${text}`
    })
    .join('\n\n')
}

/**
 * Opens the first attempt's span under the call's step (GenAI semantic-convention attribute names, so the
 * OpenTelemetry export copies them as they are) and follows the call through its retries and failovers.
 * @example const trace = startUpstreamCallTrace(scope, { name: 'candidate', index: 0 }, request, 'generate')
 */
export function startUpstreamCallTrace(
  scope: CallTraceScope,
  step: StepLabel | undefined,
  request: ModelRequest,
  kind: 'generate' | 'stream',
): UpstreamCallTrace {
  const parent = scope.parentFor(step)
  const base: TraceAttributes = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': request.model,
    'optiproxy.stream': kind === 'stream',
    ...(step === undefined ? {} : { 'optiproxy.step': step.index === undefined ? step.name : `${step.name} ${step.index}` }),
    ...(request.temperature === undefined ? {} : { 'gen_ai.request.temperature': request.temperature }),
    ...(request.maxOutputTokens === undefined ? {} : { 'gen_ai.request.max_tokens': request.maxOutputTokens }),
    ...(scope.capturesText ? { 'gen_ai.input.messages': clip(renderMessages(request.messages)) } : {}),
  }
  let attempt = 1
  const name = `chat ${request.model}`
  let span: SpanRecorder = parent.startChild('upstream_call', name, { ...base, 'optiproxy.attempt': attempt })
  let text = ''
  let reasoning = ''
  let usage: Usage | undefined
  const finishReasons: string[] = []

  const failureAttributes = (error: unknown): TraceAttributes => {
    const failure = toProxyError(error)
    return { 'error.type': failure.code ?? failure.type, 'error.message': failure.message.slice(0, 500), 'http.response.status_code': failure.status }
  }
  const next = (attributes: TraceAttributes): void => {
    attempt++
    span = parent.startChild('upstream_call', name, { ...base, 'optiproxy.attempt': attempt, ...attributes })
  }

  return {
    attempts: {
      attemptEnded(report) {
        span.setAttributes({ 'gen_ai.provider.name': report.provider, 'gen_ai.request.model': report.model })
      },
      retrying(failure, retry) {
        span.end('error', failureAttributes(failure))
        next({ 'optiproxy.retry': retry })
      },
      failingOver(failure, from, to) {
        span.end('error', failureAttributes(failure))
        next({ 'optiproxy.failover_from': from, 'optiproxy.target': to })
      },
    },
    observe(event) {
      if (event.type === 'usage') usage = event.usage
      else if (event.type === 'finish') finishReasons.push(event.finishReason)
      else if (scope.capturesText && event.type === 'text-delta' && text.length < 16_384) text += event.delta
      else if (scope.capturesText && event.type === 'reasoning-delta' && reasoning.length < 16_384) reasoning += event.delta
      else if (event.type === 'error') span.setAttributes(failureAttributes(event.error))
    },
    succeed(result) {
      if (result !== undefined) {
        usage = result.usage
        for (const choice of result.choices) {
          if (choice.finishReason !== null) finishReasons.push(choice.finishReason)
          if (scope.capturesText) {
            text += choice.text
            reasoning += choice.reasoning
          }
        }
        if (result.metadata.model !== undefined) span.setAttributes({ 'gen_ai.response.model': result.metadata.model })
      }
      const attributes: TraceAttributes = {}
      if (usage !== undefined) {
        scope.countCall(usage.promptTokens, usage.completionTokens)
        attributes['gen_ai.usage.input_tokens'] = usage.promptTokens
        attributes['gen_ai.usage.output_tokens'] = usage.completionTokens
      }
      if (finishReasons.length > 0) attributes['gen_ai.response.finish_reasons'] = finishReasons.slice(0, 16)
      if (scope.capturesText) {
        attributes['gen_ai.output.text'] = clip(text)
        if (reasoning !== '') attributes['gen_ai.output.reasoning'] = clip(reasoning)
      }
      span.end('ok', attributes)
    },
    fail(error, cancelled) {
      if (usage !== undefined) scope.countCall(usage.promptTokens, usage.completionTokens)
      span.end(cancelled ? 'cancelled' : 'error', failureAttributes(error))
    },
  }
}
