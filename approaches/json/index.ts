import { renderConversation } from '../shared/task-prompts.js'
import type { ErrorObject, ValidateFunction } from 'ajv'
import { z } from 'zod'
import { isAbortError, ProxyError } from '../../src/core/proxy-error.js'
import type { ModelRequest, ResponseFormat } from '../../src/core/request.js'
import { isBudgetExhausted } from '../../src/core/budget-exhausted-error.js'
import { emitAnswer } from '../shared/final-step.js'
import { createAssistantMessage, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import type { Approach } from '../../src/core/approach.js'
import { readJsonReply } from './read-json-reply.js'

const optionsSchema = z
  .object({
    /** `auto`: ask the provider for native structured output too (a provider that refuses it gets instructions only). */
    native: z.enum(['auto', 'off']).default('auto'),
    /** Re-asks after an answer that is not valid JSON or does not match the schema. */
    max_repairs: z.number().int().min(0).max(5).default(2),
  })
  .strict()
type JsonOptions = z.infer<typeof optionsSchema>

/** Schemas and answers larger than these are refused (a hostile schema is compiled, an answer validated). */
const maxSchemaChars = 50_000
const maxReportedErrors = 10

const anyObjectSchema = { type: 'object' }

function buildInstructions(schema: Record<string, unknown>, format: ResponseFormat | undefined): string {
  const name = format?.type === 'json-schema' ? ` named "${format.name}"${format.description === undefined ? '' : ` (${format.description})`}` : ''
  return `Answer with one JSON value${name} that conforms to this JSON Schema, and nothing else: no prose, no code fence.\n\nSchema:\n${JSON.stringify(schema)}`
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, maxReportedErrors)
    .map((error) => `- ${error.instancePath === '' ? '(root)' : error.instancePath}: ${error.message ?? 'invalid'}`)
    .join('\n')
}

async function compileSchema(schema: Record<string, unknown>): Promise<ValidateFunction> {
  if (JSON.stringify(schema).length > maxSchemaChars)
    throw new ProxyError(`The response_format schema is longer than ${maxSchemaChars} characters.`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'response_format',
    })
  // ajv and the linear-time regex engine load with the first json request, not at start-up
  const [{ Ajv }, { compileLinearRegExp }] = await Promise.all([import('ajv'), import('./linear-regexp.js')])
  try {
    return new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: compileLinearRegExp } }).compile(schema)
  } catch (error) {
    if (error instanceof ProxyError) throw error
    throw new ProxyError(`The response_format schema is not a valid JSON Schema: ${error instanceof Error ? error.message : String(error)}`, {
      status: 400,
      type: 'invalid_request_error',
      param: 'response_format',
    })
  }
}

/** An upstream that refuses the structured-output parameter (a 400 naming it) is asked again without it. */
function isFormatRefusal(error: unknown): boolean {
  return error instanceof ProxyError && error.status === 400 && !isAbortError(error) && !isBudgetExhausted(error)
}

/**
 * `json`: the answer conforms to the request's `response_format` (a JSON Schema, or any JSON object for
 * `json_object`; any object when there is none) on every provider. The model is asked with schema instructions
 * and, with `native: auto`, the provider's native structured output; the reply is parsed and validated with ajv
 * (its `pattern`s run on RE2: linear time whatever the client's pattern);
 * an invalid reply is sent back with the validation errors for repair, up to `max_repairs` times. The client gets
 * the validated JSON (compact), or a 502 `json_schema_not_satisfied` after the last repair. Calls: 1 to
 * 1 + max_repairs (one more when the upstream refuses native structured output).
 */
export const jsonApproach: Approach<JsonOptions> = {
  id: 'json',
  description: "Answers that validate against the request's JSON Schema on every provider: native structured output, else instructions, validation and repair.",
  optionsSchema: optionsSchema as z.ZodType<JsonOptions>,
  async *run(context) {
    const format = context.request.responseFormat
    const schema = format?.type === 'json-schema' && format.schema !== undefined ? format.schema : anyObjectSchema
    const validate = await compileSchema(schema)
    const conversation = [{ role: 'system' as const, content: buildInstructions(schema, format) }, ...renderConversation(context.task)]
    let native = context.options.native === 'auto' && format !== undefined && format.type !== 'text'
    let problem = ''
    for (let attempt = 0; attempt <= context.options.max_repairs; attempt++) {
      const base = createStepRequest(context.request, conversation)
      const call: ModelRequest = native && format !== undefined ? { ...base, responseFormat: format } : base
      let reply: string
      try {
        reply = readText(await context.generate(call, { name: attempt === 0 ? 'answer' : 'repair', ...(attempt === 0 ? {} : { index: attempt - 1 }) }))
      } catch (error) {
        if (!native || !isFormatRefusal(error)) throw error
        context.trace('[json] the upstream refused native structured output: instructions and validation only\n')
        native = false
        attempt--
        continue
      }
      const parsed = readJsonReply(reply)
      if (parsed !== undefined && validate(parsed.value)) {
        context.trace(`[json] attempt ${attempt + 1}: valid\n`)
        yield* emitAnswer(JSON.stringify(parsed.value))
        return
      }
      problem = parsed === undefined ? '- the reply is not valid JSON' : describeErrors(validate.errors)
      context.trace(`[json] attempt ${attempt + 1}: invalid\n${problem}\n`)
      context.record({ kind: 'note', text: `json attempt ${attempt + 1} invalid` })
      conversation.push(
        createAssistantMessage(reply),
        createUserMessage(`That reply does not conform to the schema:\n${problem}\n\nReply again with only the corrected JSON.`),
      )
    }
    throw new ProxyError(`The model's answer did not conform to the response_format schema after ${context.options.max_repairs} repairs:\n${problem}`, {
      status: 502,
      type: 'upstream_error',
      code: 'json_schema_not_satisfied',
    })
  },
}
