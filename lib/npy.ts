/**
 * NumPy `.npy` import/export (format versions 1.0-3.0), so embeddings move to and from Python:
 * `np.save('U.npy', U.astype(np.float32))` on one side, {@link readNpy} on the other.
 * float32 and int32 load without conversion; float64 and int64 are converted (int64 with a range
 * check). Fortran-order and big-endian arrays are rejected with E_INVALID_ARG.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { RecforgeError } from './errors.js';
import { writeFileAtomic } from './safetensors.js';
import { Tensor, type DType } from './tensor.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

/** Parses a .npy file's bytes. `name` labels errors (usually the file path). */
export function parseNpy(bytes: Uint8Array, name = 'npy'): Tensor {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => new RecforgeError('E_PARSE', `${name}: ${what}`, { file: name });
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw bad('not a .npy file (bad magic)');
  const major = buf[6];
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = buf.readUInt16LE(8);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (buf.length < 12) throw bad('truncated header');
    headerLen = buf.readUInt32LE(8);
    offset = 12;
  } else throw bad(`unsupported .npy version ${major}`);
  if (offset + headerLen > buf.length) throw bad('truncated header');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', offset, offset + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(`malformed header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True')
    throw new RecforgeError('E_INVALID_ARG', `${name}: Fortran-order arrays are not supported; save with np.ascontiguousarray`, { file: name });
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw bad(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = offset + headerLen;
  const itemSize = Number(descr.slice(2));
  const kind = descr.slice(0, 2);
  if (!['<f4', '<i4', '<f8', '<i8'].includes(descr)) {
    throw new RecforgeError('E_INVALID_ARG', `${name}: dtype '${descr}' is not supported (use little-endian float32, float64, int32 or int64)`, { file: name });
  }
  if (buf.length - dataStart < count * itemSize) throw bad(`truncated data: expected ${count * itemSize} bytes, found ${buf.length - dataStart}`);
  const raw = buf.subarray(dataStart, dataStart + count * itemSize);
  // Copy into a fresh aligned buffer: the returned Tensor then owns its memory outright.
  const aligned = new Uint8Array(raw.length);
  aligned.set(raw);
  if (kind === '<f' && itemSize === 4) return new Tensor(new Float32Array(aligned.buffer, 0, count), shape);
  if (kind === '<i' && itemSize === 4) return new Tensor(new Int32Array(aligned.buffer, 0, count), shape);
  if (kind === '<f') return new Tensor(Float32Array.from(new Float64Array(aligned.buffer, 0, count)), shape);
  const wide = new BigInt64Array(aligned.buffer, 0, count);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const v = wide[k];
    if (v < -2147483648n || v > 2147483647n)
      throw new RecforgeError('E_OUT_OF_RANGE', `${name}: int64 value ${v} at index ${k} does not fit in int32`, { file: name });
    out[k] = Number(v);
  }
  return new Tensor(out, shape);
}

/** Serializes a Tensor as .npy (version 1.0, C order, little-endian). */
export function serializeNpy(t: Tensor): Buffer {
  const descr = t.dtype === 'float32' ? '<f4' : '<i4';
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so magic + version + length + header + '\n' is a multiple of 64 bytes.
  const total = 10 + header.length + 1;
  header = header + ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  const body = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), body]);
}

/** Reads a .npy file into a Tensor. Errors: E_IO (unreadable), E_PARSE (malformed). */
export async function readNpy(file: string): Promise<Tensor> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new RecforgeError('E_IO', `${file}: cannot read (${(e as Error).message})`, { file, cause: e });
  }
  return parseNpy(bytes, file);
}

/** Writes a Tensor to a .npy file atomically (temporary file, fsync, rename). */
export async function writeNpy(file: string, t: Tensor<DType>): Promise<void> {
  await writeFileAtomic(file, serializeNpy(t));
}
