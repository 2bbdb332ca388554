import type OpenAI from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectPersonalData, loadNameTagger, passesIbanCheck, passesLuhn } from '../../approaches/privacy/detect-personal-data.js'
import { createPseudonymizer } from '../../approaches/privacy/pseudonymizer.js'
import { buildChatCompletionChunks } from '../helpers/mock-openai-upstream.js'
import { runApproachDirectly } from '../helpers/run-approach-directly.js'
import { createScriptedProvider } from '../helpers/scripted-provider.js'
import { startProxyUnderTest, type ProxyUnderTest } from '../helpers/start-proxy.js'

// the name tagger loads on first use (the plugin loads it itself; these tests call the detector directly)
beforeAll(loadNameTagger)

const personal = {
  email: 'alice.johnson@example.com',
  phone: '+1 415-555-0132',
  card: '4111 1111 1111 1111',
  iban: 'DE89 3704 0044 0532 0130 00',
  ip: '203.0.113.42',
  ipv6: '2001:db8::8a2e:370:7334',
  ssn: '123-45-6789',
  person: 'Alice Johnson',
  organization: 'Microsoft',
  place: 'Berlin',
}
const question =
  `Hi, I am ${personal.person} (${personal.email}, phone ${personal.phone}). I work at ${personal.organization} in ${personal.place}. ` +
  `Card ${personal.card}, IBAN ${personal.iban}, SSN ${personal.ssn}, my server is ${personal.ip} and ${personal.ipv6}. ` +
  'Write me a short reply that repeats my name, email and city.'

describe('privacy detectors', () => {
  it('checksums: Luhn for cards, mod-97 for IBANs; invalid ones are left alone', () => {
    expect(passesLuhn('4111111111111111')).toBe(true)
    expect(passesLuhn('4111111111111112')).toBe(false)
    expect(passesIbanCheck('DE89370400440532013000')).toBe(true)
    expect(passesIbanCheck('DE89370400440532013001')).toBe(false)
    expect(detectPersonalData('order 4111 1111 1111 1112 today')).toEqual([])
    expect(detectPersonalData('IBAN DE89 3704 0044 0532 0130 01').filter((match) => match.kind === 'IBAN')).toEqual([])
  })

  it('finds every kind in one text, names included', () => {
    const kinds = new Set(detectPersonalData(question).map((match) => match.kind))
    expect([...kinds].sort()).toEqual(['CARD', 'EMAIL', 'IBAN', 'IP', 'NATIONAL_ID', 'ORGANIZATION', 'PERSON', 'PHONE', 'PLACE'])
  })

  it('the same value gets the same placeholder; a placeholder split across stream pieces is restored whole', () => {
    const pseudonymizer = createPseudonymizer()
    const masked = pseudonymizer.mask(`${personal.email} and again ${personal.email}`)
    expect(masked).toBe('[EMAIL_1] and again [EMAIL_1]')
    const restorer = pseudonymizer.createStreamRestorer()
    const pieces = ['Write to [EM', 'AIL', '_1', '] today [', 'not a placeholder] [EMAIL_9]']
    expect(pieces.map((piece) => restorer.push(piece)).join('') + restorer.end()).toBe(`Write to ${personal.email} today [not a placeholder] [EMAIL_9]`)
  })
})

describe('privacy plugin', () => {
  it('call graph: one masked call (inner approach none), the answer restored', async () => {
    const provider = createScriptedProvider(() => 'Dear [PERSON_1], we will write to [EMAIL_1] in [PLACE_1].')
    const run = await runApproachDirectly(provider, { approach: 'privacy', question })
    expect(provider.calls).toHaveLength(1)
    const sent = JSON.stringify(provider.calls[0]?.request.messages)
    for (const value of Object.values(personal)) expect(sent).not.toContain(value)
    expect(run.result.choices[0]?.text).toBe(`Dear ${personal.person}, we will write to ${personal.email} in ${personal.place}.`)
  })

  it('runs another approach on the masked request (approach: moa): none of its calls carries the data', async () => {
    const provider = createScriptedProvider((call) => (call.index < 4 ? `draft ${call.index} for [PERSON_1]` : 'Final for [PERSON_1].'))
    const run = await runApproachDirectly(provider, { approach: 'privacy', question, optiproxy: { privacy: { approach: 'moa' } } })
    expect(provider.calls).toHaveLength(5)
    for (const call of provider.calls) for (const value of Object.values(personal)) expect(JSON.stringify(call.request.messages)).not.toContain(value)
    expect(run.result.choices[0]?.text).toBe(`Final for ${personal.person}.`)
    await expect(runApproachDirectly(provider, { approach: 'privacy', optiproxy: { privacy: { approach: 'privacy' } } })).rejects.toMatchObject({ status: 400 })
  })

  it.each(['privacy&re2', 'none&privacy', 'moa&privacy&bon'])(
    'as a stage of a pipeline (%s) it is refused before any call: earlier stages would send the data, later ones would see it restored',
    async (plan) => {
      const provider = createScriptedProvider(() => 'ok')
      await expect(runApproachDirectly(provider, { approach: plan, question })).rejects.toMatchObject({ status: 400, code: 'invalid_approach' })
      expect(provider.calls).toHaveLength(0)
    },
  )

  it('images cannot be scanned: refused unless non_text is pass', async () => {
    const provider = createScriptedProvider(() => 'ok')
    const request = {
      messages: [
        {
          role: 'user' as const,
          content: [
            { type: 'text' as const, text: 'What is this?' },
            { type: 'image' as const, url: 'https://example.com/a.png' },
          ],
        },
      ],
    }
    await expect(runApproachDirectly(provider, { approach: 'privacy', request })).rejects.toMatchObject({ status: 400 })
    expect(provider.calls).toHaveLength(0)
  })
})

describe('privacy over HTTP (OpenAI SDK, streaming)', () => {
  let t: ProxyUnderTest
  beforeAll(async () => {
    t = await startProxyUnderTest()
  })
  afterAll(() => t.close())

  it('round trip: the upstream log holds no personal value; the client stream has them restored, placeholders split across chunks', async () => {
    t.upstream.setHandler(() => ({
      kind: 'sse',
      events: buildChatCompletionChunks({ text: ['Dear [PER', 'SON_1], I will mail [', 'EMAIL_1', '] and visit [PLACE_', '1].'] }),
    }))
    const stream = await t.client.chat.completions.create({
      model: 'privacy-gpt-4o-mini',
      messages: [
        { role: 'system', content: `You help ${personal.person}.` },
        { role: 'user', content: question },
      ],
      stream: true,
    })
    let text = ''
    for await (const chunk of stream as AsyncIterable<OpenAI.ChatCompletionChunk>) text += chunk.choices[0]?.delta?.content ?? ''
    expect(text).toBe(`Dear ${personal.person}, I will mail ${personal.email} and visit ${personal.place}.`)
    expect(t.upstream.requests).toHaveLength(1)
    const log = t.upstream.requests.map((request) => request.rawBody).join('\n')
    for (const value of Object.values(personal)) expect(log).not.toContain(value)
    expect(log).toContain('[PERSON_1]')
    expect(log).toContain('[CARD_1]')
    expect((t.upstream.requests[0]?.body as { model: string }).model).toBe('gpt-4o-mini')
  })
})
