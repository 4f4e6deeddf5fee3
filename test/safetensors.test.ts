import { describe, expect, it } from 'vitest';
import { Tensor, parseSafetensors, serializeSafetensors } from '../dist/index.js';

describe('safetensors', () => {
  const content = {
    tensors: {
      user_emb: new Tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]),
      ids: new Tensor(Int32Array.from([7, -8]), [2]),
    },
    metadata: { format: 'recforge', config: '{"dim":3}' },
  };

  it('round-trips tensors and metadata with an 8-byte aligned data section', () => {
    const bytes = serializeSafetensors(content);
    const headerLen = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLen) % 8).toBe(0);
    const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLen));
    expect(header.ids).toEqual({ dtype: 'I32', shape: [2], data_offsets: [0, 8] });
    expect(header.user_emb).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [8, 32] });
    const back = parseSafetensors(bytes);
    expect(back.metadata).toEqual(content.metadata);
    expect(Array.from(back.tensors.user_emb.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(back.tensors.ids.dtype).toBe('int32');
    expect(Array.from(back.tensors.ids.data)).toEqual([7, -8]);
  });

  it('rejects every truncation and corrupted header with E_PARSE', () => {
    const bytes = serializeSafetensors(content);
    for (let cut = 0; cut < bytes.length; cut += 3) {
      expect(() => parseSafetensors(bytes.subarray(0, cut), 'm.safetensors')).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    }
    const huge = Buffer.from(bytes);
    huge.writeBigUInt64LE(1n << 60n);
    expect(() => parseSafetensors(huge)).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    const text = Buffer.from(bytes);
    text.write('{', 8 + 5); // break the JSON
    expect(() => parseSafetensors(text)).toThrow(expect.objectContaining({ code: 'E_PARSE' }));
    const lie = Buffer.from(bytes.toString('latin1').replace('"shape":[2,3]', '"shape":[3,3]'), 'latin1');
    expect(() => parseSafetensors(lie)).toThrow(/bytes for shape/);
  });
});
