/**
 * The shared-table flags of `recforge train` (every model): --embedding, --compression,
 * --clusters, --cluster-tables, --residual, --hot and --split-scores as the `embedding` option.
 * @internal
 * @module
 */
import type { EmbeddingKind, EmbeddingTableOptions } from '../embedding.js';
import { UsageError, type ParsedFlags } from './args.js';

/** --embedding / --compression / --clusters / --cluster-tables / --residual / --hot as the embedding option. */
export function embeddingFromFlags(flags: ParsedFlags): EmbeddingTableOptions | undefined {
  const kind = (flags.embedding as EmbeddingKind | undefined) ?? 'full';
  const budget = flags.compression !== undefined || flags.clusters !== undefined;
  if (kind === 'full') {
    if (budget || flags['cluster-tables'] !== undefined || flags.residual === true || flags.hot !== undefined || flags['split-scores'] === true)
      throw new UsageError('--compression, --clusters, --cluster-tables, --residual, --hot and --split-scores need --embedding clustered|hashed|frequency');
    return undefined;
  }
  if ((flags.compression === undefined) === (flags.clusters === undefined))
    throw new UsageError(`--embedding ${kind} needs exactly one of --compression R and --clusters N`);
  const out: EmbeddingTableOptions = { kind, tables: flags['cluster-tables'] as 'items' | undefined, residual: flags.residual === true };
  if (flags.compression !== undefined) out.ratio = flags.compression as number;
  if (flags.clusters !== undefined) out.clusters = flags.clusters as number;
  if (flags.hot !== undefined) {
    if (kind !== 'clustered') throw new UsageError('--hot needs --embedding clustered');
    out.hot = flags.hot as number;
  }
  if (flags['split-scores'] === true) out.splitScores = true;
  return out;
}
