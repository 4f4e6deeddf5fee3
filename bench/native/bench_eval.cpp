// Full-ranking evaluation throughput at the Gowalla shape (29,858 users x 40,981 items, d = 64).
// Usage: bench_eval [train.txt test.txt] [runs]
// With the LightGCN-format files (`user item item ...` per line; default
// /work/shared/datasets/gowalla) the real train mask and test truth are used, else a synthetic
// split of the same shape. Embeddings are random (speed does not depend on their quality).
// Prints the median of `runs` evaluations and the effective GFLOP/s of its 2*M*N*d score work,
// the figure to put next to bench/sgemm_probe.py's plain sgemm of the same shape.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_util.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

using bench::medianSeconds;

int main(int argc, char** argv) {
  const std::string trainPath = argc > 2 ? argv[1] : "/work/shared/datasets/gowalla/train.txt";
  const std::string testPath = argc > 2 ? argv[2] : "/work/shared/datasets/gowalla/test.txt";
  const int runs = argc > 3 ? std::atoi(argv[3]) : (argc == 2 ? std::atoi(argv[1]) : 5);
  const int32_t dim = 64;

  bench::EvalWorkload w = bench::loadEvalWorkload(trainPath, testPath, dim);
  const bool real = w.real;
  const rf::Interactions &train = w.train, &test = w.test;
  const int32_t nUsers = w.nUsers, nItems = w.nItems;
  const rf::Csr &trainCsr = w.trainCsr, &testCsr = w.testCsr;
  const std::vector<float> &U = w.U, &V = w.V;

  const rf::EvalSpec spec{&testCsr, &trainCsr, nullptr, {20}, 0};
  rf::EvalResult res;
  const double evalS = medianSeconds(runs, [&] { res = rf::evaluateEmbeddings({U.data(), nUsers, dim}, {V.data(), nItems, dim}, spec); });
  const double popS = medianSeconds(runs, [&] { rf::evaluatePopularity(trainCsr, spec); });
  const double flops = 2.0 * static_cast<double>(res.users.size()) * nItems * dim;

  std::printf("data: %s (%d users, %d items, %zu train, %zu test pairs, %zu evaluated users), d=%d, threads=%d\n",
              real ? trainPath.c_str() : "synthetic", nUsers, nItems, train.users.size(), test.users.size(),
              res.users.size(), dim, rf::resolveThreads(0, 1 << 30));
  std::printf("evaluate (k=20, median of %d): %.3f s   effective %.1f GFLOP/s   recall@20=%.5f ndcg@20=%.5f\n", runs,
              evalS, flops / evalS * 1e-9, res.meanOf(rf::Metric::Recall, 0), res.meanOf(rf::Metric::Ndcg, 0));
  std::printf("popularity baseline (same masking/top-K path, no dot products): %.3f s\n", popS);
  std::printf("sgemm peer: /usr/bin/python3 bench/sgemm_probe.py %d %d %d  -> compare its median seconds\n",
              static_cast<int>(res.users.size()), nItems, dim);
  return 0;
}
