/** The shape every CLI subcommand has. @internal @module */
import type { FlagSpec, ParsedFlags } from './args.js';

/** One subcommand. */
export interface Command {
  name: string;
  summary: string;
  flags: Record<string, FlagSpec>;
  run(flags: ParsedFlags): Promise<void>;
}
