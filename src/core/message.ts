/** Canonical conversation types: the one shape every dialect parses into and every provider converts from. */

export interface TextPart {
  type: 'text'
  text: string
}

/** An image given by URL: an http(s) URL or a `data:` URL. `detail` is the OpenAI hint, kept when given. */
export interface ImagePart {
  type: 'image'
  url: string
  detail?: 'auto' | 'low' | 'high'
}

export interface AudioPart {
  type: 'audio'
  /** base64 data */
  data: string
  format: string
}

export interface FilePart {
  type: 'file'
  fileId?: string
  /** base64 data URL */
  fileData?: string
  filename?: string
}

export interface ReasoningPart {
  type: 'reasoning'
  text: string
}

export interface RefusalPart {
  type: 'refusal'
  text: string
}

export interface ToolCallPart {
  type: 'tool-call'
  id: string
  name: string
  /** The arguments as the model produced them: a JSON text, kept verbatim (never re-serialised). */
  arguments: string
}

export interface ToolResultPart {
  type: 'tool-result'
  toolCallId: string
  content: TextPart[]
  /** The tool failed (Anthropic's `is_error`); providers that cannot say so send the content alone. */
  isError?: boolean
}

export type UserContentPart = TextPart | ImagePart | AudioPart | FilePart

export type Message =
  | { role: 'system'; content: string; name?: string /** true when the client sent it with the `developer` role */; developer?: boolean }
  | { role: 'user'; content: UserContentPart[]; name?: string }
  | { role: 'assistant'; content: Array<TextPart | ReasoningPart | RefusalPart | ToolCallPart>; name?: string }
  | { role: 'tool'; content: ToolResultPart[] }
