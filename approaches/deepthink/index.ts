import { z } from 'zod'
import { voteOnAnswers } from '../shared/answers.js'
import { defineApproach } from '../shared/define-approach.js'
import { emitAnswer, runFinalStep } from '../shared/final-step.js'
import { draftCandidates } from '../shared/judging.js'
import { createFinalRequest, createStepRequest, createUserMessage, readText } from '../shared/requests.js'
import { renderConversation, renderProblem } from '../shared/task-prompts.js'
import { reasoningModules } from './reasoning-modules.js'

const optionsSchema = z
  .object({
    /** Samples drawn with the reasoning structure. */
    samples: z.int().min(1).max(16).default(3),
    /** Their temperature. */
    temperature: z.number().min(0).max(2).default(0.7),
    /** Share of samples that must agree on the extracted answer for it to be returned without a greedy pass. */
    confidence_threshold: z.number().min(0).max(1).default(0.6),
  })
  .strict()

const selectPrompt = (problem: string): string =>
  `Problem:\n${problem}\n\nReasoning modules:\n${reasoningModules.map((module, index) => `${index + 1}. ${module}`).join('\n')}\n\n` +
  'Select the few modules (usually two to four) that are most useful for solving this problem, and say in one line each why.'

const adaptPrompt = (problem: string, selected: string): string =>
  `Problem:\n${problem}\n\nSelected reasoning modules:\n${selected}\n\n` +
  'Rephrase each selected module so that it is specific to this problem: what exactly to do, with which quantities or facts.'

const structurePrompt = (problem: string, adapted: string): string =>
  `Problem:\n${problem}\n\nAdapted reasoning modules:\n${adapted}\n\n` +
  'Turn them into a step-by-step reasoning plan for this problem: numbered steps, each saying what to work out. Do not solve the problem yet.'

const solvePrompt = (structure: string): string =>
  `Solve the request above by following this reasoning plan step by step:\n\n${structure}\n\n` +
  'Fill in every step, then give the final answer on a last line "Answer: ...".'

/**
 * `deepthink`: self-discover reasoning with confidence-guided sampling. Three calls build a reasoning structure for
 * the problem (select modules from our list, adapt them to the problem, turn them into a step plan); then `samples`
 * solutions follow that plan at `temperature`. When at least `confidence_threshold` of them agree on the extracted
 * final answer (shared extractor, grouped by meaning), the first of them is returned; otherwise the model answers
 * once more greedily (temperature 0), streamed. Of OptiLLM's deepthink plugin this keeps the self-discover structure
 * and the uncertainty-routed sampling; it does not use token-level logprob confidence.
 * Calls: 3 + samples, plus 1 when the samples disagree.
 */
export const deepThinkApproach = defineApproach({
  id: 'deepthink',
  description: 'Self-discover reasoning (select, adapt, structure) with confidence-guided sampling.',
  optionsSchema,
  async *run(context) {
    const { options } = context
    const problem = renderProblem(context.task)
    const ask = async (prompt: string, name: string): Promise<string> =>
      readText(await context.generate(createStepRequest(context.request, [createUserMessage(prompt)], { temperature: 0 }), { name }))
    const selected = await ask(selectPrompt(problem), 'select')
    context.trace(`[select]\n${selected}\n`)
    const adapted = await ask(adaptPrompt(problem, selected), 'adapt')
    context.trace(`[adapt]\n${adapted}\n`)
    const structure = await ask(structurePrompt(problem, adapted), 'structure')
    context.trace(`[structure]\n${structure}\n`)
    const conversation = renderConversation(context.task)
    const samples = await draftCandidates(
      context,
      options.samples,
      () => createStepRequest(context.request, [...conversation, createUserMessage(solvePrompt(structure))], { temperature: options.temperature }),
      'sample',
    )
    const vote = voteOnAnswers(samples.map((sample) => sample.text))
    const agreeing = vote.tally[0]?.[1] ?? 0
    const confidence = samples.length === 0 ? 0 : agreeing / samples.length
    context.record({ kind: 'vote', tally: vote.tally, winner: vote.answer })
    context.trace(
      `[confidence] ${agreeing}/${samples.length} agree on ${vote.answer ?? 'no answer'} (${confidence.toFixed(2)}; threshold ${options.confidence_threshold})\n`,
    )
    if (vote.answer !== undefined && confidence >= options.confidence_threshold) {
      yield* emitAnswer((samples[vote.sampleIndex] ?? samples[0])?.text ?? '')
      return
    }
    context.trace('[confidence] below the threshold: a greedy pass answers\n')
    yield* runFinalStep(context, createFinalRequest(context.request, [...conversation, createUserMessage(solvePrompt(structure))], { temperature: 0 }))
  },
})
