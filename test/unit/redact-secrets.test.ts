import { describe, expect, it } from 'vitest'
import { redactSecrets } from '../../src/core/redact-secrets.js'

describe('redactSecrets', () => {
  it('removes the given secrets wherever they appear', () => {
    expect(redactSecrets('key my-very-secret-token was rejected', ['my-very-secret-token'])).toBe('key *** was rejected')
  })
  it('masks anything shaped like an API key or bearer token', () => {
    expect(redactSecrets('Incorrect API key provided: sk-proj-abcdefghijklmnop.', [])).toBe('Incorrect API key provided: sk-***.')
    expect(redactSecrets('header was Authorization: Bearer abc.def.ghi', [])).toBe('header was Authorization: Bearer ***')
  })
  it('leaves ordinary text alone', () => {
    expect(redactSecrets("This model's maximum context length is 128000 tokens.", [undefined])).toBe("This model's maximum context length is 128000 tokens.")
  })
})
