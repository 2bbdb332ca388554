const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/

/**
 * True for a well-formed W3C traceparent (version 00, not the all-zero ids).
 * @example isValidTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') // true
 */
export function isValidTraceparent(value: string | undefined): value is string {
  return value !== undefined && traceparentPattern.test(value) && !/^00-0{32}-/.test(value) && !/-0{16}-[0-9a-f]{2}$/.test(value)
}
