import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecforgeError, Tensor, parseNpy, readNpy, serializeNpy, writeNpy } from '../dist/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'recforge-npy-'));

describe('Tensor', () => {
  it('wraps without copying and checks shape', () => {
    const data = new Float32Array(6);
    const t = new Tensor(data, [2, 3]);
    expect(t.data).toBe(data);
    expect(t.rows).toBe(2);
    expect(t.cols).toBe(3);
    t.row(1)[0] = 5;
    expect(data[3]).toBe(5);
  });
  it('rejects wrong array types and shapes with codes', () => {
    expect(() => new Tensor(new Float64Array(4) as never, [4])).toThrow(expect.objectContaining({ code: 'E_TYPE' }));
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => new Tensor(new Float32Array(4), [-4])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
    expect(() => new Tensor(new Float32Array(4), [2, 2]).row(2)).toThrow(expect.objectContaining({ code: 'E_OUT_OF_RANGE' }));
  });
});

describe('npy', () => {
  it('round-trips float32 and int32 with a 64-byte aligned header', async () => {
    const f = new Tensor(Float32Array.from({ length: 12 }, (_, k) => k * 0.5 - 3), [3, 4]);
    const bytes = serializeNpy(f);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
    const headerLen = bytes.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(bytes.toString('latin1', 10, 10 + headerLen)).toContain("'descr': '<f4', 'fortran_order': False, 'shape': (3, 4)");
    const back = parseNpy(bytes);
    expect(back.shape).toEqual([3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(f.data));
    const i = new Tensor(Int32Array.from([1, -2, 3]), [3]);
    const file = path.join(dir, 'i.npy');
    await writeNpy(file, i);
    const j = await readNpy(file);
    expect(j.dtype).toBe('int32');
    expect(j.shape).toEqual([3]);
    expect(Array.from(j.data)).toEqual([1, -2, 3]);
  });

  it('reads numpy-written float64 / int64 (hand-built bytes) with conversion', () => {
    const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    const pad = 64 - ((10 + header.length + 1) % 64);
    const h = header + ' '.repeat(pad) + '\n';
    const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, h.length & 255, h.length >> 8]);
    const body = Buffer.from(new Float64Array([1.5, -2.25]).buffer);
    const t = parseNpy(Buffer.concat([head, Buffer.from(h, 'latin1'), body]));
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data)).toEqual([1.5, -2.25]);
    const hi = h.replace('<f8', '<i8');
    const big = Buffer.from(new BigInt64Array([5n, 1n << 40n]).buffer);
    expect(() => parseNpy(Buffer.concat([head, Buffer.from(hi, 'latin1'), big]), 'big.npy')).toThrow(
      expect.objectContaining({ code: 'E_OUT_OF_RANGE' }),
    );
  });

  it('rejects garbage, truncation, fortran order and odd dtypes with typed errors', async () => {
    const good = serializeNpy(new Tensor(new Float32Array(8), [2, 4]));
    expect(() => parseNpy(Buffer.from('hello world, not numpy'), 'x.npy')).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(() => parseNpy(good.subarray(0, good.length - 3), 'x.npy')).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    expect(() => parseNpy(good.subarray(0, 20), 'x.npy')).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    const fortran = Buffer.from(good.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "), 'latin1');
    expect(() => parseNpy(fortran, 'x.npy')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const be = Buffer.from(good.toString('latin1').replace('<f4', '>f4'), 'latin1');
    expect(() => parseNpy(be, 'x.npy')).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const missing = path.join(dir, 'missing.npy');
    await expect(readNpy(missing)).rejects.toMatchObject({ code: 'E_IO', file: missing });
    const garbage = path.join(dir, 'garbage.npy');
    writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 255, 254]));
    await expect(readNpy(garbage)).rejects.toBeInstanceOf(RecforgeError);
  });
});
