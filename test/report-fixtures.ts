// Fake training histories and a reader of the report's charts, shared by the report tests.
import type { EpochEvent } from '../dist/index.js';

/** A fake run: evaluations every 3 epochs and at the last; with `levels`, MRL per-level keys (the last level equal to full width). */
export function fakeHistory(epochs: number, levels: number[] = []): EpochEvent[] {
  return Array.from({ length: epochs }, (_, j) => {
    const epoch = j + 1;
    const e: EpochEvent = { epoch, loss: 0.7 / epoch, seconds: 0.5 + 0.01 * epoch };
    if (epoch % 3 === 0 || epoch === epochs) {
      const metrics: Record<string, number> = { 'recall@20': 0.05 + 0.01 * epoch, 'ndcg@20': 0.03 + 0.005 * epoch };
      levels.forEach((d, l) => {
        const f = l === levels.length - 1 ? 1 : (l + 1) / (levels.length + 1);
        metrics[`recall@20/d${d}`] = metrics['recall@20'] * f;
        metrics[`ndcg@20/d${d}`] = metrics['ndcg@20'] * f;
      });
      Object.assign(e, { metrics, evalSeconds: 0.2 });
    }
    return e;
  });
}

/** Each <svg> of the page with its polylines (series name, number of points) and tick labels. */
export function charts(html: string) {
  return html.split('<svg').slice(1).map((svg) => ({
    title: /class="title"[^>]*>([^<]*)</.exec(svg)?.[1],
    lines: [...svg.matchAll(/<polyline class="series" data-series="([^"]*)" points="([^"]*)"/g)]
      .map((m) => ({ name: m[1], points: m[2].split(' ').filter((p) => /^[\d.]+,[\d.]+$/.test(p)).length })),
  }));
}

