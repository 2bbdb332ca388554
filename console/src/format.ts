import type { RequestTrace, TraceSpan, TraceSummary } from './api.js'

export function formatDuration(milliseconds: number | undefined): string {
  if (milliseconds === undefined) return '…'
  if (milliseconds < 1000) return `${Math.round(milliseconds)} ms`
  return `${(milliseconds / 1000).toFixed(2)} s`
}

export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString(undefined, { hour12: false })
}

export function readDuration(item: Pick<TraceSummary, 'startTime' | 'endTime'>): number | undefined {
  return item.endTime === undefined ? undefined : item.endTime - item.startTime
}

export function formatTokens(summary: Pick<TraceSummary, 'promptTokens' | 'completionTokens'>): string {
  return `${summary.promptTokens} / ${summary.completionTokens}`
}

/** The spans as a tree: children of each span in start order. */
export function groupChildren(trace: RequestTrace): Map<string | undefined, TraceSpan[]> {
  const children = new Map<string | undefined, TraceSpan[]>()
  for (const span of trace.spans) {
    const list = children.get(span.parentId) ?? []
    list.push(span)
    children.set(span.parentId, list)
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime)
  return children
}

/** The spans in tree order (depth-first), each with its depth. */
export function flattenTree(trace: RequestTrace): Array<{ span: TraceSpan; depth: number }> {
  const children = groupChildren(trace)
  const rows: Array<{ span: TraceSpan; depth: number }> = []
  const visit = (parentId: string | undefined, depth: number): void => {
    for (const span of children.get(parentId) ?? []) {
      rows.push({ span, depth })
      visit(span.id, depth + 1)
    }
  }
  visit(undefined, 0)
  return rows
}
