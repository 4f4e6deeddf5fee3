/** `recforge stats`: counts, density and degree summaries of a dataset. @internal @module */
import type { Command } from '../command.js';
import { dataFlags, loadFromFlags } from '../data-flags.js';
import { printJson, printTable } from '../output.js';

export const statsCommand: Command = {
  name: 'stats',
  summary: 'users, items, train/test/validation interactions, density, degree summary',
  flags: { ...dataFlags(true, false), json: { kind: 'bool', help: 'print one JSON object' } },
  async run(flags) {
    const json = flags.json === true;
    const data = await loadFromFlags(flags, !json && process.stderr.isTTY === true);
    const stats = await data.stats();
    data.dispose();
    if (json) printJson(stats);
    else printTable({ ...stats });
  },
};
