/**
 * Validation of JSON values against the official OpenAI OpenAPI description
 * (`../shared/specs/openai-openapi.yaml`, outside this repository).
 *
 * The spec is OpenAPI 3.1 but still carries OpenAPI 3.0 leftovers that a JSON
 * Schema 2020-12 validator does not understand. Before handing its component
 * schemas to ajv they are normalized (on an in-memory copy; the file itself is
 * never copied into the project):
 * - `nullable: true` becomes a `null` type (`type: [t, 'null']`, plus `null` in
 *   `enum`), or `anyOf: [<schema>, { type: 'null' }]` when the schema is a
 *   `$ref` or a composition (`allOf`/`anyOf`/`oneOf`); `allOf: [..., { nullable: true }]`
 *   makes the whole `allOf` nullable; `nullable: false` is dropped.
 * - boolean `exclusiveMinimum`/`exclusiveMaximum` (3.0 style) become numeric.
 * - `$recursiveRef: '#'` (draft 2019-09) inside a schema marked `$recursiveAnchor`
 *   becomes a plain `$ref` to that component schema.
 * `discriminator` stays in the document but ajv runs with discriminator support
 * off, so it is ignored and `oneOf` is checked as written.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import { describe, it } from 'vitest'
import { parse as parseYaml } from 'yaml'

type JsonObject = Record<string, unknown>

/** The `$id` under which the whole spec document is registered in ajv. */
const SPEC_SCHEMA_ID = 'openapi'
const MAX_LISTED_ERRORS = 25
const MAX_VALUE_CHARS = 2000

const SCHEMA_MAP_KEYWORDS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'] as const
const SCHEMA_VALUE_KEYWORDS = [
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
] as const
const SCHEMA_LIST_KEYWORDS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const
const COMPOSITION_KEYWORDS = ['$ref', 'allOf', 'anyOf', 'oneOf'] as const
/** Keywords that give a schema some constraint; a schema with none of them is "bare". */
const CONSTRAINING_KEYWORDS = [...COMPOSITION_KEYWORDS, 'type', 'enum', 'const', 'properties', 'items', 'not'] as const
/** Annotations kept on the outer schema when a nullable schema is wrapped in an anyOf. */
const ANNOTATION_KEYWORDS = ['title', 'description', 'deprecated'] as const

/** Absolute path of the OpenAI OpenAPI spec (env `OPENAI_OPENAPI_SPEC` overrides the default location). */
export const openApiSpecPath: string = resolveSpecPath()

/** Whether the spec file exists at {@link openApiSpecPath}. */
export const openApiSpecAvailable: boolean = existsSync(openApiSpecPath)

interface LoadedSpec {
  ajv: Ajv2020
  schemaNames: ReadonlySet<string>
}

let loadedSpec: LoadedSpec | undefined
const validators = new Map<string, ValidateFunction>()
let missingSpecWarned = false

