/**
 * `recforge train --report out.html`: the flag and the page it writes after training, shared by
 * every model family's training branch.
 * @internal
 * @module
 */
import type { EpochEvent } from '../model.js';
import { writeTrainingReport } from '../report/training-report.js';
import type { FlagSpec, ParsedFlags } from './args.js';

/** The --report flag. */
export const reportFlag: FlagSpec = {
  kind: 'string', help: 'write a self-contained HTML training report (loss, metrics, time, config; SVG plots) to this file',
};

/**
 * The run's configuration as the report shows it: model kind, data files, then each object's
 * entries in order (the model config, the training options, the fit options).
 */
export function runConfig(kind: string, flags: ParsedFlags, ...parts: object[]): Record<string, unknown> {
  const config: Record<string, unknown> = { model: kind, train: flags.train, test: flags.test, validation: flags.validation };
  for (const p of parts) Object.assign(config, p);
  return config;
}

/** Writes the report when --report was given (after training; a write failure is E_IO naming the file). */
export async function writeReportFlag(flags: ParsedFlags, history: readonly EpochEvent[], config: Record<string, unknown>, json: boolean): Promise<void> {
  if (flags.report === undefined) return;
  const file = flags.report as string;
  await writeTrainingReport(file, history, config, { title: `recforge train --model ${String(config.model)}` });
  if (!json) process.stdout.write(`wrote training report to ${file}\n`);
}
