/**
 * JSON schemas of the server's requests and replies, sized to the model (k at most the item
 * count, dim at most the width). Fastify validates requests with them (400 naming the field) and
 * serializes replies from them.
 * @internal
 * @module
 */

/** The most items a fold-in request may name. */
export const MAX_FOLD_IN_ITEMS = 10_000;

/** Sizes the schemas depend on, and whether ids are strings (external id maps) or dense integers. */
export interface SchemaSizes {
  items: number;
  dim: number;
  userIdsAreStrings: boolean;
  itemIdsAreStrings: boolean;
}

/** Every route's schema. */
export function routeSchemas(s: SchemaSizes) {
  const k = { type: 'integer', minimum: 1, maximum: Math.max(1, s.items) } as const;
  const id = { type: 'string', minLength: 1, maxLength: 256 } as const;
  const itemId = { type: s.itemIdsAreStrings ? 'string' : 'integer' } as const;
  const ranked = {
    items: { type: 'array', items: itemId },
    scores: { type: 'array', items: { type: 'number' } },
  } as const;
  const errors = {
    '4xx': { $ref: 'recforgeError#' },
    '5xx': { $ref: 'recforgeError#' },
  } as const;
  return {
    recommend: {
      querystring: {
        type: 'object', additionalProperties: false, required: ['user'],
        properties: {
          user: id, k,
          exclude: { type: 'string', enum: ['train', 'none'] },
          dim: { type: 'integer', minimum: 1, maximum: s.dim },
          allow: { type: 'string', maxLength: 65536 },
          deny: { type: 'string', maxLength: 65536 },
        },
      },
      response: {
        200: {
          type: 'object', required: ['user', 'items', 'scores'],
          properties: { user: { type: s.userIdsAreStrings ? 'string' : 'integer' }, ...ranked },
        },
        ...errors,
      },
    },
    similarItems: {
      querystring: { type: 'object', additionalProperties: false, required: ['item'], properties: { item: id, k } },
      response: { 200: { type: 'object', required: ['item', 'items', 'scores'], properties: { item: itemId, ...ranked } }, ...errors },
    },
    foldIn: {
      body: {
        type: 'object', additionalProperties: false, required: ['items'],
        properties: {
          items: { type: 'array', minItems: 1, maxItems: MAX_FOLD_IN_ITEMS, items: { type: ['string', 'integer'], minLength: 1, maxLength: 256 } },
          k,
        },
      },
      response: { 200: { type: 'object', required: ['items', 'scores'], properties: ranked }, ...errors },
    },
    health: {
      response: {
        200: {
          type: 'object',
          properties: {
            status: { type: 'string' }, model: { type: 'string' }, users: { type: 'integer' }, items: { type: 'integer' },
            dim: { type: 'integer' }, ready: { type: 'boolean' },
          },
        },
      },
    },
  };
}

/** The shared error reply schema (see http-error.ts). */
export const errorSchema = {
  $id: 'recforgeError',
  type: 'object',
  properties: {
    statusCode: { type: 'integer' }, error: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' },
  },
} as const;
