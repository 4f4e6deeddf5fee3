/**
 * Compute backends and device selection. The CPU backend is always present; the CUDA backend is
 * reported with the reason it is or is not usable, so `device: 'auto'` never guesses silently.
 * @module
 */
import { RecforgeError } from './errors.js';
import { addon, loadedAddon } from './native.js';

/** Where computation runs. `'auto'` picks CUDA when available, else CPU. */
export type Device = 'auto' | 'cpu' | 'cuda';

/** One backend and whether it can be used here. */
export interface BackendInfo {
  /** Backend name, usable as a `device` option. */
  name: 'cpu' | 'cuda';
  /**
   * True when this backend can run on this machine with this build: always for `'cpu'`; for
   * `'cuda'`, when the loaded addon is the CUDA variant (`compiled`) and a usable GPU was found.
   */
  available: boolean;
  /**
   * True when the loaded addon contains this backend's kernels (always for `'cpu'`; for `'cuda'`
   * only with the CUDA variant of the addon, see the README's "CUDA backend" section).
   */
  compiled: boolean;
  /** Why it is (or is not) available, in words: for an available `'cuda'`, the device. */
  reason: string;
}

/**
 * Lists the backends with availability and the reason for it. The CUDA entry is available only
 * when the CUDA variant of the addon is loaded and it found a usable device (probed once per
 * process); otherwise `reason` says what is missing (the build, the driver, the device).
 */
export function listBackends(): BackendInfo[] {
  const info = addon().buildInfo();
  const compiled = info.cuda.compiled === true;
  let reason = info.cuda.reason;
  const loadError = loadedAddon().cudaLoadError;
  if (!compiled && loadError) reason = `${reason}; the CUDA addon ${loadError}`;
  return [
    {
      name: 'cpu',
      available: true,
      compiled: true,
      reason: `native C++ kernels, ${info.simd} instruction set, ${info.threads} threads by default`,
    },
    { name: 'cuda', available: compiled && info.cuda.available === true, compiled, reason },
  ];
}

/**
 * Resolves a device option to a concrete backend name.
 * @throws RecforgeError E_BACKEND_UNAVAILABLE when `'cuda'` is requested but unavailable,
 *   E_INVALID_ARG for an unknown device.
 */
export function resolveDevice(device: Device | undefined): 'cpu' | 'cuda' {
  const want = device ?? 'auto';
  if (want !== 'auto' && want !== 'cpu' && want !== 'cuda')
    throw new RecforgeError('E_INVALID_ARG', `device must be 'auto', 'cpu' or 'cuda', got ${JSON.stringify(device)}`);
  const cuda = listBackends().find((b) => b.name === 'cuda')!;
  if (want === 'cuda' && !cuda.available) throw new RecforgeError('E_BACKEND_UNAVAILABLE', `device 'cuda' is not available: ${cuda.reason}`);
  if (want === 'auto') return cuda.available ? 'cuda' : 'cpu';
  return want;
}
