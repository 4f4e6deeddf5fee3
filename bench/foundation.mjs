// Issue 2 benchmark: loading + graph build, and full evaluation of random d=64 embeddings, on
// gowalla, each next to the machine limit measured in the same run (memory bandwidth; a plain
// multithreaded sgemm of the same users x items x d shape).
//
//   node bench/foundation.mjs            (needs ../shared/datasets/gowalla; npm run compile first)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dataset, Evaluator, Tensor } from '../dist/index.js';
import { datasetsDir, machine, repoRoot, runNativeBench, runPython, timeMedian } from './lib.mjs';

const gowalla = path.join(datasetsDir, 'gowalla');
const train = path.join(gowalla, 'train.txt');
const test = path.join(gowalla, 'test.txt');
const threads = Number(process.env.RECFORGE_THREADS ?? 0) || undefined;
const report = { date: new Date().toISOString(), machine: machine() };
console.log(JSON.stringify(report.machine));

// 1. Loader: native kernel alone (includes the memory-bandwidth probe), then the public API.
const loadOut = runNativeBench('bench_load', [train]);
console.log(loadOut.trimEnd().replace(/^/gm, '  native | '));
const gbps = Number(/memory\s+([\d.]+) GB\/s/.exec(loadOut)?.[1]);
const load = await timeMedian(async () => {
  const d = await Dataset.load({ train });
  const g = await d.graph();
  const info = g.info();
  d.dispose();
  return info;
});
const bytes = 4633414;
console.log(`Dataset.load(train) + graph(): ${(load.seconds * 1000).toFixed(1)} ms median of 5 ` +
  `(${load.result.nUsers} users, ${load.result.nItems} items, ${load.result.nnz} edges; ` +
  `${(bytes / load.seconds / 1e6).toFixed(0)} MB/s of text vs memory bandwidth ${gbps} GB/s)`);
report.load = { seconds: load.seconds, runs: load.all, memoryGBps: gbps, fileBytes: bytes };

// 2. Evaluator through the public API vs a plain sgemm of the same shape (numpy/OpenBLAS).
const data = await Dataset.load({ train, test });
const d = 64;
let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.2;
const U = new Tensor(Float32Array.from({ length: data.nUsers * d }, rand), [data.nUsers, d]);
const V = new Tensor(Float32Array.from({ length: data.nItems * d }, rand), [data.nItems, d]);
const ev = new Evaluator(data, { k: 20, threads: threads ?? 0 });
const evalRun = await timeMedian(() => ev.evaluate(U, V), 5);
const gflop = (2 * data.nUsers * data.nItems * d) / 1e9;
console.log(`Evaluator.evaluate (random d=${d}, k=20, ${data.nUsers} x ${data.nItems}): ${evalRun.seconds.toFixed(3)} s median of 5 ` +
  `(${(gflop / evalRun.seconds).toFixed(1)} GFLOP/s effective)`);
const sgemmOut = runPython('bench/sgemm_probe.py', [data.nUsers, data.nItems, d, threads ?? machine().cores]);
let sgemm;
if (sgemmOut) {
  console.log(sgemmOut.trimEnd().replace(/^/gm, '  numpy  | '));
  sgemm = Number(/median of \d+ = ([\d.]+) s/.exec(sgemmOut)?.[1]);
  console.log(`evaluation / sgemm = ${(evalRun.seconds / sgemm).toFixed(2)} (target <= 2)`);
}
report.evaluate = { seconds: evalRun.seconds, runs: evalRun.all, sgemmSeconds: sgemm, ratio: sgemm ? evalRun.seconds / sgemm : undefined };
data.dispose();

const out = path.join(repoRoot, 'bench', 'results', 'foundation-latest.json');
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(`wrote ${path.relative(repoRoot, out)}`);
