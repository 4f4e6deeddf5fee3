/** `recforge backends`: which compute backends exist here and why. @internal @module */
import { listBackends } from '../../backends.js';
import type { Command } from '../command.js';
import { printJson } from '../output.js';

export const backendsCommand: Command = {
  name: 'backends',
  summary: 'list compute backends (cpu, cuda) with availability and reason',
  flags: { json: { kind: 'bool', help: 'print a JSON array of {name, available, compiled, reason}' } },
  async run(flags) {
    const list = listBackends();
    if (flags.json) printJson(list);
    else for (const b of list) process.stdout.write(`${b.name.padEnd(5)} ${b.available ? 'available  ' : 'unavailable'}  ${b.reason}\n`);
  },
};
