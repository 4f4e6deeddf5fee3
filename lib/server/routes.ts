/**
 * The server's endpoints: GET /recommend, GET /similar-items, POST /fold-in and GET /health,
 * registered on a fastify instance with their schemas.
 * @internal
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { errorSchema, routeSchemas } from './schemas.js';
import type { RecommendQuery, ServedModel } from './served-model.js';

interface RecommendRequest {
  Querystring: RecommendQuery & { user: string; k?: number };
}
interface SimilarRequest {
  Querystring: { item: string; k?: number };
}
interface FoldInRequest {
  Body: { items: (string | number)[]; k?: number };
}

/** Default number of items per answer. */
const DEFAULT_K = 10;

/** Registers every endpoint of `served` on `app`. */
export function registerRoutes(app: FastifyInstance, served: ServedModel): void {
  const { model } = served;
  const schemas = routeSchemas({
    items: model.nItems, dim: model.dim, userIdsAreStrings: model.userIds !== undefined, itemIdsAreStrings: model.itemIds !== undefined,
  });
  app.addSchema(errorSchema);
  // k defaults to 10 but never above the item count (a model with fewer items still answers).
  const kOf = (k: number | undefined) => k ?? Math.min(DEFAULT_K, Math.max(1, model.nItems));

  app.get<RecommendRequest>('/recommend', { schema: schemas.recommend }, async (req) => {
    const q = req.query;
    const user = served.user(q.user);
    const answer = served.recommend(user, { ...q, k: kOf(q.k) });
    // LightGCN-family models answer synchronously (recommendSync): no await, no thread hop.
    const r = answer instanceof Promise ? await answer : answer;
    return { user: served.echoUser(q.user, user), items: r.items, scores: r.scores };
  });

  app.get<SimilarRequest>('/similar-items', { schema: schemas.similarItems }, async (req) => {
    const item = served.item(req.query.item);
    const r = await served.similarItems(item, kOf(req.query.k));
    return { item: model.itemIds ? req.query.item : item, items: r.items, scores: r.scores };
  });

  app.post<FoldInRequest>('/fold-in', { schema: schemas.foldIn }, async (req) => {
    const items = req.body.items.map((id) => served.item(id));
    return served.foldIn(items, kOf(req.body.k));
  });

  app.get('/health', { schema: schemas.health }, async () => ({
    status: 'ok', model: model.kind, users: model.nUsers, items: model.nItems, dim: model.dim,
    ready: served.lightgcn ? served.lightgcn.ready : true,
  }));
}
