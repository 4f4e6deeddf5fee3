#!/usr/bin/env node
/**
 * The `recforge` command line. Exit codes: 0 success, 1 runtime failure (a RecforgeError, with
 * its code), 2 bad command line.
 * @internal
 * @module
 */
import { isRecforgeError } from '../errors.js';
import { UsageError, flagHelp, parseFlags } from './args.js';
import type { Command } from './command.js';
import { backendsCommand } from './commands/backends.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { recommendCommand } from './commands/recommend.js';
import { serveCommand } from './commands/serve.js';
import { statsCommand } from './commands/stats.js';
import { trainCommand } from './commands/train.js';

const commands: Command[] = [demoCommand, statsCommand, trainCommand, evalCommand, recommendCommand, serveCommand, exportCommand, backendsCommand];

function usage(): string {
  const lines = ['usage: recforge <command> [flags]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push('', "run 'recforge <command> --help' for its flags");
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) {
      process.stderr.write(usage() + '\n');
      return 2;
    }
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`recforge: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: recforge ${command.name} [flags]\n${command.summary}\n\n${flagHelp(command.flags)}\n`);
    return 0;
  }
  try {
    await command.run(parseFlags(rest, command.flags));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`recforge ${command.name}: ${e.message}\n\n${flagHelp(command.flags)}\n`);
      return 2;
    }
    if (isRecforgeError(e)) {
      process.stderr.write(`recforge ${command.name}: error ${e.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`recforge ${command.name}: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`recforge: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
