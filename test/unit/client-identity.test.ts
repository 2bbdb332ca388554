import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { readClientIdentity } from '../../src/middleware/client-identity.js'
import type { AppEnv } from '../../src/routes/route-dependencies.js'
import { createRedisErrorReporter } from '../../src/storage/report-redis-error.js'

const identify = async (headers: Record<string, string>, apiKeyName?: string): Promise<string> => {
  const app = new Hono<AppEnv>()
  app.get('/', (c) => {
    if (apiKeyName !== undefined) c.set('apiKey', { name: apiKeyName, key: 'sk-secret-value-000001' })
    return c.text(readClientIdentity(c))
  })
  return (await app.request('/', { headers })).text()
}

describe('readClientIdentity', () => {
  it('is the proxy key name, else a hash of the bearer (or x-api-key), else anonymous; never the key itself', async () => {
    expect(await identify({ authorization: 'Bearer sk-secret-value-000001' }, 'alice')).toBe('key:alice')
    const hashed = await identify({ authorization: 'Bearer sk-own-key-0000001' })
    expect(hashed).toMatch(/^bearer:[0-9a-f]{64}$/)
    expect(hashed).not.toContain('sk-own')
    expect(await identify({ authorization: 'Bearer sk-own-key-0000001' })).toBe(hashed)
    expect(await identify({ authorization: 'Bearer sk-own-key-0000002' })).not.toBe(hashed)
    expect(await identify({ 'x-api-key': 'sk-own-key-0000001' })).toBe(hashed)
    expect(await identify({})).toBe('anonymous')
  })
})

describe('createRedisErrorReporter', () => {
  it('logs each distinct message once per interval', () => {
    const lines: string[] = []
    const report = createRedisErrorReporter('store', 60_000, (line) => lines.push(line))
    for (let attempt = 0; attempt < 50; attempt++) report(new Error('connect ECONNREFUSED'))
    report(new Error('Command timed out'))
    expect(lines).toEqual(['[optiproxy] store: connect ECONNREFUSED', '[optiproxy] store: Command timed out'])
  })
})
