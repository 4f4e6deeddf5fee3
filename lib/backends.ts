/**
 * Compute backends and device selection. The CPU backend is always present; the CUDA backend is
 * reported with the reason it is or is not usable, so `device: 'auto'` never guesses silently.
 * @module
 */
import { RecforgeError } from './errors.js';
import { addon } from './native.js';

/** Where computation runs. `'auto'` picks CUDA when available, else CPU. */
export type Device = 'auto' | 'cpu' | 'cuda';

/** One backend and whether it can be used here. */
export interface BackendInfo {
  /** Backend name, usable as a `device` option. */
  name: 'cpu' | 'cuda';
  /** True when this backend can run on this machine with this build. */
  available: boolean;
  /** Why it is (or is not) available, in words. */
  reason: string;
}

/** Lists the backends with availability and the reason for it. */
export function listBackends(): BackendInfo[] {
  const info = addon().buildInfo();
  return [
    {
      name: 'cpu',
      available: true,
      reason: `native C++ kernels, ${info.simd} instruction set, ${info.threads} threads by default`,
    },
    { name: 'cuda', available: info.cuda.compiled, reason: info.cuda.reason },
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
