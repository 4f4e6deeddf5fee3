/**
 * Edge lists of implicit feedback: parallel arrays of user ids and item ids (dense, 0-based),
 * with optional weights and timestamps.
 * @module
 */
import { RecforgeError } from './errors.js';
import { describe } from './tensor.js';

/** Plain arrays describing interactions, as accepted by {@link Dataset.fromArrays}. */
export interface InteractionArrays {
  /** User id of each interaction. */
  users: Int32Array;
  /** Item id of each interaction (same length as `users`). */
  items: Int32Array;
  /** Optional weight (rating, play count, ...) of each interaction. */
  weights?: Float32Array;
  /** Optional timestamp of each interaction (any monotone unit, e.g. Unix seconds). */
  timestamps?: Float64Array;
}

/** An immutable, validated set of interactions. */
export class Interactions implements InteractionArrays {
  /** User id of each interaction. */
  readonly users: Int32Array;
  /** Item id of each interaction. */
  readonly items: Int32Array;
  /** Weight of each interaction, when the source had one. */
  readonly weights?: Float32Array;
  /** Timestamp of each interaction, when the source had one. */
  readonly timestamps?: Float64Array;

  /**
   * Checks array types and lengths (O(1)); id ranges are checked natively when a Dataset is built.
   * @param arrays - the columns; they are used as-is, not copied
   * @param name - label for error messages (e.g. `"train"`)
   */
  constructor(arrays: InteractionArrays, name = 'interactions') {
    if (arrays === null || typeof arrays !== 'object') throw new RecforgeError('E_TYPE', `${name} must be an object with users and items arrays`);
    const { users, items, weights, timestamps } = arrays;
    if (!(users instanceof Int32Array)) throw new RecforgeError('E_TYPE', `${name}.users must be an Int32Array, got ${describe(users)}`);
    if (!(items instanceof Int32Array)) throw new RecforgeError('E_TYPE', `${name}.items must be an Int32Array, got ${describe(items)}`);
    if (users.length !== items.length)
      throw new RecforgeError('E_SHAPE', `${name}.users and ${name}.items must have the same length (${users.length} vs ${items.length})`);
    if (weights !== undefined) {
      if (!(weights instanceof Float32Array)) throw new RecforgeError('E_TYPE', `${name}.weights must be a Float32Array, got ${describe(weights)}`);
      if (weights.length !== users.length) throw new RecforgeError('E_SHAPE', `${name}.weights has ${weights.length} entries for ${users.length} interactions`);
    }
    if (timestamps !== undefined) {
      if (!(timestamps instanceof Float64Array))
        throw new RecforgeError('E_TYPE', `${name}.timestamps must be a Float64Array, got ${describe(timestamps)}`);
      if (timestamps.length !== users.length)
        throw new RecforgeError('E_SHAPE', `${name}.timestamps has ${timestamps.length} entries for ${users.length} interactions`);
    }
    this.users = users;
    this.items = items;
    if (weights) this.weights = weights;
    if (timestamps) this.timestamps = timestamps;
  }

  /** Number of interactions. */
  get size(): number {
    return this.users.length;
  }
}
