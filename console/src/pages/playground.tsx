import { useRef, useState } from 'preact/hooks'
import { fetchAdmin, readClientKey, readEventStream, saveClientKey, type RequestTrace } from '../api.js'
import { formatDuration } from '../format.js'

const maxColumns = 4

interface Column {
  approach: string
  requestId?: string
  reasoning: string
  answer: string
  status: 'idle' | 'running' | 'done' | 'error'
  error?: string
  calls?: number
  promptTokens?: number
  completionTokens?: number
  elapsedMs?: number
}

interface ChatMessage {
  role: string
  content: string
}

/** The prompt as messages: a pasted JSON conversation ([{ role, content }, ...]) as it is, else one user message. */
function readConversation(prompt: string): ChatMessage[] {
  const trimmed = prompt.trim()
  if (trimmed.startsWith('[')) {
    try {
      const parsed = JSON.parse(trimmed) as unknown
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'object' && item !== null && 'role' in item && 'content' in item))
        return parsed as ChatMessage[]
    } catch {
      // not JSON: the text is the prompt
    }
  }
  return [{ role: 'user', content: prompt }]
}

/** Runs one column: a streamed chat completion, its reasoning and answer shown as they arrive, then its trace's call count. */
async function runColumn(
  model: string,
  messages: ChatMessage[],
  column: Column,
  signal: AbortSignal,
  update: (change: Partial<Column>) => void,
): Promise<void> {
  const requestId = `pg_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  const started = performance.now()
  update({ requestId, status: 'running', reasoning: '', answer: '' })
  const key = readClientKey()
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(key === '' ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ model, messages, stream: true, stream_options: { include_usage: true }, optillm_approach: column.approach }),
    signal,
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } }
    update({ status: 'error', error: body.error?.message ?? `HTTP ${response.status}`, elapsedMs: performance.now() - started })
    return
  }
  let reasoning = ''
  let answer = ''
  await readEventStream(response, (message) => {
    if (message.data === '[DONE]') return
    const chunk = JSON.parse(message.data) as {
      choices?: Array<{ delta?: { content?: string | null; reasoning_content?: string | null } }>
      usage?: { prompt_tokens: number; completion_tokens: number } | null
      error?: { message?: string }
    }
    if (chunk.error !== undefined) {
      update({ status: 'error', error: chunk.error.message ?? 'error' })
      return
    }
    const delta = chunk.choices?.[0]?.delta
    if (typeof delta?.reasoning_content === 'string') reasoning += delta.reasoning_content
    if (typeof delta?.content === 'string') answer += delta.content
    update({
      reasoning,
      answer,
      elapsedMs: performance.now() - started,
      ...(chunk.usage == null ? {} : { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens }),
    })
  })
  update({ status: 'done', elapsedMs: performance.now() - started })
  // the call count comes from the request's trace (it counts retries and failovers too)
  for (let attempt = 0; attempt < 20; attempt++) {
    const trace = await fetchAdmin<RequestTrace>(`/v1/optiproxy/traces/${requestId}`).catch(() => undefined)
    if (trace !== undefined && trace.status !== 'running') {
      update({ calls: trace.upstreamCalls })
      return
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
}

/** The playground: one prompt, one model, up to four approaches run side by side and streamed live. */
export function PlaygroundPage() {
  const [prompt, setPrompt] = useState('What is 17 * 23? Answer with the number.')
  const [model, setModel] = useState('gpt-4o-mini')
  const [clientKey, setClientKey] = useState(readClientKey)
  const [columns, setColumns] = useState<Column[]>([
    { approach: 'none', reasoning: '', answer: '', status: 'idle' },
    { approach: 'bon', reasoning: '', answer: '', status: 'idle' },
  ])
  const running = useRef<AbortController | undefined>(undefined)

  const updateColumn = (index: number, change: Partial<Column>): void =>
    setColumns((current) => current.map((column, position) => (position === index ? { ...column, ...change } : column)))

  const run = (): void => {
    running.current?.abort()
    const controller = new AbortController()
    running.current = controller
    saveClientKey(clientKey)
    const messages = readConversation(prompt)
    columns.forEach((column, index) => {
      runColumn(model, messages, column, controller.signal, (change) => updateColumn(index, change)).catch((error: unknown) => {
        if (!controller.signal.aborted) updateColumn(index, { status: 'error', error: String(error) })
      })
    })
  }

  return (
    <section class="playground">
      <header class="page-header">
        <h1>Playground</h1>
      </header>
      <div class="playground-form">
        <label class="prompt">
          Prompt (or a pasted JSON conversation)
          <textarea name="prompt" rows={4} value={prompt} onInput={(event) => setPrompt(event.currentTarget.value)} />
        </label>
        <div class="row-inputs">
          <label>
            Model
            <input name="model" value={model} onInput={(event) => setModel(event.currentTarget.value)} />
          </label>
          <label>
            Client API key (if the proxy needs one)
            <input name="client-key" type="password" value={clientKey} onInput={(event) => setClientKey(event.currentTarget.value)} />
          </label>
          <button
            type="button"
            disabled={columns.length >= maxColumns}
            onClick={() => setColumns([...columns, { approach: 'moa', reasoning: '', answer: '', status: 'idle' }])}
          >
            Add approach
          </button>
          <button type="button" class="primary" name="run" onClick={run}>
            Run
          </button>
        </div>
      </div>
      <div class="columns">
        {columns.map((column, index) => (
          <article key={index} class={`column ${column.status}`} data-column={index}>
            <header>
              <input
                name={`approach-${index}`}
                value={column.approach}
                aria-label="approach"
                onInput={(event) => updateColumn(index, { approach: event.currentTarget.value.trim() })}
              />
              {columns.length > 1 ? (
                <button type="button" class="link" onClick={() => setColumns(columns.filter((_, position) => position !== index))}>
                  remove
                </button>
              ) : null}
            </header>
            <div class="stats">
              <span>calls {column.calls ?? '…'}</span>
              <span>
                tokens {column.promptTokens ?? '…'} / {column.completionTokens ?? '…'}
              </span>
              <span title="No price table is configured">cost —</span>
              <span>{column.elapsedMs === undefined ? '' : formatDuration(column.elapsedMs)}</span>
              {column.requestId === undefined || column.status === 'running' ? null : <a href={`#/requests/${column.requestId}`}>trace</a>}
            </div>
            {column.reasoning === '' ? null : (
              <details open class="reasoning">
                <summary>reasoning</summary>
                <pre>{column.reasoning}</pre>
              </details>
            )}
            <div class="answer">{column.answer}</div>
            {column.error === undefined ? null : <p class="error">{column.error}</p>}
          </article>
        ))}
      </div>
    </section>
  )
}
