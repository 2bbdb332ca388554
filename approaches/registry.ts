import { bonApproach } from './bon/index.js'
import { chainOfCodeApproach } from './coc/index.js'
import { cepoApproach } from './cepo/index.js'
import { cotReflectionApproach } from './cot_reflection/index.js'
import { deepThinkApproach } from './deepthink/index.js'
import { decomposeApproach } from './decompose/index.js'
import { executeCodeApproach } from './executecode/index.js'
import { genSelectApproach } from './genselect/index.js'
import { jsonApproach } from './json/index.js'
import { leapApproach } from './leap/index.js'
import { majorityVotingApproach } from './majority_voting/index.js'
import { marsApproach } from './mars/index.js'
import { mctsApproach } from './mcts/index.js'
import { moaApproach } from './moa/index.js'
import { noneApproach } from './none/index.js'
import { privacyApproach } from './privacy/index.js'
import { planSearchApproach } from './plansearch/index.js'
import { pvgApproach } from './pvg/index.js'
import { re2Approach } from './re2/index.js'
import { routerApproach } from './router/index.js'
import { rstarApproach } from './rstar/index.js'
import { rtoApproach } from './rto/index.js'
import { selfConsistencyApproach } from './self_consistency/index.js'
import { deepResearchApproach } from './deep_research/index.js'
import { mcpApproach } from './mcp/index.js'
import { memoryApproach } from './memory/index.js'
import { readUrlsApproach } from './readurls/index.js'
import { webSearchApproach } from './web_search/index.js'
import { systemPromptLearningApproach } from './spl/index.js'
import type { Approach } from '../src/core/approach.js'
import { z3Approach } from './z3/index.js'

/** The plugins among the approaches: stages that bring material in (pages, chunks, search results, tools). */
export const pluginSlugs: ReadonlySet<string> = new Set(['readurls', 'memory', 'web_search', 'deep_research', 'mcp'])

/** Every approach the proxy knows, by slug. Immutable: per-request settings live in the request's context. */
export const approachRegistry: ReadonlyMap<string, Approach<unknown>> = new Map(
  [
    noneApproach,
    bonApproach,
    selfConsistencyApproach,
    majorityVotingApproach,
    moaApproach,
    cotReflectionApproach,
    re2Approach,
    rtoApproach,
    leapApproach,
    planSearchApproach,
    pvgApproach,
    mctsApproach,
    rstarApproach,
    cepoApproach,
    marsApproach,
    decomposeApproach,
    // plugins: stages that bring material in (usable alone, or before another approach with `&`)
    readUrlsApproach,
    memoryApproach,
    webSearchApproach,
    deepResearchApproach,
    mcpApproach,
    executeCodeApproach,
    z3Approach,
    jsonApproach,
    privacyApproach,
    routerApproach,
    genSelectApproach,
    deepThinkApproach,
    chainOfCodeApproach,
    systemPromptLearningApproach,
  ].map((approach) => [approach.id, approach as Approach<unknown>]),
)
