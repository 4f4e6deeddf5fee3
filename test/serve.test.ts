// The HTTP server API (createServer) over real HTTP on loopback: every endpoint against the
// model's own answers, every kind of bad input (4xx with a message, the server stays up),
// concurrent requests, and graceful shutdown with a request in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Interact2Vec, LightGCN, MF, RecforgeError, createServer, syntheticDataset, type Dataset, type RecforgeServer, type RecommendOptions,
} from '../dist/index.js';
import { get, getFresh, post, stringIdDataset, trainedLightGcn } from './serve-helpers.js';

describe('createServer: LightGCN with string ids', () => {
  let data: Dataset;
  let model: LightGCN;
  let server: RecforgeServer;
  let url: string;
  beforeAll(async () => {
    data = await stringIdDataset();
    model = await trainedLightGcn(data);
    server = createServer(model);
    expect(model.ready).toBe(false);
    ({ url } = await server.listen());
    expect(model.ready).toBe(true);  // listen warmed the model: recommend takes the sync path
  });
  afterAll(async () => {
    await server.close();
    model.dispose();
    data.dispose();
  });

  it('listens on loopback at the port it reports', () => {
    expect(server.address).toMatchObject({ host: '127.0.0.1' });
    expect(server.address!.port).toBeGreaterThan(0);
    expect(url).toBe(`http://127.0.0.1:${server.address!.port}`);
  });

  it('GET /health', async () => {
    expect(await get(`${url}/health`)).toEqual({
      status: 200, body: { status: 'ok', model: 'lightgcn', users: 40, items: 60, dim: 8, ready: true },
    });
  });

  const ext = (items: Int32Array) => Array.from(items, (i) => `item-${i}`);
  const cases: [string, RecommendOptions][] = [
    ['', {}], ['&k=1', { k: 1 }], ['&k=5', { k: 5 }], ['&k=60', { k: 60 }], ['&k=20&exclude=none', { k: 20, exclude: 'none' }],
    ['&k=7&dim=3', { k: 7, dim: 3 }], ['&k=4&allow=item-3,item-1,item-59,item-3', { k: 4, allow: [3, 1, 59, 3] }],
    ['&k=10&deny=item-0,item-1,item-2', { k: 10, deny: [0, 1, 2] }], ['&k=5&allow=', { k: 5, allow: [] }],
  ];
  for (const [query, options] of cases) {
    it(`GET /recommend?user=U${query} answers {user, items, scores} as model.recommend`, async () => {
      for (const user of ['u0', 'u17', 'u39']) {
        const want = await model.recommend(user, options);
        const r = await get(`${url}/recommend?user=${user}${query}`);
        expect(r.status).toBe(200);
        expect(Object.keys(r.body)).toEqual(['user', 'items', 'scores']);
        expect(r.body).toEqual({ user, items: ext(want.items), scores: Array.from(want.scores) });
      }
    });
  }

  it('the default k is 10 and seen items are excluded', async () => {
    const r = await get(`${url}/recommend?user=u5`);
    expect(r.body.items).toHaveLength(10);
    const seen = new Set(Array.from(data.matrix('train')!.export().indices.subarray(30, 36), (i) => `item-${i}`));
    for (const item of r.body.items) expect(seen.has(item)).toBe(false);
  });

  const bad: [string, number, RegExp][] = [
    ['/recommend?user=nobody', 404, /unknown user 'nobody'/],
    ['/recommend?user=17', 404, /unknown user '17'/],  // string ids: a dense number is not an id
    ['/recommend', 400, /required property 'user'/],
    ['/recommend?user=', 400, /user must NOT have fewer than 1 characters/],
    ['/recommend?user=u1&k=0', 400, /k must be >= 1/],
    ['/recommend?user=u1&k=-3', 400, /k must be >= 1/],
    ['/recommend?user=u1&k=2.5', 400, /k must be integer/],
    ['/recommend?user=u1&k=ten', 400, /k must be integer/],
    ['/recommend?user=u1&k=', 400, /k must be integer/],
    ['/recommend?user=u1&k=61', 400, /k must be <= 60/],
    ['/recommend?user=u1&k=99999999999999999999', 400, /k must be/],
    ['/recommend?user=u1&k=2&k=3', 400, /k must be integer/],
    ['/recommend?user=u1&user=u2', 400, /user must be string/],
    ['/recommend?user=u1&exclude=seen', 400, /exclude must be equal to one of the allowed values/],
    ['/recommend?user=u1&dim=0', 400, /dim must be >= 1/],
    ['/recommend?user=u1&dim=9', 400, /dim must be <= 8/],
    ['/recommend?user=u1&allow=item-1,nothing', 404, /unknown item 'nothing'/],
    ['/recommend?user=u1&deny=item-60', 404, /unknown item 'item-60'/],
    ['/recommend?user=u1&top=5', 400, /must NOT have additional properties/],
    [`/recommend?user=${'x'.repeat(300)}`, 400, /must NOT have more than 256 characters/],
    ['/similar-items', 400, /required property 'item'/],
    ['/nowhere', 404, /no route GET \/nowhere/],
  ];
  for (const [path, status, message] of bad) {
    it(`GET ${path.slice(0, 60)} -> ${status}`, async () => {
      const r = await get(url + path);
      expect(r.status).toBe(status);
      expect(r.body).toMatchObject({ statusCode: status });
      expect(r.body.message).toMatch(message);
    });
  }

  const badBodies: [string, string, number, RegExp][] = [
    ['malformed JSON', '{"items": [', 400, /not valid JSON/],
    ['an empty body', '', 400, /Body cannot be empty/],
    ['an array', '["item-1"]', 400, /body must be object/],
    ['null', 'null', 400, /body must be object/],
    ['no items', '{"k": 3}', 400, /required property 'items'/],
    ['items not an array', '{"items": "item-1"}', 400, /items must be array/],
    ['an empty item list', '{"items": []}', 400, /must NOT have fewer than 1 items/],
    ['k = 0', '{"items": ["item-1"], "k": 0}', 400, /k must be >= 1/],
    ['k not an integer', '{"items": ["item-1"], "k": 1.5}', 400, /k must be integer/],
    ['k above the item count', '{"items": ["item-1"], "k": 61}', 400, /k must be <= 60/],
    ['an unknown field', '{"items": ["item-1"], "user": "u1"}', 400, /must NOT have additional properties/],
    ['an unknown item', '{"items": ["item-1", "item-99"]}', 404, /unknown item 'item-99'/],
  ];
  for (const [what, body, status, message] of badBodies) {
    it(`POST /fold-in with ${what} -> ${status}`, async () => {
      const r = await post(`${url}/fold-in`, body);
      expect(r.status).toBe(status);
      expect(r.body.message).toMatch(message);
    });
  }

  it('POST /fold-in with a non-JSON content type -> 415, a huge body -> 413', async () => {
    expect((await post(`${url}/fold-in`, 'items=item-1', 'text/plain')).status).toBe(415);
    expect((await post(`${url}/fold-in`, 'items=item-1', 'application/x-www-form-urlencoded')).status).toBe(415);
    const huge = JSON.stringify({ items: Array.from({ length: 200_000 }, () => 'item-1') });
    expect((await post(`${url}/fold-in`, huge)).status).toBe(413);
  });

  it('answers 501 for similar items and fold-in when the model lacks the method', async () => {
    // Shadowed so the test holds whether or not LightGCN has the methods in this build.
    const shadow = { value: undefined, configurable: true };
    Object.defineProperty(model, 'similarItems', shadow);
    Object.defineProperty(model, 'foldInUser', shadow);
    try {
      const s = await get(`${url}/similar-items?item=item-4&k=3`);
      expect(s.status).toBe(501);
      expect(s.body.message).toMatch(/similar items is not available for lightgcn models/);
      const f = await post(`${url}/fold-in`, '{"items": ["item-1"]}');
      expect(f.status).toBe(501);
      expect(f.body.message).toMatch(/fold-in is not available for lightgcn models/);
    } finally {
      delete (model as any).similarItems;
      delete (model as any).foldInUser;
    }
  });

  it('calls the model\'s similarItems / foldInUser when present, with dense ids, and maps the answer back', async () => {
    const calls: unknown[] = [];
    Object.defineProperty(model, 'similarItems', {
      configurable: true,
      value: async (item: number, o: { k: number }) => {
        calls.push(['similar', item, o.k]);
        return { query: item, ids: Int32Array.of(5, 9, -1), scores: Float32Array.of(0.5, 0.25, -Infinity) };
      },
    });
    Object.defineProperty(model, 'foldInUser', {
      configurable: true,
      value: async (items: number[], o: { k: number }) => {
        calls.push(['fold-in', items, o.k]);
        return { embedding: new Float32Array(8), recommendation: { user: -1, items: Int32Array.of(7, 2), scores: Float32Array.of(2, 1) } };
      },
    });
    try {
      expect(await get(`${url}/similar-items?item=item-4&k=3`)).toEqual({
        status: 200, body: { item: 'item-4', items: ['item-5', 'item-9'], scores: [0.5, 0.25] },
      });
      expect(await post(`${url}/fold-in`, '{"items": ["item-1", "item-30"], "k": 2}')).toEqual({
        status: 200, body: { items: ['item-7', 'item-2'], scores: [2, 1] },
      });
      expect(calls).toEqual([['similar', 4, 3], ['fold-in', [1, 30], 2]]);
    } finally {
      delete (model as any).similarItems;
      delete (model as any).foldInUser;
    }
  });

  it('GET /similar-items and POST /fold-in answer with the model\'s own similarItems / foldInUser', async () => {
    const sim = await model.similarItems(4, { k: 3 });
    expect(await get(`${url}/similar-items?item=item-4&k=3`)).toEqual({
      status: 200, body: { item: 'item-4', items: ext(sim.ids), scores: Array.from(sim.scores) },
    });
    const fold = await model.foldInUser([1, 30], { k: 2 });
    expect(await post(`${url}/fold-in`, '{"items": ["item-1", "item-30"], "k": 2}')).toEqual({
      status: 200, body: { items: ext(fold.items), scores: Array.from(fold.scores) },
    });
  });

  it('maps errors from the model: RecforgeError by code, anything else 500; the server stays up', async () => {
    const throwing = (e: () => unknown) => ({ configurable: true, value: async () => e() });
    try {
      Object.defineProperty(model, 'foldInUser', throwing(() => {
        throw new RecforgeError('E_INVALID_ARG', 'items must hold at least 2 ids');
      }));
      expect(await post(`${url}/fold-in`, '{"items": ["item-1"]}')).toEqual({
        status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'items must hold at least 2 ids', code: 'E_INVALID_ARG' },
      });
      Object.defineProperty(model, 'foldInUser', throwing(() => {
        throw new RecforgeError('E_BUSY', 'model is training');
      }));
      expect((await post(`${url}/fold-in`, '{"items": ["item-1"]}')).status).toBe(503);
      Object.defineProperty(model, 'foldInUser', throwing(() => {
        throw new TypeError('boom');
      }));
      expect(await post(`${url}/fold-in`, '{"items": ["item-1"]}')).toEqual({
        status: 500, body: { statusCode: 500, error: 'Internal Server Error', message: 'internal error: boom' },
      });
      Object.defineProperty(model, 'similarItems', throwing(() => ({ nothing: true })));
      const r = await get(`${url}/similar-items?item=item-1`);
      expect(r.status).toBe(500);
      expect(r.body.message).toMatch(/similarItems returned neither/);
    } finally {
      delete (model as any).similarItems;
      delete (model as any).foldInUser;
    }
    expect((await get(`${url}/health`)).status).toBe(200);
  });

  it('answers 200 concurrent requests correctly', async () => {
    const users = Array.from({ length: 200 }, (_, q) => `u${(q * 7) % 40}`);
    const replies = await Promise.all(users.map((u, q) => get(`${url}/recommend?user=${u}&k=${1 + (q % 12)}`)));
    for (let q = 0; q < users.length; q++) {
      const want = model.recommendSync(users[q], { k: 1 + (q % 12) });
      expect(replies[q]).toEqual({ status: 200, body: { user: users[q], items: ext(want.items), scores: Array.from(want.scores) } });
    }
  });

  it('is still healthy after all the bad input', async () => {
    expect((await get(`${url}/health`)).status).toBe(200);
  });
});

