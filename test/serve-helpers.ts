// Shared by the server tests: a small dataset with string ids, HTTP helpers over loopback.
import http from 'node:http';
import { Dataset, IdMap, LightGCN, Trainer } from '../dist/index.js';
import { rng } from './helpers.js';

/** 40 users ('u0'..) x 60 items ('item-0'..), 6 random items each; ids are strings. */
export async function stringIdDataset(): Promise<Dataset> {
  const rand = rng(11);
  const users: number[] = [], items: number[] = [];
  for (let u = 0; u < 40; u++) {
    const seen = new Set<number>();
    while (seen.size < 6) seen.add(Math.floor(rand() * 60));
    for (const i of seen) users.push(u), items.push(i);
  }
  return Dataset.fromArrays({
    nUsers: 40, nItems: 60, train: { users: Int32Array.from(users), items: Int32Array.from(items) },
    userIds: new IdMap(Array.from({ length: 40 }, (_, u) => `u${u}`)),
    itemIds: new IdMap(Array.from({ length: 60 }, (_, i) => `item-${i}`)),
  });
}

/** A LightGCN trained a few epochs (scores differ from user to user). */
export async function trainedLightGcn(data: Dataset): Promise<LightGCN> {
  const model = await LightGCN.create(data, { dim: 8, layers: 2, seed: 3 });
  for await (const _ of new Trainer(model, { lr: 0.01, batchSize: 64 }).fit({ epochs: 3 })) void _;
  return model;
}

export interface Reply {
  status: number;
  body: any;
}

/** GET url (fetch: keep-alive connections). */
export async function get(url: string): Promise<Reply> {
  const r = await fetch(url);
  return { status: r.status, body: await r.json() };
}

/** POST a raw body (default content type application/json). */
export async function post(url: string, body: string, type = 'application/json'): Promise<Reply> {
  const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': type } });
  return { status: r.status, body: await r.json() };
}

/** GET over a fresh connection (no agent): rejects with ECONNREFUSED once the server stopped accepting. */
export function getFresh(url: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
  });
}