function resolveSpecPath(): string {
  const fromEnv = process.env.OPENAI_OPENAPI_SPEC
  if (fromEnv !== undefined && fromEnv.trim() !== '') return resolvePath(fromEnv)
  // test/helpers/openapi.ts -> repo root -> ../shared/specs
  return fileURLToPath(new URL('../../../shared/specs/openai-openapi.yaml', import.meta.url))
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function hasAnyKey(schema: JsonObject, keys: readonly string[]): boolean {
  return keys.some((key) => key in schema)
}

function isBareNullable(schema: unknown): boolean {
  return isJsonObject(schema) && schema.nullable === true && !hasAnyKey(schema, CONSTRAINING_KEYWORDS)
}

interface NormalizeContext {
  /** `#/components/schemas/NAME` pointer of the component being normalized. */
  componentPointer: string
  /** Whether that component declares `$recursiveAnchor: true`. */
  recursiveAnchor: boolean
}

function normalizeChildren(schema: JsonObject, context: NormalizeContext): void {
  for (const keyword of SCHEMA_MAP_KEYWORDS) {
    const map = schema[keyword]
    if (!isJsonObject(map)) continue
    schema[keyword] = Object.fromEntries(Object.entries(map).map(([key, child]) => [key, normalizeSchema(child, context)]))
  }
  for (const keyword of SCHEMA_VALUE_KEYWORDS) {
    const child = schema[keyword]
    if (Array.isArray(child)) schema[keyword] = child.map((item) => normalizeSchema(item, context))
    else if (isJsonObject(child)) schema[keyword] = normalizeSchema(child, context)
  }
  for (const keyword of SCHEMA_LIST_KEYWORDS) {
    const list = schema[keyword]
    if (Array.isArray(list)) schema[keyword] = list.map((item) => normalizeSchema(item, context))
  }
}

function convertExclusiveBound(schema: JsonObject, exclusiveKey: string, boundKey: string): void {
  const exclusive = schema[exclusiveKey]
  if (typeof exclusive !== 'boolean') return
  const bound = schema[boundKey]
  if (exclusive && typeof bound === 'number') {
    schema[exclusiveKey] = bound
    delete schema[boundKey]
  } else {
    delete schema[exclusiveKey]
  }
}

function wrapNullable(schema: JsonObject): JsonObject {
  const outer: JsonObject = {}
  const inner: JsonObject = { ...schema }
  for (const keyword of ANNOTATION_KEYWORDS) {
    if (keyword in inner) {
      outer[keyword] = inner[keyword]
      delete inner[keyword]
    }
  }
  outer.anyOf = [inner, { type: 'null' }]
  return outer
}

function makeNullable(schema: JsonObject): JsonObject {
  if (hasAnyKey(schema, COMPOSITION_KEYWORDS) || 'const' in schema) return wrapNullable(schema)
  if (typeof schema.type === 'string' || Array.isArray(schema.type)) {
    const types: unknown[] = Array.isArray(schema.type) ? schema.type : [schema.type]
    if (!types.includes('null')) schema.type = [...types, 'null']
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null]
  // Without type/enum/$ref/composition the schema accepts null already.
  return schema
}

/** Returns a JSON Schema 2020-12 compatible copy of one OpenAPI schema object. */
function normalizeSchema(node: unknown, context: NormalizeContext): unknown {
  if (!isJsonObject(node)) return node
  const schema: JsonObject = { ...node }

  let nullable = schema.nullable === true
  delete schema.nullable
  if (Array.isArray(schema.allOf) && schema.allOf.some(isBareNullable)) nullable = true

  normalizeChildren(schema, context)

  convertExclusiveBound(schema, 'exclusiveMinimum', 'minimum')
  convertExclusiveBound(schema, 'exclusiveMaximum', 'maximum')

  if (schema.$recursiveRef === '#' && context.recursiveAnchor) {
    schema.$ref = context.componentPointer
    delete schema.$recursiveRef
  }
  delete schema.$recursiveAnchor

  return nullable ? makeNullable(schema) : schema
}

function normalizeComponentSchemas(schemas: JsonObject): JsonObject {
  const normalized: JsonObject = {}
  for (const [name, schema] of Object.entries(schemas)) {
    normalized[name] = normalizeSchema(schema, {
      componentPointer: `#/components/schemas/${name}`,
      recursiveAnchor: isJsonObject(schema) && schema.$recursiveAnchor === true,
    })
  }
  return normalized
}

function collectFormats(node: unknown, formats: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) collectFormats(item, formats)
    return
  }
  if (!isJsonObject(node)) return
  if (typeof node.format === 'string') formats.add(node.format)
  for (const value of Object.values(node)) collectFormats(value, formats)
}

function checkIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return false
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

function checkIsoDateTime(value: string): boolean {
  const match = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(value)
  if (!match || match[1] === undefined || !checkIsoDate(match[1])) return false
  return Number(match[2]) < 24 && Number(match[3]) < 60 && Number(match[4]) < 61
}

function checkUri(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value)
}

function registerFormats(ajv: Ajv2020, specFormats: ReadonlySet<string>): void {
  ajv.addFormat('unixtime', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= 0,
  })
  ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isInteger(value) })
  ajv.addFormat('int32', {
    type: 'number',
    validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
  })
  ajv.addFormat('double', { type: 'number', validate: (value: number) => Number.isFinite(value) })
  ajv.addFormat('float', { type: 'number', validate: (value: number) => Number.isFinite(value) })
  ajv.addFormat('date', checkIsoDate)
  ajv.addFormat('date-time', checkIsoDateTime)
  ajv.addFormat('uri', checkUri)
  // Any other format used by the spec (e.g. `binary`) is accepted as-is, so that
  // compilation never fails or warns about unknown formats.
  for (const format of specFormats) {
    if (ajv.formats[format] === undefined) ajv.addFormat(format, true)
  }
}

function loadSpec(): LoadedSpec {
  if (loadedSpec) return loadedSpec
  if (!openApiSpecAvailable) {
    throw new Error(`OpenAI OpenAPI spec not found at ${openApiSpecPath}. ${describeHowToProvideSpec()}`)
  }
  const parsed: unknown = parseYaml(readFileSync(openApiSpecPath, 'utf8'))
  if (!isJsonObject(parsed) || !isJsonObject(parsed.components) || !isJsonObject(parsed.components.schemas)) {
    throw new Error(`${openApiSpecPath} does not look like an OpenAPI document (no components.schemas)`)
  }
  const schemas = normalizeComponentSchemas(parsed.components.schemas)
  const document: JsonObject = {
    ...parsed,
    $id: SPEC_SCHEMA_ID,
    components: { ...parsed.components, schemas },
  }

  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: false, validateFormats: true })
  const formats = new Set<string>()
  collectFormats(schemas, formats)
  registerFormats(ajv, formats)
  // The document as a whole is not a JSON Schema: skip meta-schema validation.
  ajv.addSchema(document, undefined, undefined, false)

  loadedSpec = { ajv, schemaNames: new Set(Object.keys(schemas)) }
  return loadedSpec
}

function getValidator(schemaName: string): ValidateFunction {
  const cached = validators.get(schemaName)
  if (cached) return cached
  const { ajv, schemaNames } = loadSpec()
  if (!schemaNames.has(schemaName)) {
    throw new Error(`Unknown OpenAPI schema "${schemaName}": no #/components/schemas/${schemaName} in ${openApiSpecPath}`)
  }
  const validator = ajv.compile({ $ref: `${SPEC_SCHEMA_ID}#/components/schemas/${schemaName}` })
  validators.set(schemaName, validator)
  return validator
}

