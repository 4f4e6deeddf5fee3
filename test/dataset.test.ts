import { describe, expect, it } from 'vitest';
import { Dataset, isRecforgeError, listBackends, resolveDevice } from '../dist/index.js';

const i32 = (a: number[]) => Int32Array.from(a);

describe('Dataset.fromArrays', () => {
  it('infers counts across splits and builds native matrices with duplicates collapsed', async () => {
    const ds = await Dataset.fromArrays({
      train: { users: i32([0, 0, 1, 1, 1]), items: i32([0, 1, 2, 2, 0]) },
      test: { users: i32([3]), items: i32([4]) },
    });
    expect(ds.nUsers).toBe(4);
    expect(ds.nItems).toBe(5);
    const s = await ds.stats();
    expect(s).toMatchObject({ users: 4, items: 5, train: 4, test: 1, validation: 0 });
    expect(s.density).toBeCloseTo(5 / 20);
    expect(s.userDegree).toEqual({ min: 0, median: 1, mean: 1, max: 2 });
    expect(s.itemDegree.max).toBe(2);
    const g = (await ds.graph()).export();
    expect(Array.from(g.userItems.indptr)).toEqual([0, 2, 4, 4, 4]);
    expect(Array.from(g.userItems.indices)).toEqual([0, 1, 0, 2]);
    // 1/sqrt(deg(u0)=2 * deg(i0)=2) = 0.5
    expect(g.userNorm[0]).toBeCloseTo(0.5, 7);
    for (const w of g.itemNorm) expect(Number.isFinite(w)).toBe(true);
    ds.dispose();
    expect(ds.disposed).toBe(true);
    await expect(ds.stats()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });

  it('rejects bad arrays with typed errors naming the argument', async () => {
    const bad = [
      [{ train: { users: new Float32Array(2), items: i32([0, 1]) } }, 'E_TYPE', /train\.users must be an Int32Array, got Float32Array/],
      [{ train: { users: i32([0, 1]), items: i32([0]) } }, 'E_SHAPE', /same length/],
      [{ train: { users: i32([-1]), items: i32([0]) } }, 'E_OUT_OF_RANGE', /negative/],
      [{ nUsers: 2, nItems: 2, train: { users: i32([0]), items: i32([5]) } }, 'E_OUT_OF_RANGE', /item id 5/],
      [{ train: { users: i32([]), items: i32([]) } }, 'E_EMPTY', /no interactions/],
      [{ nUsers: -3, train: { users: i32([0]), items: i32([0]) } }, 'E_INVALID_ARG', /nUsers/],
      [{ train: { users: i32([0]), items: i32([0]), weights: new Float64Array(1) } }, 'E_TYPE', /weights/],
    ] as const;
    for (const [input, code, message] of bad) {
      const err = await Dataset.fromArrays(input as never).then(() => undefined, (e) => e);
      expect(isRecforgeError(err, code), `${code} for ${JSON.stringify(Object.keys(input))}`).toBe(true);
      expect(err.message).toMatch(message);
    }
  });

  it('honours an already-aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      Dataset.fromArrays({ train: { users: i32([0]), items: i32([0]) } }, { signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'E_ABORTED', name: 'AbortError' });
  });
});

describe('backends', () => {
  it('lists cpu as available and cuda with a reason', () => {
    const b = listBackends();
    expect(b.map((x) => x.name)).toEqual(['cpu', 'cuda']);
    expect(b[0].available).toBe(true);
    for (const x of b) expect(x.reason.length).toBeGreaterThan(10);
    expect(resolveDevice('cpu')).toBe('cpu');
    expect(resolveDevice('auto')).toBe(b[1].available ? 'cuda' : 'cpu');
    expect(() => resolveDevice('tpu' as never)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    if (!b[1].available) expect(() => resolveDevice('cuda')).toThrow(expect.objectContaining({ code: 'E_BACKEND_UNAVAILABLE' }));
  });
});
