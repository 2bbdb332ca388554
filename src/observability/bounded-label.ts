/** The label every value past a bounded label's known set gets. */
export const otherLabel = 'other'

/** A metrics label whose set of values cannot grow without bound. */
export interface BoundedLabel {
  /** The value itself when it is known (or admitted while there was room), else `other`. */
  read(value: string): string
}

/**
 * A label with a fixed set of known values and room for `room` more (first come, first kept); anything beyond is
 * `other`. Values longer than 100 characters or with characters outside `[\w.:/@+-]` are never admitted, so a
 * client or an upstream can neither grow /metrics without bound nor put text of its choosing there.
 * @example const approach = createBoundedLabel(registry.keys(), 0); approach.read('moa|bon') // 'other'
 */
export function createBoundedLabel(known: Iterable<string>, room: number): BoundedLabel {
  const values = new Set(known)
  const admitted = new Set<string>()
  return {
    read(value) {
      if (values.has(value) || admitted.has(value)) return value
      if (admitted.size >= room || value.length > 100 || !/^[\w.:/@+-]+$/.test(value)) return otherLabel
      admitted.add(value)
      return value
    },
  }
}
