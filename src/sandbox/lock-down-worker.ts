/**
 * Locks down the worker thread the Python interpreter runs in, once Pyodide has loaded and before any code runs.
 * Pyodide under Node reaches the host through Node's modules (os.system calls child_process, sockets open real TCP
 * connections through node:net, mountNodeFS reads the host's files) and Python code reaches every JavaScript
 * object through its FFI. So the worker's own copies of the host-facing built-in modules are replaced by functions
 * that throw (each worker thread has its own module instances: the proxy's are untouched), the process's native
 * entry points and the network globals are removed, and code generation from strings (eval, the Function
 * constructors: the way to a dynamic import) is disabled. The memory cap is installed before Pyodide loads.
 */
import { syncBuiltinESMExports } from 'node:module'

/**
 * The built-in modules that reach the host (files, processes, sockets, DNS, the inspector, native code, other
 * threads, code compilation). The rest (buffer, events, util, crypto, streams, ...) stays.
 */
const hostModules = [
  'child_process',
  'cluster',
  'dgram',
  'dns',
  'dns/promises',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'inspector',
  'module',
  'net',
  'os',
  'readline',
  'repl',
  'tls',
  'trace_events',
  'tty',
  'v8',
  'vm',
  'wasi',
  'worker_threads',
]

const removedGlobals = ['fetch', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'require', 'module', 'BroadcastChannel', 'Worker', 'importScripts']
const removedProcessMembers = ['binding', '_linkedBinding', 'dlopen', 'getBuiltinModule', 'kill', '_kill', 'abort', 'chdir', 'openStdin']

function createRefusal(name: string): () => never {
  return function refused(): never {
    throw new Error(`${name} is not available in the sandbox`)
  }
}

function replaceFunctions(target: Record<string, unknown>, label: string): void {
  for (const key of Object.getOwnPropertyNames(target)) {
    const descriptor = Object.getOwnPropertyDescriptor(target, key)
    if (descriptor === undefined || !descriptor.configurable) continue
    const value = 'value' in descriptor ? descriptor.value : undefined
    const isFunction = typeof value === 'function' || descriptor.get !== undefined
    if (!isFunction) continue
    Object.defineProperty(target, key, {
      value: createRefusal(`${label}.${key}`),
      writable: false,
      configurable: false,
      enumerable: descriptor.enumerable ?? true,
    })
  }
}

/** The part of WebAssembly.Memory the cap uses (the project's lib has no DOM/WebAssembly types). */
interface GrowableMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}

/**
 * Caps the interpreter's WebAssembly memory: growth past `maxBytes` fails, which Python sees as a MemoryError.
 * Returns a probe telling whether a growth was refused since the last reset.
 * @example const memory = capWebAssemblyMemory(256 * 1024 * 1024)
 */
export function capWebAssemblyMemory(maxBytes: number): { refused(): boolean; reset(): void } {
  const prototype = (globalThis as unknown as { WebAssembly: { Memory: { prototype: GrowableMemory } } }).WebAssembly.Memory.prototype
  const grow = prototype.grow
  let refusals = 0
  Object.defineProperty(prototype, 'grow', {
    value: function cappedGrow(this: GrowableMemory, pages: number): number {
      if (this.buffer.byteLength + pages * 65_536 > maxBytes) {
        refusals++
        throw new RangeError('sandbox memory limit reached')
      }
      return grow.call(this, pages)
    },
    writable: false,
    configurable: false,
  })
  return { refused: () => refusals > 0, reset: () => void (refusals = 0) }
}

/**
 * Replaces the worker's host-facing modules, process entry points, network globals and string code generation.
 * @example await lockDownWorker()
 */
export async function lockDownWorker(): Promise<void> {
  const synchronise = syncBuiltinESMExports
  for (const name of hostModules) {
    let loaded: Record<string, unknown>
    try {
      loaded = (await import(`node:${name}`)) as Record<string, unknown>
    } catch {
      continue
    }
    const exports = loaded.default
    if (exports !== null && (typeof exports === 'object' || typeof exports === 'function')) {
      replaceFunctions(exports as Record<string, unknown>, name)
      for (const nested of ['promises', 'posix', 'win32']) {
        const inner = (exports as Record<string, unknown>)[nested]
        if (inner !== null && typeof inner === 'object') replaceFunctions(inner as Record<string, unknown>, `${name}.${nested}`)
      }
    }
  }
  synchronise()
  const processRecord = process as unknown as Record<string, unknown>
  for (const key of removedProcessMembers) {
    if (!(key in processRecord)) continue
    try {
      Object.defineProperty(processRecord, key, { value: createRefusal(`process.${key}`), writable: false, configurable: false })
    } catch {
      processRecord[key] = createRefusal(`process.${key}`)
    }
    if (processRecord[key] !== undefined && (processRecord[key] as { name?: string }).name !== 'refused') throw new Error(`process.${key} could not be removed`)
  }
  const globals = globalThis as unknown as Record<string, unknown>
  for (const key of removedGlobals) Reflect.deleteProperty(globals, key)
  disableCodeGeneration()
}

/** eval and every Function constructor throw: code from strings (and with it a dynamic import) cannot be made. */
function disableCodeGeneration(): void {
  const refusal = createRefusal('code generation from strings')
  const constructors = [
    Function.prototype,
    Object.getPrototypeOf(async () => {}),
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function* () {}),
  ] as object[]
  for (const prototype of constructors) Object.defineProperty(prototype, 'constructor', { value: refusal, writable: false, configurable: false })
  Object.defineProperty(globalThis, 'eval', { value: refusal, writable: false, configurable: false })
  Object.defineProperty(globalThis, 'Function', { value: refusal, writable: false, configurable: false })
}
