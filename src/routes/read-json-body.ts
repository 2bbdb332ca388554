import type { Context } from 'hono'
import { createInvalidRequestError } from '../core/proxy-error.js'

/** Reads the body as JSON; anything that is not a JSON value is a 400 the client can act on. */
export async function readJsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') {
    throw createInvalidRequestError('The request body is empty: send a JSON object (Content-Type: application/json).', null, 'invalid_json')
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw createInvalidRequestError('We could not parse the JSON body of your request: send a valid JSON object (Content-Type: application/json).', null, 'invalid_json')
  }
}
