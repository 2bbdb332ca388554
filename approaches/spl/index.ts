import { z } from 'zod'
import { isBudgetExhausted } from '../../src/core/budget-exhausted-error.js'
import { isAbortError } from '../../src/core/proxy-error.js'
import type { Strategy } from '../../src/core/services/strategy-store.js'
import { readQuestionText } from '../../src/core/task.js'
import { defineApproach } from '../shared/define-approach.js'
import { runFinalStep } from '../shared/final-step.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { renderConversation } from '../shared/task-prompts.js'
import { classifyByRules } from '../router/classify-by-rules.js'

const optionsSchema = z
  .object({
    /** Learn a strategy from each answered request (one extra call). Off unless configured (config file or request). */
    learn: z.boolean().default(false),
    /** Strategies of the problem type added to the system prompt, at most. */
    max_strategies: z.int().min(0).max(10).default(3),
  })
  .strict()

const strategiesIntroduction = 'Strategies that worked for earlier problems of this kind (use them where they apply):'

const learnPrompt = (problemType: string, question: string, answer: string): string =>
  `A ${problemType} problem and the answer given to it follow.\n\nProblem:\n${question.slice(0, 4_000)}\n\nAnswer:\n${answer.slice(0, 4_000)}\n\n` +
  `Write one general strategy, in at most three sentences, that would help solve other ${problemType} problems like ` +
  "this one: a method or a check, not this problem's particular facts or numbers. Reply with the strategy only, or " +
  'with NONE when there is nothing general to learn.'

/**
 * `spl`, system prompt learning: the request's problem type (the router's rules: math, code, logic, reasoning,
 * factual, creative, other) selects the learned strategies kept for it, which are added to the system prompt of the
 * answer. With `learn` on, the model then distils one general strategy from the question and its answer into the
 * store (memory, or Redis shared by instances; bounded per type). Strategies contain no personal detail by
 * instruction only: do not turn learning on for traffic whose answers must not inform other users' prompts.
 * The store is listed at GET /v1/spl/strategies. Calls: 1, plus 1 when learning.
 */
export const systemPromptLearningApproach = defineApproach({
  id: 'spl',
  description: 'System prompt learning: strategies learned per problem type are added to the system prompt; learning when configured.',
  optionsSchema,
  async *run(context) {
    const { options, strategies: store } = context
    const question = readQuestionText(context.task)
    const problemType = classifyByRules(question)
    const chosen: Strategy[] = store === undefined || options.max_strategies === 0 ? [] : await store.list(problemType, options.max_strategies)
    context.trace(`[spl] problem type ${problemType}; ${chosen.length} strategies applied${store === undefined ? ' (no strategy store)' : ''}\n`)
    if (chosen.length > 0)
      await store?.recordUse(
        problemType,
        chosen.map((strategy) => strategy.id),
      )
    const system =
      chosen.length === 0
        ? []
        : [{ role: 'system' as const, content: `${strategiesIntroduction}\n${chosen.map((strategy, index) => `${index + 1}. ${strategy.text}`).join('\n')}` }]
    let answer = ''
    for await (const event of runFinalStep(context, createFinalRequest(context.request, [...system, ...renderConversation(context.task)]))) {
      if (event.type === 'text-delta') answer += event.delta
      yield event
    }
    if (!options.learn || store === undefined || answer.trim() === '') return
    try {
      const reply = readText(
        await context.generate(createStepRequest(context.request, [createUserMessage(learnPrompt(problemType, question, answer))], { temperature: 0 }), {
          name: 'learning',
        }),
      ).trim()
      if (reply === '' || /^none\b/i.test(reply)) {
        context.trace('[spl] nothing general to learn\n')
        return
      }
      const learned = await store.add(problemType, reply)
      context.trace(`[spl] learned for ${problemType}: ${learned.text}\n`)
      context.record({ kind: 'note', text: `spl learned a ${problemType} strategy` })
    } catch (error) {
      if (isAbortError(error) || isBudgetExhausted(error)) throw error
      context.trace(`[spl] learning failed: ${error instanceof Error ? error.message.slice(0, 200) : 'error'}\n`)
    }
  },
})
