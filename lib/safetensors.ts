/**
 * safetensors read/write (https://huggingface.co/docs/safetensors format: an 8-byte
 * little-endian header length, a JSON header mapping tensor names to dtype/shape/byte offsets
 * plus optional string `__metadata__`, then the raw little-endian bytes). Python reads the files
 * with `safetensors.numpy.load_file`. Only F32 and I32 are written; F32, F64, I32 and I64 are read.
 * @module
 */
import { open, rename, writeFile } from 'node:fs/promises';
import { RecforgeError } from './errors.js';
import { Tensor } from './tensor.js';

/** Named tensors plus string metadata, as stored in a safetensors file. */
export interface SafetensorsContent {
  /** Tensors by name. */
  tensors: Record<string, Tensor>;
  /** String key/value metadata (`__metadata__`). */
  metadata: Record<string, string>;
}

/** Largest header accepted when reading: guards against garbage lengths. */
const MAX_HEADER = 100 * 1024 * 1024;

/** Serializes tensors and metadata into safetensors bytes. Tensors are stored in name order. */
export function serializeSafetensors(content: SafetensorsContent): Buffer {
  const names = Object.keys(content.tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(content.metadata).length > 0) header.__metadata__ = content.metadata;
  let offset = 0;
  for (const name of names) {
    const t = content.tensors[name];
    header[name] = { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: [...t.shape], data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data section starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  const parts: Buffer[] = [head, Buffer.from(json, 'utf8')];
  for (const name of names) {
    const d = content.tensors[name].data;
    parts.push(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
  }
  return Buffer.concat(parts);
}

/**
 * Parses safetensors bytes. Every offset and size is checked before use, so a truncated or
 * corrupted file gives E_PARSE naming `name`, never an out-of-bounds read.
 */
export function parseSafetensors(bytes: Uint8Array, name = 'safetensors'): SafetensorsContent {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (what: string) => new RecforgeError('E_PARSE', `${name}: ${what}`, { file: name });
  if (buf.length < 8) throw bad('truncated (no header length)');
  const headerLen = buf.readBigUInt64LE(0);
  if (headerLen > BigInt(Math.min(MAX_HEADER, buf.length - 8))) throw bad(`header length ${headerLen} exceeds the file`);
  const dataStart = 8 + Number(headerLen);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.toString('utf8', 8, dataStart)) as Record<string, unknown>;
  } catch (e) {
    throw bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not an object');
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (value === null || typeof value !== 'object') throw bad('__metadata__ is not an object');
      for (const [mk, mv] of Object.entries(value as Record<string, unknown>)) {
        if (typeof mv !== 'string') throw bad(`metadata ${mk} is not a string`);
        metadata[mk] = mv;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const sizes: Record<string, number> = { F32: 4, I32: 4, F64: 8, I64: 8 };
    if (typeof info?.dtype !== 'string' || !(info.dtype in sizes)) throw bad(`tensor ${key}: unsupported dtype ${String(info?.dtype)}`);
    if (!Array.isArray(info.shape) || info.shape.some((s) => !Number.isSafeInteger(s) || s < 0)) throw bad(`tensor ${key}: bad shape`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0) || offs[0] > offs[1])
      throw bad(`tensor ${key}: bad data_offsets`);
    const [begin, end] = offs as [number, number];
    const shape = info.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    if (end > dataLen) throw bad(`tensor ${key}: data runs past the end of the file (truncated?)`);
    if (end - begin !== count * sizes[info.dtype]) throw bad(`tensor ${key}: ${end - begin} bytes for shape [${shape.join(', ')}]`);
    const copy = new Uint8Array(end - begin);
    copy.set(buf.subarray(dataStart + begin, dataStart + end));
    tensors[key] = new Tensor(convert(info.dtype, copy.buffer, count, key, name), shape);
  }
  return { tensors, metadata };
}

function convert(dtype: string, ab: ArrayBuffer, count: number, key: string, name: string): Float32Array | Int32Array {
  switch (dtype) {
    case 'F32':
      return new Float32Array(ab, 0, count);
    case 'I32':
      return new Int32Array(ab, 0, count);
    case 'F64':
      return Float32Array.from(new Float64Array(ab, 0, count));
    default: {
      const wide = new BigInt64Array(ab, 0, count);
      const out = new Int32Array(count);
      for (let k = 0; k < count; k++) {
        if (wide[k] < -2147483648n || wide[k] > 2147483647n)
          throw new RecforgeError('E_OUT_OF_RANGE', `${name}: tensor ${key} value ${wide[k]} does not fit in int32`, { file: name });
        out[k] = Number(wide[k]);
      }
      return out;
    }
  }
}

/**
 * Writes a file atomically: a temporary file in the same folder is written and fsynced, then
 * renamed over the target, so a killed process leaves either the old file or the new one.
 */
export async function writeFileAtomic(file: string, data: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, data);
    const fh = await open(tmp, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    throw new RecforgeError('E_IO', `${file}: cannot write (${(e as Error).message})`, { file, cause: e });
  }
}
