import { startMockOpenAIUpstream, type MockHandler, type MockUpstream } from './mock-openai-upstream.js'

/** A mock upstream for a vendor whose SDK takes the server's origin as base URL (Anthropic, Gemini). */
export interface MockVendorUpstream extends MockUpstream {
  /** The origin, e.g. `http://127.0.0.1:PORT`: the SDKs add `/v1/messages`, `/v1beta/models/...` themselves. */
  baseURL: string
}

/**
 * The mock OpenAI upstream's HTTP server (recording, SSE pacing, hang, closed-socket detection) with another
 * vendor's default handler; reset() restores that handler.
 * @example const anthropic = await startMockVendorUpstream(replyAsAnthropic)
 */
export async function startMockVendorUpstream(defaultHandler: MockHandler): Promise<MockVendorUpstream> {
  const mock = await startMockOpenAIUpstream()
  mock.setHandler(defaultHandler)
  const baseURL = new URL(mock.url).origin
  return {
    url: mock.url,
    baseURL,
    requests: mock.requests,
    setHandler: (handler) => mock.setHandler(handler),
    reset() {
      mock.reset()
      mock.setHandler(defaultHandler)
    },
    waitForClosed: (count, timeoutMs) => mock.waitForClosed(count, timeoutMs),
    get closedEarly() {
      return mock.closedEarly
    },
    get inFlight() {
      return mock.inFlight
    },
    get connections() {
      return mock.connections
    },
    close: () => mock.close(),
  }
}
