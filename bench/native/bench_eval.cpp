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
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "recforge/evaluate.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace {

struct Pairs {
  std::vector<int32_t> users, items;
  int32_t maxUser = -1, maxItem = -1;
};

bool readLists(const std::string& path, Pairs& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ss(line);
    long long u, i;
    if (!(ss >> u)) continue;
    while (ss >> i) {
      out.users.push_back(static_cast<int32_t>(u));
      out.items.push_back(static_cast<int32_t>(i));
      out.maxItem = std::max<int32_t>(out.maxItem, static_cast<int32_t>(i));
    }
    out.maxUser = std::max<int32_t>(out.maxUser, static_cast<int32_t>(u));
  }
  return true;
}

// Gowalla-like synthetic split: ~27 train and ~7 test items per user.
void synthetic(int32_t nUsers, int32_t nItems, Pairs& train, Pairs& test) {
  rf::Rng rng(42, 0);
  for (int32_t u = 0; u < nUsers; ++u) {
    for (int t = 0; t < 27; ++t) train.users.push_back(u), train.items.push_back(static_cast<int32_t>(rng.below(nItems)));
    for (int t = 0; t < 7; ++t) test.users.push_back(u), test.items.push_back(static_cast<int32_t>(rng.below(nItems)));
  }
  train.maxUser = test.maxUser = nUsers - 1;
  train.maxItem = test.maxItem = nItems - 1;
}

template <class Fn>
double medianSeconds(int runs, Fn fn) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto a = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string trainPath = argc > 2 ? argv[1] : "/work/shared/datasets/gowalla/train.txt";
  const std::string testPath = argc > 2 ? argv[2] : "/work/shared/datasets/gowalla/test.txt";
  const int runs = argc > 3 ? std::atoi(argv[3]) : (argc == 2 ? std::atoi(argv[1]) : 5);
  const int32_t dim = 64;

  Pairs train, test;
  const bool real = readLists(trainPath, train) && readLists(testPath, test);
  if (!real) {
    train = Pairs{}, test = Pairs{};
    synthetic(29858, 40981, train, test);
  }
  const int32_t nUsers = std::max(train.maxUser, test.maxUser) + 1;
  const int32_t nItems = std::max(train.maxItem, test.maxItem) + 1;
  const rf::Csr trainCsr = rf::buildCsr(train.users.data(), train.items.data(), train.users.size(), nUsers, nItems);
  const rf::Csr testCsr = rf::buildCsr(test.users.data(), test.items.data(), test.users.size(), nUsers, nItems);

  std::vector<float> U(static_cast<size_t>(nUsers) * dim), V(static_cast<size_t>(nItems) * dim);
  rf::Rng rng(7, 0);
  for (auto& x : U) x = static_cast<float>(0.1 * rng.normal());
  for (auto& x : V) x = static_cast<float>(0.1 * rng.normal());

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
