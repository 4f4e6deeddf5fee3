/**
 * Plumbing between AbortSignal and native jobs.
 * @internal
 * @module
 */
import { RecforgeError, fromNative } from './errors.js';
import { addon, type NativeCancelToken } from './native.js';

/** Options accepted by every asynchronous operation. */
export interface AsyncOptions {
  /** Cancels the operation; the promise then rejects with code `E_ABORTED`. */
  signal?: AbortSignal;
  /** Called with the fraction done, in [0, 1], at most ten times a second. */
  onProgress?: (fraction: number) => void;
}

/** Throws E_ABORTED if the signal has already fired. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new RecforgeError('E_ABORTED', 'operation aborted', { cause: signal.reason });
}

/**
 * Runs a native job with a cancel token wired to `signal`, mapping native errors to
 * RecforgeError (with `file` prepended when given).
 */
export async function runNative<T>(
  options: AsyncOptions | undefined,
  start: (token: NativeCancelToken, progress?: (f: number) => void) => Promise<T>,
  file?: string,
): Promise<T> {
  const signal = options?.signal;
  throwIfAborted(signal);
  const token = new (addon().CancelToken)();
  const onAbort = () => token.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await start(token, options?.onProgress);
  } catch (e) {
    throw fromNative(e, file);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Calls a synchronous native function, mapping its errors. */
export function callNative<T>(fn: () => T, file?: string): T {
  try {
    return fn();
  } catch (e) {
    throw fromNative(e, file);
  }
}
