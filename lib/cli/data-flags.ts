/**
 * Flags shared by every command that reads interaction files, and the loading they drive.
 * @internal
 * @module
 */
import type { Dataset } from '../dataset.js';
import { loadDataset, type DatasetFiles } from '../dataset-load.js';
import type { FlagSpec, ParsedFlags } from './args.js';
import { progressBar } from './progress.js';

/** --train/--test/--validation/--format/--id-mode. */
/** --catalog: which items evaluations rank (EvaluatorOptions.catalog). */
export const catalogFlag: FlagSpec = {
  kind: 'string', help: "items evaluations rank: all (default) or train (only items with a train interaction)", choices: ['all', 'train'],
};

export function dataFlags(trainRequired: boolean, testRequired: boolean): Record<string, FlagSpec> {
  return {
    train: { kind: 'string', help: 'train interactions file (any supported format, .gz ok)', required: trainRequired },
    test: { kind: 'string', help: 'test interactions file', required: testRequired },
    validation: { kind: 'string', help: 'validation interactions file (masked when evaluating on test)' },
    format: {
      kind: 'string', help: 'file format (default: detected)',
      choices: ['auto', 'lines', 'csv', 'tsv', 'delimited', 'movielens'],
    },
    'id-mode': { kind: 'string', help: 'delimited formats: integer ids or string ids mapped to dense', choices: ['integer', 'string'] },
  };
}

/** Loads the dataset named by the data flags, with a progress bar on a TTY. */
export async function loadFromFlags(flags: ParsedFlags, showProgress: boolean): Promise<Dataset> {
  const files: DatasetFiles = { train: flags.train as string };
  if (flags.test !== undefined) files.test = flags.test as string;
  if (flags.validation !== undefined) files.validation = flags.validation as string;
  if (flags.format !== undefined) files.format = flags.format as DatasetFiles['format'];
  if (flags['id-mode'] !== undefined) files.idMode = flags['id-mode'] as 'integer' | 'string';
  const bar = progressBar('loading', showProgress);
  try {
    return await loadDataset(files, { onProgress: (f) => bar.update(f) });
  } finally {
    bar.done();
  }
}
