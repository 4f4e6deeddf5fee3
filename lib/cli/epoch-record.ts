/**
 * The JSON key contract of training output, shared by `train`, `eval --model` and `demo`:
 * `{epoch, loss, train_s}` per epoch, plus `eval_s` and `recall@K`, `ndcg@K`, `precision@K` on
 * evaluated epochs.
 * @internal
 * @module
 */
import type { MetricName } from '../evaluator.js';
import type { EpochEvent } from '../model.js';

/** Metrics the CLI reports for trained models. */
export const CLI_METRICS: MetricName[] = ['recall', 'ndcg', 'precision'];

/** One epoch as the `--json` line. */
export function epochRecord(e: EpochEvent): Record<string, number> {
  const r: Record<string, number> = { epoch: e.epoch, loss: e.loss, train_s: e.seconds };
  if (e.metrics) Object.assign(r, { eval_s: e.evalSeconds ?? 0 }, e.metrics);
  return r;
}

/** One epoch as a human-readable line. */
export function epochLine(e: EpochEvent): string {
  let s = `epoch ${String(e.epoch).padStart(4)}  loss ${e.loss.toFixed(5)}  train ${e.seconds.toFixed(2)}s`;
  if (e.metrics)
    s += '  ' + Object.entries(e.metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ') + `  eval ${(e.evalSeconds ?? 0).toFixed(2)}s`;
  return s;
}
