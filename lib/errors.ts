/**
 * Typed errors. Every failure recforge reports is a {@link RecforgeError} with a stable
 * {@link ErrorCode}, so callers can branch on `err.code` instead of parsing messages.
 * @module
 */

/**
 * Stable error codes.
 * - `E_INVALID_ARG`: an option or argument has a bad value (negative K, unknown format, ...).
 * - `E_TYPE`: an argument has the wrong type (e.g. a Float64Array where a Float32Array is needed).
 * - `E_SHAPE`: array sizes disagree (embedding rows vs dataset users, users vs items lengths).
 * - `E_OUT_OF_RANGE`: an id or index is outside its domain (negative id, id >= 2^31 - 1).
 * - `E_NONFINITE`: NaN or Infinity where finite numbers are required.
 * - `E_PARSE`: malformed input; `file` and `line` are set when known.
 * - `E_EMPTY`: no data where some is required (empty file, no test users).
 * - `E_IO`: a file could not be read or written.
 * - `E_ABORTED`: the operation was cancelled through an AbortSignal.
 * - `E_DISPOSED`: an object was used after `dispose()`.
 * - `E_BUSY`: the object is already running an exclusive operation (e.g. a second `fit()` on a
 *   model that is training); retry after the first one ends.
 * - `E_NOT_READY`: a synchronous call needs state that only an async call builds (e.g.
 *   `recommendSync` before the model's final embeddings were computed: await `warmup()` first).
 * - `E_BACKEND_UNAVAILABLE`: the requested device/backend is not available in this build/machine.
 * - `E_NO_DEVICE`: GPU work was asked for but no GPU is usable (no device, driver older than the
 *   CUDA runtime, or an addon built without CUDA).
 * - `E_DEVICE_OOM`: the GPU ran out of memory; the process and the model stay usable.
 * - `E_DEVICE`: any other CUDA runtime failure (the message names the CUDA error and the call).
 * - `E_OUT_OF_MEMORY`: a native allocation failed.
 * - `E_INTERNAL`: an invariant did not hold (a bug: please report it).
 */
export type ErrorCode =
  | 'E_INVALID_ARG'
  | 'E_TYPE'
  | 'E_SHAPE'
  | 'E_OUT_OF_RANGE'
  | 'E_NONFINITE'
  | 'E_PARSE'
  | 'E_EMPTY'
  | 'E_IO'
  | 'E_ABORTED'
  | 'E_DISPOSED'
  | 'E_BUSY'
  | 'E_NOT_READY'
  | 'E_BACKEND_UNAVAILABLE'
  | 'E_NO_DEVICE'
  | 'E_DEVICE_OOM'
  | 'E_DEVICE'
  | 'E_OUT_OF_MEMORY'
  | 'E_INTERNAL';

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'E_INVALID_ARG', 'E_TYPE', 'E_SHAPE', 'E_OUT_OF_RANGE', 'E_NONFINITE', 'E_PARSE', 'E_EMPTY', 'E_IO',
  'E_ABORTED', 'E_DISPOSED', 'E_BUSY', 'E_NOT_READY', 'E_BACKEND_UNAVAILABLE', 'E_NO_DEVICE', 'E_DEVICE_OOM',
  'E_DEVICE', 'E_OUT_OF_MEMORY', 'E_INTERNAL',
]);

/** Where in an input file an error was found. */
export interface ErrorLocation {
  /** Path of the file (as given by the caller). */
  file?: string;
  /** 1-based line number. */
  line?: number;
}

/** The single error class of recforge; `code` says what kind of failure it is. */
export class RecforgeError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** File the error refers to, when it came from reading a file. */
  readonly file?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;

  /**
   * @param code - stable error code
   * @param message - human-readable message (already naming the argument, file or line)
   * @param options - location and underlying cause
   */
  constructor(code: ErrorCode, message: string, options: ErrorLocation & { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = code === 'E_ABORTED' ? 'AbortError' : 'RecforgeError';
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
  }
}

/** True when `e` is a {@link RecforgeError}, optionally with the given code. */
export function isRecforgeError(e: unknown, code?: ErrorCode): e is RecforgeError {
  return e instanceof RecforgeError && (code === undefined || e.code === code);
}

/**
 * Converts an error thrown by the native addon (a plain Error with a `code` property) into a
 * RecforgeError. `file` is prepended to the message when the error came from parsing a file.
 * @internal
 */
export function fromNative(e: unknown, file?: string): RecforgeError {
  if (e instanceof RecforgeError) return e;
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' && KNOWN_CODES.has(err.code) ? (err.code as ErrorCode) : 'E_INTERNAL';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const lineMatch = /^line (\d+)/.exec(message);
  const line = lineMatch ? Number(lineMatch[1]) : undefined;
  const text = file !== undefined ? `${file}:${line !== undefined ? message.replace(/^line /, '') : ' ' + message}` : message;
  return new RecforgeError(code, text, { file, line, cause: e });
}

/** Shorthand for an argument error naming the argument. @internal */
export function argError(name: string, what: string, code: ErrorCode = 'E_INVALID_ARG'): RecforgeError {
  return new RecforgeError(code, `${name} ${what}`);
}
