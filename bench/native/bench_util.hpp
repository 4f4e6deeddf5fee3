// Helpers shared by the kernel benchmarks: wall-clock timing, medians, and reading a file of the
// LightGCN line format (`user item item ...`) with the core's own parser.
#pragma once
#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/parse.hpp"
#include "recforge/rng.hpp"

namespace bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median wall time of `runs` calls of fn().
template <class Fn>
double medianSeconds(int runs, Fn fn) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto a = Clock::now();
    fn();
    t.push_back(seconds(a, Clock::now()));
  }
  return median(t);
}

// Whole file as bytes; false when it cannot be opened.
inline bool readText(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

// A `user item item ...` file as interactions (counts = max id + 1); false when unreadable.
inline bool loadLines(const std::string& path, rf::Interactions& out) {
  std::string text;
  if (!readText(path, text)) return false;
  out = rf::parseLines(text).data;
  return true;
}

// A train/test split for evaluation benchmarks: the LightGCN-format files when readable, else a
// Gowalla-shaped synthetic split (~27 train and ~7 test items per user); counts aligned across
// both files, the train mask and test truth as CSRs, and seeded random N(0, 0.1^2) embeddings
// (speed does not depend on their quality).
struct EvalWorkload {
  bool real = false;
  rf::Interactions train, test;
  int32_t nUsers = 0, nItems = 0, dim = 0;
  rf::Csr trainCsr, testCsr;
  std::vector<float> U, V;
};

inline EvalWorkload loadEvalWorkload(const std::string& trainPath, const std::string& testPath, int32_t dim) {
  EvalWorkload w;
  w.real = loadLines(trainPath, w.train) && loadLines(testPath, w.test);
  if (!w.real) {
    w.train = rf::Interactions{}, w.test = rf::Interactions{};
    const int32_t nU = 29858, nI = 40981;
    rf::Rng rng(42, 0);
    for (int32_t u = 0; u < nU; ++u) {
      for (int t = 0; t < 27; ++t) w.train.users.push_back(u), w.train.items.push_back(static_cast<int32_t>(rng.below(nI)));
      for (int t = 0; t < 7; ++t) w.test.users.push_back(u), w.test.items.push_back(static_cast<int32_t>(rng.below(nI)));
    }
    w.train.nUsers = w.test.nUsers = nU;
    w.train.nItems = w.test.nItems = nI;
  }
  w.nUsers = std::max(w.train.nUsers, w.test.nUsers);
  w.nItems = std::max(w.train.nItems, w.test.nItems);
  w.dim = dim;
  w.trainCsr = rf::buildCsr(w.train.users.data(), w.train.items.data(), w.train.users.size(), w.nUsers, w.nItems);
  w.testCsr = rf::buildCsr(w.test.users.data(), w.test.items.data(), w.test.users.size(), w.nUsers, w.nItems);
  w.U.resize(static_cast<size_t>(w.nUsers) * dim);
  w.V.resize(static_cast<size_t>(w.nItems) * dim);
  rf::Rng rng(7, 0);
  for (auto& x : w.U) x = static_cast<float>(0.1 * rng.normal());
  for (auto& x : w.V) x = static_cast<float>(0.1 * rng.normal());
  return w;
}

}  // namespace bench
