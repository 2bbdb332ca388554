import type { ProxyError } from '../core/proxy-error.js'
import type { StreamEvent } from '../core/stream-event.js'
import { addUsage, type Usage } from '../core/usage.js'
import { createResponseId } from './response-identity.js'
import type { FunctionCallItem, OutputMessageItem, ReasoningItem } from './responses-items.js'
import { convertErrorToResponses, convertUsageToResponses, type ResponseObject, type ResponsesStreamEvent } from './responses-object.js'

type OpenPart = { kind: 'text'; text: string } | { kind: 'refusal'; text: string } | { kind: 'reasoning'; text: string }

/**
 * Turns canonical stream events into Responses stream events, keeping the response object (the fold of the
 * events) up to date as it goes. Streamed, non-streamed and background answers all run through it, so the
 * object a client retrieves is exactly what the stream said. Only choice 0 is kept: the Responses API has no `n`.
 * @example const builder = createResponsesEventBuilder(response); const events = [...builder.start(), ...builder.write(event)]
 */
export function createResponsesEventBuilder(response: ResponseObject, firstSequenceNumber = 0) {
  let sequence = firstSequenceNumber
  let usage: Usage | undefined
  let finishReason: string | undefined
  // the open message or reasoning item and its open content part
  let openItem: { item: OutputMessageItem | ReasoningItem; outputIndex: number; part?: OpenPart } | undefined
  const openCalls = new Map<number, { item: FunctionCallItem; outputIndex: number }>()

  const clone = <T>(value: T): T => structuredClone(value)
  const event = (type: string, fields: Record<string, unknown>): ResponsesStreamEvent => ({ type, ...fields, sequence_number: sequence++ })
  const snapshot = (type: string): ResponsesStreamEvent => event(type, { response: clone(response) })

  const addItem = (item: OutputMessageItem | ReasoningItem | FunctionCallItem): { outputIndex: number; event: ResponsesStreamEvent } => {
    const outputIndex = response.output.length
    response.output.push(item)
    return { outputIndex, event: event('response.output_item.added', { output_index: outputIndex, item: clone(item) }) }
  }

  const closePart = (): ResponsesStreamEvent[] => {
    const part = openItem?.part
    if (openItem === undefined || part === undefined) return []
    const { item, outputIndex } = openItem
    openItem.part = undefined
    const base = { item_id: item.id, output_index: outputIndex, content_index: (item.content?.length ?? 1) - 1 }
    if (part.kind === 'text') {
      const done = { type: 'output_text' as const, text: part.text, annotations: [], logprobs: [] }
      ;(item as OutputMessageItem).content[base.content_index] = done
      return [
        event('response.output_text.done', { ...base, text: part.text, logprobs: [] }),
        event('response.content_part.done', { ...base, part: clone(done) }),
      ]
    }
    if (part.kind === 'refusal') {
      const done = { type: 'refusal' as const, refusal: part.text }
      ;(item as OutputMessageItem).content[base.content_index] = done
      return [event('response.refusal.done', { ...base, refusal: part.text }), event('response.content_part.done', { ...base, part: clone(done) })]
    }
    const done = { type: 'reasoning_text' as const, text: part.text }
    ;(item as ReasoningItem).content = [done]
    return [event('response.reasoning_text.done', { ...base, text: part.text }), event('response.content_part.done', { ...base, part: clone(done) })]
  }

  const closeItem = (): ResponsesStreamEvent[] => {
    if (openItem === undefined) return []
    const events = closePart()
    openItem.item.status = 'completed'
    events.push(event('response.output_item.done', { output_index: openItem.outputIndex, item: clone(openItem.item) }))
    openItem = undefined
    return events
  }

  const closeCalls = (): ResponsesStreamEvent[] => {
    const events: ResponsesStreamEvent[] = []
    for (const { item, outputIndex } of openCalls.values()) {
      item.status = 'completed'
      events.push(event('response.function_call_arguments.done', { item_id: item.id, name: item.name, output_index: outputIndex, arguments: item.arguments }))
      events.push(event('response.output_item.done', { output_index: outputIndex, item: clone(item) }))
    }
    openCalls.clear()
    return events
  }

  /** Appends a delta to the open part of kind `kind`, opening the item and part it needs first. */
  const writeDelta = (kind: OpenPart['kind'], delta: string): ResponsesStreamEvent[] => {
    if (delta === '') return []
    const events: ResponsesStreamEvent[] = []
    const itemType = kind === 'reasoning' ? 'reasoning' : 'message'
    if (openItem !== undefined && openItem.item.type !== itemType) events.push(...closeItem())
    if (openItem === undefined) {
      const item: OutputMessageItem | ReasoningItem =
        itemType === 'reasoning'
          ? { id: createResponseId('rs_', 48), type: 'reasoning', summary: [], content: [], status: 'in_progress' }
          : { id: createResponseId('msg_', 48), type: 'message', role: 'assistant', status: 'in_progress', content: [] }
      const added = addItem(item)
      events.push(added.event)
      openItem = { item, outputIndex: added.outputIndex }
    }
    const current = openItem
    if (current.part !== undefined && current.part.kind !== kind) events.push(...closePart())
    const content = (current.item.content ??= []) as unknown[]
    const existing = current.part
    const open: OpenPart = existing ?? { kind, text: '' }
    if (existing === undefined) {
      current.part = open
      const part =
        kind === 'text'
          ? { type: 'output_text', text: '', annotations: [], logprobs: [] }
          : kind === 'refusal'
            ? { type: 'refusal', refusal: '' }
            : { type: 'reasoning_text', text: '' }
      content.push(part)
      events.push(
        event('response.content_part.added', {
          item_id: current.item.id,
          output_index: current.outputIndex,
          content_index: content.length - 1,
          part: clone(part),
        }),
      )
    }
    open.text += delta
    const base = { item_id: current.item.id, output_index: current.outputIndex, content_index: content.length - 1, delta }
    if (kind === 'text') events.push(event('response.output_text.delta', { ...base, logprobs: [] }))
    else if (kind === 'refusal') events.push(event('response.refusal.delta', base))
    else events.push(event('response.reasoning_text.delta', base))
    return events
  }

  const finalize = (): void => {
    if (usage !== undefined) response.usage = convertUsageToResponses(usage)
    response.completed_at = Math.floor(Date.now() / 1000)
  }

  return {
    response,
    /** The sequence number the next event gets. */
    get nextSequenceNumber(): number {
      return sequence
    },
    /** `response.created` and then `response.queued` or `response.in_progress`, as the response's status says. */
    start(): ResponsesStreamEvent[] {
      const created = snapshot('response.created')
      return [created, snapshot(response.status === 'queued' ? 'response.queued' : 'response.in_progress')]
    },
    /** A queued response starts running. */
    begin(): ResponsesStreamEvent[] {
      response.status = 'in_progress'
      return [snapshot('response.in_progress')]
    },
    write(streamEvent: Exclude<StreamEvent, { type: 'error' }>): ResponsesStreamEvent[] {
      if ('choice' in streamEvent && streamEvent.choice !== 0) return []
      switch (streamEvent.type) {
        case 'response-metadata':
          if (streamEvent.metadata.model !== undefined && streamEvent.metadata.model !== '') response.model = streamEvent.metadata.model
          return []
        case 'text-delta':
          return writeDelta('text', streamEvent.delta)
        case 'refusal-delta':
          return writeDelta('refusal', streamEvent.delta)
        case 'reasoning-delta':
          return writeDelta('reasoning', streamEvent.delta)
        case 'tool-call-delta': {
          const events = closeItem()
          let call = openCalls.get(streamEvent.index)
          if (call === undefined) {
            const item: FunctionCallItem = {
              id: createResponseId('fc_', 48),
              type: 'function_call',
              call_id: streamEvent.id ?? createResponseId('call_', 24),
              name: streamEvent.name ?? '',
              arguments: '',
              status: 'in_progress',
            }
            const added = addItem(item)
            events.push(added.event)
            call = { item, outputIndex: added.outputIndex }
            openCalls.set(streamEvent.index, call)
          }
          call.item.arguments += streamEvent.argumentsDelta
          if (streamEvent.argumentsDelta !== '') {
            events.push(
              event('response.function_call_arguments.delta', { item_id: call.item.id, output_index: call.outputIndex, delta: streamEvent.argumentsDelta }),
            )
          }
          return events
        }
        case 'finish':
          finishReason = streamEvent.finishReason
          return []
        // another dialect's own output (a native request): this dialect has its own events of the same answer
        case 'native':
          return []
        case 'usage':
          usage = addUsage(usage, streamEvent.usage)
          return []
      }
    },
    /** Closes every open item and ends with `response.completed` (or `response.incomplete` when the output was cut). */
    complete(): ResponsesStreamEvent[] {
      const events = [...closeItem(), ...closeCalls()]
      finalize()
      if (finishReason === 'length' || finishReason === 'content-filter') {
        response.status = 'incomplete'
        response.incomplete_details = { reason: finishReason === 'length' ? 'max_output_tokens' : 'content_filter' }
        events.push(snapshot('response.incomplete'))
      } else {
        response.status = 'completed'
        events.push(snapshot('response.completed'))
      }
      return events
    },
    /** Ends with `response.failed` carrying the error. */
    fail(error: ProxyError): ResponsesStreamEvent[] {
      const events = [...closeItem(), ...closeCalls()]
      finalize()
      response.status = 'failed'
      response.error = convertErrorToResponses(error)
      events.push(snapshot('response.failed'))
      return events
    },
  }
}

export type ResponsesEventBuilder = ReturnType<typeof createResponsesEventBuilder>
