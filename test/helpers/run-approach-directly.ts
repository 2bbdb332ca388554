import { approachRegistry } from '../../approaches/registry.js'
import { foldStreamEvents, type ModelResult } from '../../src/core/model-result.js'
import type { ModelRequest } from '../../src/core/request.js'
import type { StreamEvent } from '../../src/core/stream-event.js'
import { builtInApproachDefaults, startApproach, type PipelineDependencies } from '../../src/approach-runtime/run-approach.js'
import type { ScriptedProvider } from './scripted-provider.js'

export interface DirectRun {
  events: StreamEvent[]
  result: ModelResult
  upstreamCalls: number
}

/**
 * Runs a request through startApproach (resolution, settings, ledger, plan) against a scripted provider,
 * without HTTP, and returns every event, the folded result and the upstream call count.
 * @example const run = await runApproachDirectly(provider, { approach: 'bon', question: 'What is 2+2?' })
 */
export async function runApproachDirectly(
  provider: ScriptedProvider,
  input: {
    approach: string
    question?: string
    services?: PipelineDependencies['services']
    optiproxy?: Record<string, unknown>
    streaming?: boolean
    n?: number
    signal?: AbortSignal
    request?: Partial<ModelRequest>
  },
): Promise<DirectRun> {
  const started = startApproach(
    {
      provider,
      registry: approachRegistry,
      defaultApproach: 'none',
      approachDefaults: builtInApproachDefaults,
      ...(input.services === undefined ? {} : { services: input.services }),
    },
    {
      request: {
        model: 'test-model',
        messages: [{ role: 'user', content: [{ type: 'text', text: input.question ?? 'What is 2+2?' }] }],
        extra: {},
        ...(input.n === undefined ? {} : { n: input.n }),
        ...input.request,
      },
      approachField: input.approach,
      ...(input.optiproxy === undefined ? {} : { optiproxy: input.optiproxy }),
      streaming: input.streaming ?? false,
    },
    { signal: input.signal ?? new AbortController().signal },
  )
  const events: StreamEvent[] = []
  const result = await foldStreamEvents(
    (async function* () {
      for await (const event of started.events) {
        events.push(event)
        yield event
      }
    })(),
  )
  return { events, result, upstreamCalls: started.upstreamCalls() }
}
