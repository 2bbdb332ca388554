import { describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { configSchema } from '../../src/config.js'
import { isLoopbackClient } from '../../src/middleware/require-admin-access.js'
import { startProxyUnderTest } from '../helpers/start-proxy.js'

const remote = (address: string) => ({ incoming: { socket: { remoteAddress: address } } })

describe('access to /v1/optiproxy/* and /ui', () => {
  it('without an admin key answers loopback clients only', async () => {
    const app = createApp(configSchema.parse({ logLevel: 'silent' }))
    for (const path of ['/v1/optiproxy/traces', '/v1/optiproxy/health', '/ui/']) {
      const refused = await app.request(path, {}, remote('10.1.2.3'))
      expect(refused.status, path).toBe(403)
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('admin_loopback_only')
      const forwarded = await app.request(path, { headers: { 'x-forwarded-for': '127.0.0.1' } }, remote('192.168.1.9'))
      expect(forwarded.status, `${path} with a forged x-forwarded-for`).toBe(403)
    }
    expect((await app.request('/v1/optiproxy/traces', {}, remote('127.0.0.1'))).status).toBe(200)
    expect((await app.request('/v1/optiproxy/traces', {}, remote('::1'))).status).toBe(200)
  })

  it('with an admin key needs it as Bearer, from anywhere; the proxy client key is not enough', async () => {
    const t = await startProxyUnderTest({ adminKey: 'admin-secret-123', proxyApiKey: 'sk-client-key' })
    try {
      const url = `${t.proxy.url}/v1/optiproxy/traces`
      expect((await fetch(url)).status).toBe(401)
      expect((await fetch(url, { headers: { authorization: 'Bearer sk-client-key' } })).status).toBe(401)
      expect((await fetch(url, { headers: { authorization: 'Bearer admin-secret-123' } })).status).toBe(200)
      // the admin key is not a client key either
      const chat = await fetch(`${t.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer admin-secret-123', 'content-type': 'application/json' },
        body: '{}',
      })
      expect(chat.status).toBe(401)
    } finally {
      await t.close()
    }
  })

  it('recognises loopback addresses by the socket only', () => {
    expect(isLoopbackClient('127.0.0.1')).toBe(true)
    expect(isLoopbackClient('127.8.9.1')).toBe(true)
    expect(isLoopbackClient('::ffff:127.0.0.1')).toBe(true)
    expect(isLoopbackClient('::1')).toBe(true)
    expect(isLoopbackClient('10.0.0.1')).toBe(false)
    expect(isLoopbackClient('::ffff:10.0.0.1')).toBe(false)
    expect(isLoopbackClient(undefined)).toBe(false)
  })
})
