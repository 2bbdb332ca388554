import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { classifyByRules, readCategory } from '../../approaches/router/classify-by-rules.js'
import { ProxyError } from '../../src/core/proxy-error.js'
import { createApproachServices } from '../../src/approach-runtime/approach-services.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'

describe('router', () => {
  it('the classifier call names the category; the mapped approach answers; the choice is traced and counted', async () => {
    const registry = new Registry()
    const { services } = createApproachServices(registry)
    const provider = createScriptedProvider((call) =>
      call.index === 0 ? 'reasoning' : '<thinking>t</thinking><reflection>r</reflection><output>Because.</output>',
    )
    const run = await runApproachDirectly(provider, { approach: 'router', question: 'Why is the sky blue?', services: { metrics: services.metrics } })
    expect(provider.calls).toHaveLength(2)
    expect(provider.calls[0]?.request).toMatchObject({ temperature: 0, maxOutputTokens: 10 })
    expect(provider.calls[0]?.lastText).toContain('Why is the sky blue?')
    expect(run.result.choices[0]?.text).toBe('Because.')
    expect(run.result.choices[0]?.reasoning).toContain('[router] category reasoning (classifier) -> cot_reflection')
    expect(await registry.getSingleMetricAsString('optiproxy_router_choices_total')).toContain(
      'optiproxy_router_choices_total{category="reasoning",approach="cot_reflection",method="classifier"} 1',
    )
  })

  it('a configured classifier model and mapping; approach options reach the chosen approach', async () => {
    const provider = createScriptedProvider((call) => (call.index === 0 ? 'Category: creative' : 'A poem.'))
    const run = await runApproachDirectly(provider, {
      approach: 'router',
      question: 'Write a poem about the sea',
      optiproxy: { router: { model: 'small-classifier', mapping: { creative: 're2' } } },
    })
    expect(provider.calls.map((call) => call.request.model)).toEqual(['small-classifier', 'test-model'])
    expect(provider.calls[1]?.lastText).toContain('Read the question again')
    expect(run.result.choices[0]?.text).toBe('A poem.')
  })

  it('rules decide when the classifier fails or names nothing, and with method rules (no classifier call)', async () => {
    const failing = createScriptedProvider((call) => {
      if (call.index === 0) throw new ProxyError('upstream down', { status: 503, type: 'upstream_error' })
      return 'Answer: 391'
    })
    const run = await runApproachDirectly(failing, { approach: 'router', question: 'What is 17 * 23?', optiproxy: { router: { mapping: { math: 'none' } } } })
    expect(run.result.choices[0]?.reasoning).toContain('category math (rules) -> none')
    const rulesOnly = createScriptedProvider(() => 'x')
    const ruled = await runApproachDirectly(rulesOnly, { approach: 'router', question: 'Who founded Rome?', optiproxy: { router: { method: 'rules' } } })
    expect(rulesOnly.calls).toHaveLength(1)
    expect(ruled.result.choices[0]?.reasoning).toContain('category factual (rules) -> re2')
  })

  it('rules and reply parsing', () => {
    expect(classifyByRules('Fix this bug:\n```python\nprint(1\n```')).toBe('code')
    expect(classifyByRules('Solve the puzzle: knights and knaves on an island')).toBe('logic')
    expect(classifyByRules('Calculate the integral of x^2')).toBe('math')
    expect(classifyByRules('Write a haiku about autumn')).toBe('creative')
    expect(classifyByRules('Explain the trade-offs of microservices')).toBe('reasoning')
    expect(classifyByRules('hello there')).toBe('other')
    expect(readCategory('  MATH ')).toBe('math')
    expect(readCategory('no idea')).toBeUndefined()
  })
})
