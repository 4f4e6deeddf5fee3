// Issue 8: how much of each dataset's test set the frequency baseline cannot tell apart. For each
// ratio R (rows C = floor(items / R)), the share of test pairs whose item is outside the C - 1 most
// interacted train items (ties to the lower id, as the frequency table), i.e. in its shared tail row.
// Run: node bench/cel-tail-share.mjs [amazon-phone gowalla ...]
import path from 'node:path';
import { datasetsDir, repoRoot } from './lib.mjs';

const { Dataset } = await import(path.join(repoRoot, 'dist', 'index.js'));
const names = process.argv.length > 2 ? process.argv.slice(2) : ['amazon-phone', 'gowalla'];
for (const name of names) {
  const dir = path.join(datasetsDir, name);
  const data = await Dataset.load({ train: path.join(dir, 'train.txt'), test: path.join(dir, 'test.txt') });
  const degree = new Int32Array(data.nItems);
  for (const i of data.train.items) degree[i]++;
  const byDegree = [...degree.keys()].sort((a, b) => degree[b] - degree[a] || a - b);
  const rank = new Int32Array(data.nItems);
  byDegree.forEach((item, r) => { rank[item] = r; });
  for (const ratio of [10, 100, 1000]) {
    const rows = Math.max(1, Math.floor(data.nItems / ratio));
    const tail = data.test.items.filter((i) => rank[i] >= rows - 1).length;
    console.log(`${name} ${ratio}x: ${rows} rows, test pairs on shared-tail items ${(tail / data.test.items.length).toFixed(3)}`);
  }
}
