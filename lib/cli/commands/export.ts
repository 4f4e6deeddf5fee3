/** `recforge export`: a saved model's final embeddings (or a prefix of them) as .npy files. @internal @module */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { loadModel } from '../../model-file.js';
import { writeNpy } from '../../npy.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a saved model\'s final embeddings (optionally the first --dim columns) as users.npy / items.npy',
  flags: {
    model: { kind: 'string', help: 'model file written by recforge train --save', required: true },
    out: { kind: 'string', help: 'output folder (created if missing)', required: true },
    dim: { kind: 'int', help: 'export only the first D coordinates (a nested-dimension prefix; default: all)', min: 1 },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object {users, items, dim}' },
  },
  async run(flags) {
    const model = await loadModel(flags.model as string, { threads: flags.threads as number | undefined });
    try {
      const dim = flags.dim as number | undefined;
      // Both tables first, so a bad --dim fails before anything is written.
      const [u, v] = await Promise.all([model.userEmbeddings({ dim }), model.itemEmbeddings({ dim })]);
      const dir = flags.out as string;
      await mkdir(dir, { recursive: true });
      const users = path.join(dir, 'users.npy'), items = path.join(dir, 'items.npy');
      await writeNpy(users, u);
      await writeNpy(items, v);
      const report = { users, items, dim: u.cols, modelDim: model.dim, nUsers: u.rows, nItems: v.rows };
      if (flags.json === true) printJson(report);
      else printTable(report);
    } finally {
      model.dispose();
    }
  },
};
