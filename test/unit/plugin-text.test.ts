import { describe, expect, it } from 'vitest'
import { chunkText } from '../../approaches/memory/chunk-text.js'
import { findUrls } from '../../approaches/shared/plugin-steps.js'

describe('findUrls', () => {
  it('finds http(s) URLs in order, once each, without trailing punctuation or an unopened parenthesis', () => {
    const text = 'See https://example.com/a. Also (http://x.org/b), https://en.wikipedia.org/wiki/Foo_(bar) and https://example.com/a again; ftp://no.'
    expect(findUrls(text, 10)).toEqual(['https://example.com/a', 'http://x.org/b', 'https://en.wikipedia.org/wiki/Foo_(bar)'])
    expect(findUrls(text, 1)).toEqual(['https://example.com/a'])
  })

  it('runs in linear time on a hostile 50,000-character input', () => {
    const hostile = `http://a${')'.repeat(1990)} `.repeat(25) + `https://b.org/${'.'.repeat(1980)} `.repeat(1)
    const started = performance.now()
    const urls = findUrls(hostile, 5)
    expect(performance.now() - started).toBeLessThan(200)
    expect(urls[0]).toBe('http://a')
  })
})

describe('chunkText', () => {
  it('is deterministic, bounded by the size, overlapping, and covers the whole text', () => {
    const text = Array.from({ length: 200 }, (_, index) => `Sentence number ${index} is here.`).join(' ')
    const first = chunkText('doc', text, 500, 50)
    expect(chunkText('doc', text, 500, 50)).toEqual(first)
    for (const chunk of first) expect(chunk.text.length).toBeLessThanOrEqual(500)
    expect(first.map((chunk) => chunk.index)).toEqual(first.map((_, index) => index))
    expect(first.at(-1)?.text.endsWith('Sentence number 199 is here.')).toBe(true)
    for (let index = 0; index < 200; index++) expect(first.some((chunk) => chunk.text.includes(`Sentence number ${index} is`))).toBe(true)
  })
})
