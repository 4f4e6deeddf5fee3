import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Dataset, cleanInteractions, isRecforgeError, parseInteractions, readInteractions, splitInteractions,
  type EdgeList,
} from '../dist/index.js';
import { sharedDataset } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'recforge-loaders-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(tmp, name);
  writeFileSync(p, content);
  return p;
}

const i32 = (a: number[]) => Int32Array.from(a);

async function errorOf(p: Promise<unknown>) {
  const e = await p.then(() => undefined, (err) => err);
  expect(e, 'expected a rejection').toBeDefined();
  return e;
}

describe('line format', () => {
  it('tolerates CRLF, tabs, trailing blanks, blank lines and users without items', async () => {
    const p = file('quirks.txt', '0 1\t2 \r\n\r\n  \n3\r\n1 0  \n');
    const d = await readInteractions(p);
    expect(d.format).toBe('lines');
    expect(Array.from(d.users)).toEqual([0, 0, 1]);
    expect(Array.from(d.items)).toEqual([1, 2, 0]);
    expect(d.nUsers).toBe(4);  // user 3's empty line still counts
    expect(d.nItems).toBe(3);
    expect(d.rows).toBe(3);
  });

  it('reads gzip transparently (magic bytes, not the name)', async () => {
    const p = file('train.bin', gzipSync(Buffer.from('0 1 2\n1 2\n')));
    const d = await readInteractions(p, { format: 'lines' });
    expect(Array.from(d.items)).toEqual([1, 2, 2]);
    const e = await errorOf(readInteractions(file('bad.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3]))));
    expect(e.code).toBe('E_PARSE');
    expect(e.message).toMatch(/bad\.gz: corrupt gzip/);
  });

  it('prepends the file path and line to parse errors', async () => {
    const p = file('train.txt', '0 1\n1 2\n'.repeat(8) + '16 3 abc\n');
    const e = await errorOf(readInteractions(p));
    expect(isRecforgeError(e, 'E_PARSE')).toBe(true);
    expect(e.message).toBe(`${p}:17, column 6: expected an integer item id, got 'abc'`);
    expect(e.line).toBe(17);
    expect(e.file).toBe(p);
  });

  it('rejects negative ids and ids past 2^31 - 2 with E_OUT_OF_RANGE', async () => {
    const neg = await errorOf(readInteractions(file('neg.txt', '0 1\n1 -5\n')));
    expect(neg.code).toBe('E_OUT_OF_RANGE');
    expect(neg.message).toMatch(/neg\.txt:2, column 3: item id '-5' is outside/);
    for (const big of ['2147483647', '2147483648', '99999999999999999999999']) {
      const e = await errorOf(parseInteractions(`0 ${big}\n`, { format: 'lines' }));
      expect(e.code).toBe('E_OUT_OF_RANGE');
    }
  });

  it('rejects binary garbage, empty files and missing files with typed errors', async () => {
    const bin = await errorOf(readInteractions(file('garbage.bin', Buffer.from([0x30, 0x20, 0x31, 0x0a, 0x00, 0xff, 0x13]))));
    expect(bin.code).toBe('E_PARSE');
    expect(bin.message).toMatch(/garbage\.bin:2, column 1: NUL byte/);
    const empty = await errorOf(readInteractions(file('empty.txt', '')));
    expect(empty.code).toBe('E_EMPTY');
    const blank = await errorOf(readInteractions(file('blank.txt', '\n\r\n  \n')));
    expect(blank.code).toBe('E_EMPTY');
    const missing = await errorOf(readInteractions(path.join(tmp, 'does-not-exist.txt')));
    expect(missing.code).toBe('E_IO');
    expect(missing.message).toMatch(/does-not-exist\.txt: cannot read \(ENOENT\)/);
    const dir = await errorOf(readInteractions(tmp));
    expect(dir.code).toBe('E_IO');
  });

  it('rejects non-numeric tokens in every position', async () => {
    for (const [text, where] of [['x 1\n', ':1, column 1'], ['0 1.5\n', ':1, column 3'], ['0 +1\n', ':1, column 3'], ['0 0x1f\n', ':1, column 3']]) {
      const e = await errorOf(parseInteractions(text, { format: 'lines' }, {}, 'mem'));
      expect(e.code).toBe('E_PARSE');
      expect(e.message).toContain('mem' + where);
    }
  });
});

describe('delimited formats', () => {
  it('reads CSV with a header, string ids in first-seen order and quoted fields', async () => {
    const p = file('ratings.csv', 'user,item,rating\r\n"Smith, J.","The ""Best"" Book",5\r\nbob,x,3\r\n"Smith, J.",x,4\r\n');
    const d = await readInteractions(p, { idMode: 'string', columns: { weight: 'rating' } });
    expect(d.format).toBe('csv');
    expect(d.header).toEqual(['user', 'item', 'rating']);
    expect(d.userIds!.toJSON()).toEqual(['Smith, J.', 'bob']);
    expect(d.itemIds!.toExternal).toEqual(['The "Best" Book', 'x']);
    expect(d.itemIds!.toDense('x')).toBe(1);
    expect(Array.from(d.users)).toEqual([0, 1, 0]);
    expect(Array.from(d.weights!)).toEqual([5, 3, 4]);
    expect(d.nUsers).toBe(2);
  });

  it('detects delimiter and header, picks columns by name or index', async () => {
    const d = await parseInteractions('item;user;ts\n5;1;100\n6;2;200\n', { columns: { user: 'user', item: 'item', timestamp: 2 } });
    expect(d.format).toBe('delimited');
    expect(d.delimiter).toBe(';');
    expect(Array.from(d.users)).toEqual([1, 2]);
    expect(Array.from(d.timestamps!)).toEqual([100, 200]);
    const noHeader = await parseInteractions('1,2\n3,4\n', { format: 'csv', header: false });
    expect(noHeader.header).toBeUndefined();
    const unknown = await errorOf(parseInteractions('a,b\n1,2\n', { format: 'csv', columns: { user: 'userId' } }));
    expect(unknown.code).toBe('E_INVALID_ARG');
  });

  it('reads MovieLens u.data (tab, no header, rating, timestamp) and filters by minWeight', async () => {
    const p = file('u.data', '196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n244\t51\t4\t880606923\n');
    const d = await readInteractions(p);
    expect(d.format).toBe('movielens');
    expect(Array.from(d.users)).toEqual([196, 186, 22, 244]);
    expect(d.weights![3]).toBe(4);
    expect(d.timestamps![0]).toBe(881250949);
    const pos = await readInteractions(p, { minWeight: 4 });
    expect(pos.size ?? pos.users.length).toBe(1);
    expect(pos.filteredRows).toBe(3);
  });

  it('detects tab-separated weighted edge lists (LastFM style, CRLF, float weights)', async () => {
    const d = await parseInteractions('2\t51\t13883\r\n2\t52\t3.2466e+05\r\n3\t51\t7\r\n', { columns: { weight: 2 } });
    expect(d.format).toBe('delimited');
    expect(d.delimiter).toBe('\t');
    expect(d.weights![1]).toBe(324660);
  });

  it('rejects ragged rows, bad numbers and bad options', async () => {
    const ragged = await errorOf(readInteractions(file('ragged.csv', '0,1,5\n1,2,4\n2,3\n'), { columns: { weight: 2 } }));
    expect(ragged.code).toBe('E_PARSE');
    expect(ragged.message).toMatch(/ragged\.csv:3: expected at least 3 fields, got 2/);
    expect(ragged.line).toBe(3);
    const nan = await errorOf(parseInteractions('0,1,NaN\n', { format: 'csv', header: false, columns: { weight: 2 } }));
    expect(nan.code).toBe('E_NONFINITE');
    const unterminated = await errorOf(parseInteractions('0,1\n1,"2\n', { format: 'csv' }));
    expect(unterminated.code).toBe('E_PARSE');
    expect((await errorOf(parseInteractions('0,1\n', { format: 'xml' as never }))).code).toBe('E_INVALID_ARG');
    expect((await errorOf(parseInteractions('0,1\n', { delimiter: '::' }))).code).toBe('E_INVALID_ARG');
    expect((await errorOf(parseInteractions('0 1\n', { format: 'lines', idMode: 'string' }))).code).toBe('E_INVALID_ARG');
    expect((await errorOf(parseInteractions(42 as never))).code).toBe('E_TYPE');
  });
});

describe('in-memory arrays: clean and split', () => {
  const data: EdgeList = {
    nUsers: 4, nItems: 5,
    users: i32([0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 0]),
    items: i32([0, 1, 2, 3, 0, 1, 4, 2, 3, 4, 1]),
    timestamps: Float64Array.from([1, 2, 3, 4, 1, 2, 3, 1, 2, 1, 9]),
  };

  it('validates typed arrays with typed errors', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ ...data, users: new Float32Array(11) }, 'E_TYPE', /data\.users must be an Int32Array, got Float32Array/],
      [{ ...data, items: Array.from(data.items) }, 'E_TYPE', /data\.items must be an Int32Array/],
      [{ ...data, items: i32([0, 1]) }, 'E_SHAPE', /same length/],
      [{ ...data, timestamps: new Float64Array(3) }, 'E_SHAPE', /timestamps has 3 entries/],
      [{ ...data, weights: new Float64Array(11) }, 'E_TYPE', /weights must be a Float32Array/],
      [{ ...data, nUsers: 2 }, 'E_OUT_OF_RANGE', /user id 2/],
      [{ ...data, nItems: -1 }, 'E_INVALID_ARG', /nItems/],
      [null, 'E_TYPE', /data must be an object/],
    ];
    for (const [input, code, message] of cases) {
      const e = await errorOf(splitInteractions(input as EdgeList));
      expect(e.code, String(message)).toBe(code);
      expect(e.message).toMatch(message);
      expect((await errorOf(cleanInteractions(input as EdgeList))).code).toBe(code);
    }
  });

  it('splits deterministically into disjoint parts that cover the input', async () => {
    const a = await splitInteractions(data, { ratio: 0.5, seed: 3 });
    const b = await splitInteractions(data, { ratio: 0.5, seed: 3, threads: 1 });
    expect(Array.from(a.test.items)).toEqual(Array.from(b.test.items));
    expect(a.train.users.length + a.test.users.length).toBe(11);
    expect(a.test.nUsers).toBe(4);
    const pairs = (e: EdgeList) => Array.from(e.users, (u, k) => `${u}:${e.items[k]}:${e.timestamps![k]}`);
    expect(new Set([...pairs(a.train), ...pairs(a.test)]).size).toBe(11);
    // user 3 has a single interaction: it stays in train.
    expect(Array.from(a.test.users)).not.toContain(3);
  });

  it('supports leave-k-out (latest by time), chrono, temporal and a validation part', async () => {
    const l = await splitInteractions(data, { method: 'leave-k-out', k: 1 });
    expect(Array.from(l.test.timestamps!)).toEqual([3, 2, 9]);  // each user's latest, in input order
    const t = await splitInteractions(data, { method: 'temporal', cutTime: 3 });
    expect(t.cutTime).toBe(3);
    expect(Array.from(t.test.timestamps!).every((x) => x >= 3)).toBe(true);
    const v = await splitInteractions(data, { method: 'chrono', ratio: 0.3, validation: { method: 'leave-k-out', pick: 'random', seed: 1 } });
    expect(v.validation).toBeDefined();
    expect(v.train.users.length + v.validation!.users.length + v.test.users.length).toBe(11);
    const { timestamps: _, ...untimed } = data;
    const e = await errorOf(splitInteractions(untimed, { method: 'chrono' }));
    expect(e.code).toBe('E_INVALID_ARG');
    expect((await errorOf(splitInteractions(data, { method: 'shuffle' as never }))).code).toBe('E_INVALID_ARG');
    expect((await errorOf(splitInteractions(data, { ratio: 1.5 }))).code).toBe('E_INVALID_ARG');
  });

  it('cleans duplicates and re-indexes, remapping string id maps', async () => {
    const d = await parseInteractions('user,item\na,x\nb,y\na,x\nc,z\nb,x\n', { idMode: 'string' });
    const r = await cleanInteractions(d, { minItemInteractions: 2, reindex: true });
    expect(r.duplicatesRemoved).toBe(1);
    expect(r.data.itemIds!.toJSON()).toEqual(['x']);
    expect(r.data.userIds!.toJSON()).toEqual(['a', 'b']);
    expect(Array.from(r.itemNewToOld!)).toEqual([0]);
    expect(r.data.nUsers).toBe(2);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    expect((await errorOf(splitInteractions(data, {}, { signal: ac.signal }))).code).toBe('E_ABORTED');
    expect((await errorOf(readInteractions(path.join(tmp, 'x'), {}, { signal: ac.signal }))).code).toBe('E_ABORTED');
  });
});

