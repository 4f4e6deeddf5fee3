/** `recforge export`: a saved model's final embeddings (or a prefix of them) as .npy / safetensors, with its id maps as JSON. @internal @module */
import { exportEmbeddings, type ExportFormat } from '../../export.js';
import { loadModel } from '../../model-file.js';
import type { Command } from '../command.js';
import { printJson, printTable } from '../output.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a saved model\'s final embeddings (optionally the first --dim columns) as .npy / safetensors, and its id maps as JSON',
  flags: {
    model: { kind: 'string', help: 'model file written by recforge train --save', required: true },
    out: { kind: 'string', help: 'output folder (created if missing)', required: true },
    dim: { kind: 'int', help: 'export only the first D coordinates (a nested-dimension prefix; default: all)', min: 1 },
    format: {
      kind: 'string', help: 'npy (users.npy, items.npy), safetensors (embeddings.safetensors) or both (default)',
      choices: ['npy', 'safetensors', 'both'],
    },
    threads: { kind: 'int', help: 'worker threads (default: all cores)', min: 0 },
    json: { kind: 'bool', help: 'print one JSON object {dir, dim, modelDim, nUsers, nItems, format, files}' },
  },
  async run(flags) {
    const model = await loadModel(flags.model as string, { threads: flags.threads as number | undefined });
    try {
      const report = await exportEmbeddings(model, flags.out as string, {
        dim: flags.dim as number | undefined, format: flags.format as ExportFormat | undefined,
      });
      if (flags.json === true) printJson(report);
      else printTable({ ...report, files: Object.values(report.files).join(' ') });
    } finally {
      model.dispose();
    }
  },
};