function truncateText(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length - maxChars} more chars)`
}

function stringifyValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

function formatAjvError(error: ErrorObject): string {
  const path = error.instancePath === '' ? '(root)' : error.instancePath
  const params = Object.keys(error.params).length > 0 ? ` ${stringifyValue(error.params)}` : ''
  return `${path}: ${error.message ?? error.keyword}${params} [schema ${error.schemaPath}]`
}

function formatAjvErrors(errors: readonly ErrorObject[]): string[] {
  const lines = [...new Set(errors.map(formatAjvError))]
  if (lines.length <= MAX_LISTED_ERRORS) return lines
  return [...lines.slice(0, MAX_LISTED_ERRORS), `… and ${lines.length - MAX_LISTED_ERRORS} more`]
}

function describeHowToProvideSpec(): string {
  return (
    'Put the OpenAI OpenAPI description (openai/openai-openapi, openapi.yaml) at ../shared/specs/openai-openapi.yaml ' +
    'relative to the repository root, or point the OPENAI_OPENAPI_SPEC environment variable at it.'
  )
}

/**
 * Validates `value` against `#/components/schemas/<schemaName>` of the OpenAI OpenAPI spec.
 * The spec is parsed once per process and each schema compiled once, on first use.
 * @param schemaName Name of a component schema, e.g. `CreateChatCompletionResponse`.
 * @param value The JSON value to check (as parsed from the wire).
 * @throws Error listing every ajv error (instance path, message, schema path) and the trimmed JSON value;
 *   also throws when the spec file is missing or the schema name is unknown.
 */
export function assertMatchesSchema(schemaName: string, value: unknown): void {
  const validate = getValidator(schemaName)
  if (validate(value)) return
  const errors = validate.errors ?? []
  const lines = formatAjvErrors(errors)
  throw new Error(
    [
      `Value does not match OpenAPI schema ${schemaName} (${errors.length} error${errors.length === 1 ? '' : 's'}):`,
      ...lines.map((line) => `  - ${line}`),
      `value: ${truncateText(stringifyValue(value), MAX_VALUE_CHARS)}`,
    ].join('\n'),
  )
}

/**
 * Vitest `describe` for suites that need the OpenAI OpenAPI spec.
 * Runs normally when the spec exists. When it is missing: with `OPTIPROXY_REQUIRE_OPENAPI_SPEC=1`
 * registers one failing test naming the missing path; otherwise skips the suite and prints a loud warning.
 * @param name Suite name.
 * @param fn Suite body, as for `describe`.
 */
export function describeOpenApi(name: string, fn: () => void): void {
  if (openApiSpecAvailable) {
    describe(name, fn)
    return
  }
  if (process.env.OPTIPROXY_REQUIRE_OPENAPI_SPEC === '1') {
    describe(name, () => {
      it('requires the OpenAI OpenAPI spec', () => {
        throw new Error(`OpenAI OpenAPI spec is missing at ${openApiSpecPath} (OPTIPROXY_REQUIRE_OPENAPI_SPEC=1). ${describeHowToProvideSpec()}`)
      })
    })
    return
  }
  console.warn(
    [
      '',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      `!!! SKIPPING "${name}": OpenAI OpenAPI spec not found at`,
      `!!!   ${openApiSpecPath}`,
      `!!! ${describeHowToProvideSpec()}`,
      '!!! Set OPTIPROXY_REQUIRE_OPENAPI_SPEC=1 to make this a failure instead of a skip.',
      '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
      '',
    ].join('\n'),
  )
  // reached only when the spec is missing on a laptop: the suite is reported as skipped, after the warning above
  describe.skipIf(!openApiSpecAvailable)(name, fn)
}

/**
 * Validates `value` against an OpenAPI component schema when the spec is available
 * (throwing like {@link assertMatchesSchema}); when it is missing, throws under
 * `OPTIPROXY_REQUIRE_OPENAPI_SPEC=1` (CI) and otherwise does nothing
 * except warn once per process. Meant for e2e tests that should not depend on the spec.
 * @param schemaName Name of a component schema, e.g. `ErrorResponse`.
 * @param value The JSON value to check.
 */
export function expectSchemaValidWhenAvailable(schemaName: string, value: unknown): void {
  if (openApiSpecAvailable) {
    assertMatchesSchema(schemaName, value)
    return
  }
  if (process.env.OPTIPROXY_REQUIRE_OPENAPI_SPEC === '1') {
    throw new Error(`OpenAI OpenAPI spec is missing at ${openApiSpecPath} (OPTIPROXY_REQUIRE_OPENAPI_SPEC=1). ${describeHowToProvideSpec()}`)
  }
  if (!missingSpecWarned) {
    missingSpecWarned = true
    console.warn(`[openapi] OpenAI OpenAPI spec not found at ${openApiSpecPath}: schema checks are skipped. ${describeHowToProvideSpec()}`)
  }
}