describe('Dataset.load', () => {
  it('shares one id space across train/test files with string ids', async () => {
    const train = file('tr.csv', 'user,item\nann,a\nbob,b\n');
    const test = file('te.csv', 'user,item\ncat,a\nann,c\n');
    const ds = await Dataset.load({ train, test, idMode: 'string' });
    expect(ds.nUsers).toBe(3);
    expect(ds.nItems).toBe(3);
    expect(ds.userIds!.toJSON()).toEqual(['ann', 'bob', 'cat']);
    expect(Array.from(ds.test!.users)).toEqual([2, 0]);
    ds.dispose();
  });

  it('splits a single file when asked', async () => {
    const p = file('all.txt', '0 1 2 3 4\n1 0 1 2\n2 3\n');
    const ds = await Dataset.load({ train: p, split: { ratio: 0.25, seed: 1, validation: { ratio: 0.5 } } });
    expect(ds.train.size + ds.test!.size + ds.validation!.size).toBe(8);
    ds.dispose();
  });

  it('loads the shared Gowalla split with the published counts', async () => {
    const dir = sharedDataset('gowalla');
    if (!dir) return;
    const t0 = performance.now();
    const ds = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
    const ms = performance.now() - t0;
    expect(ds.nUsers).toBe(29858);
    expect(ds.nItems).toBe(40981);
    expect(ds.train.size).toBe(810128);
    expect(ds.test!.size).toBe(217242);
    console.log(`gowalla train+test loaded into a Dataset in ${ms.toFixed(0)} ms`);
    ds.dispose();
  });
});