describe('createServer: integer ids, Interact2Vec, options', () => {
  it('MF over integer ids: user and items are numbers', async () => {
    const data = await syntheticDataset({ users: 30, items: 50, seed: 4 });
    const model = await MF.create(data, { dim: 4, seed: 1 });
    const server = createServer(model, { port: 0 });
    try {
      const { url } = await server.listen();
      const want = await model.recommend(12, { k: 6 });
      expect(await get(`${url}/recommend?user=12&k=6`)).toEqual({
        status: 200, body: { user: 12, items: Array.from(want.items), scores: Array.from(want.scores) },
      });
      expect((await get(`${url}/recommend?user=0012&k=6`)).body.user).toBe(12);
      for (const u of ['30', '-1', '1.5', 'abc', '99999999999999999999']) {
        const r = await get(`${url}/recommend?user=${u}`);
        expect(r.status).toBe(404);
        expect(r.body.message).toBe(`unknown user '${u}'`);
      }
      expect((await get(`${url}/recommend?user=1&allow=1,2,50`)).body.message).toBe("unknown item '50'");
    } finally {
      await server.close();
      model.dispose();
      data.dispose();
    }
  });

  it('Interact2Vec: recommend and similar-items as the model, no dim / allow / deny', async () => {
    const data = await stringIdDataset();
    const model = await Interact2Vec.create(data, { dim: 8, seed: 2, threads: 1 });
    for await (const _ of model.fit({ epochs: 2 })) void _;
    const server = createServer(model);
    try {
      const { url } = await server.listen();
      const rec = await model.recommend('u3', { k: 5 });
      expect(await get(`${url}/recommend?user=u3&k=5`)).toEqual({
        status: 200, body: { user: 'u3', items: rec.itemIds, scores: Array.from(rec.scores) },
      });
      const sim = await model.similarItems('item-8', { k: 4 });
      expect(await get(`${url}/similar-items?item=item-8&k=4`)).toEqual({
        status: 200, body: { item: 'item-8', items: sim.externalIds, scores: Array.from(sim.scores) },
      });
      expect((await get(`${url}/similar-items?item=item-60`)).status).toBe(404);
      expect((await get(`${url}/similar-items?item=item-8&k=0`)).status).toBe(400);
      for (const q of ['dim=2', 'allow=item-1', 'deny=item-1']) {
        const r = await get(`${url}/recommend?user=u3&${q}`);
        expect(r.status).toBe(400);
        expect(r.body.message).toMatch(/is not supported by interact2vec models/);
      }
      const fold = await model.foldInUser(['item-1', 'item-30'], { k: 3 });
      expect(await post(`${url}/fold-in`, '{"items": ["item-1", "item-30"], "k": 3}')).toEqual({
        status: 200, body: { items: fold.itemIds, scores: Array.from(fold.scores) },
      });
      expect((await get(`${url}/health`)).body).toMatchObject({ model: 'interact2vec', ready: true });
    } finally {
      await server.close();
      model.dispose();
    }
  });

  it('refuses bad models and options with typed errors; listen once; E_IO on a port in use', async () => {
    expect(() => createServer({} as any)).toThrow(expect.objectContaining({ code: 'E_TYPE' }));
    expect(() => createServer(null as any)).toThrow(expect.objectContaining({ code: 'E_TYPE' }));
    const data = await syntheticDataset({ users: 10, items: 12, seed: 1 });
    const model = await MF.create(data, { dim: 2 });
    for (const bad of [{ port: 70000 }, { port: -1 }, { port: 1.5 }, { host: '' }, { bodyLimit: 0 }, { logger: 'yes' }])
      expect(() => createServer(model, bad as any)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARG' }));
    const a = createServer(model);
    try {
      const { port } = await a.listen();
      await expect(a.listen()).rejects.toMatchObject({ code: 'E_BUSY' });
      const b = createServer(model, { port });
      await expect(b.listen()).rejects.toMatchObject({ code: 'E_IO', message: expect.stringMatching(/EADDRINUSE/) });
      await b.close();
      expect((await get(`${a.address!.url}/health`)).status).toBe(200);
    } finally {
      await a.close();
      await a.close();  // idempotent
      await expect(a.listen()).rejects.toMatchObject({ code: 'E_BUSY' });
    }
    model.dispose();
    await expect(createServer(model).listen()).rejects.toMatchObject({ code: 'E_DISPOSED' });
  });
});

describe('createServer: graceful shutdown', () => {
  it('stops accepting, finishes the request in flight, then resolves close()', async () => {
    const data = await stringIdDataset();
    const model = await trainedLightGcn(data);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inFlight = new Promise<void>((r) => (entered = r));
    Object.defineProperty(model, 'foldInUser', {
      configurable: true,
      value: async (_items: number[], o: { k: number }) => {
        entered();
        await gate;
        return model.recommendSync('u1', { k: o.k });
      },
    });
    const server = createServer(model);
    const { url } = await server.listen();
    const pending = post(`${url}/fold-in`, '{"items": ["item-1"], "k": 3}');
    await inFlight;
    let closed = false;
    const closing = server.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(closed).toBe(false);  // waits for the request in flight
    await expect(getFresh(`${url}/health`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    release();
    const r = await pending;
    const want = model.recommendSync('u1', { k: 3 });
    expect(r).toEqual({ status: 200, body: { items: Array.from(want.items, (i) => `item-${i}`), scores: Array.from(want.scores) } });
    await closing;
    expect(closed).toBe(true);
    expect(server.address).toBeUndefined();
    model.dispose();
  });
});
