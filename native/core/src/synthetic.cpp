#include "recforge/synthetic.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {

void validate(const SyntheticOptions& o) {
  auto check = [](bool ok, const std::string& what) {
    if (!ok) fail(code::kInvalidArgument, what);
  };
  check(o.users >= 1, "users must be >= 1");
  check(o.items >= 2, "items must be >= 2");
  check(o.minActivity >= 1 && o.minActivity <= o.items, "minActivity must be in [1, items]");
  check(std::isfinite(o.meanActivity) && o.meanActivity >= o.minActivity, "meanActivity must be finite and >= minActivity");
  check(std::isfinite(o.activityExponent) && o.activityExponent > 1.0, "activityExponent must be > 1");
  check(std::isfinite(o.popularityExponent) && o.popularityExponent >= 0.0, "popularityExponent must be >= 0");
  check(o.rank >= 1 && o.rank <= 1024, "rank must be in [1, 1024]");
  check(std::isfinite(o.affinity) && o.affinity >= 0.0, "affinity must be finite and >= 0");
  check(std::isfinite(o.testRatio) && o.testRatio >= 0.0 && o.testRatio < 1.0, "testRatio must be in [0, 1)");
  // The dense score pass is users x items x rank; keep the demo generator from running for hours.
  check(static_cast<double>(o.users) * o.items <= 4e9, "users x items must be <= 4e9");
}

// Stream ids keep every random decision independent of thread scheduling.
enum Stream : uint64_t { kUserFactors = 1, kItemFactors, kPopularity, kActivity, kChoice, kSplit };

}  // namespace

SyntheticData generateSynthetic(const SyntheticOptions& o, const JobControl& ctl) {
  validate(o);
  const int32_t M = o.users, N = o.items, R = o.rank;
  std::vector<float> X(static_cast<size_t>(M) * R), Y(static_cast<size_t>(N) * R);
  {
    Rng ru(o.seed, kUserFactors), ri(o.seed, kItemFactors);
    for (auto& v : X) v = static_cast<float>(ru.normal());
    for (auto& v : Y) v = static_cast<float>(ri.normal());
  }
  // log-popularity: Zipf over a random permutation of items, so popular items are not id 0..k.
  std::vector<double> logPop(N);
  {
    std::vector<int32_t> perm(N);
    std::iota(perm.begin(), perm.end(), 0);
    Rng rp(o.seed, kPopularity);
    for (int32_t k = N - 1; k > 0; --k) std::swap(perm[k], perm[rp.below(k + 1)]);
    for (int32_t r = 0; r < N; ++r) logPop[perm[r]] = -o.popularityExponent * std::log(r + 1.0);
  }
  // Activity: Pareto with the requested mean, floored at minActivity, capped at items - 1 so
  // every user keeps at least one unseen item.
  std::vector<int32_t> activity(M);
  {
    Rng ra(o.seed, kActivity);
    const double a = o.activityExponent;
    const double scale = o.meanActivity * (a - 1.0) / a;  // Pareto mean = scale * a / (a - 1)
    for (auto& n : activity) {
      const double draw = scale / std::pow(1.0 - ra.uniform(), 1.0 / a);
      const double capped = std::min<double>(std::max<double>(draw, o.minActivity), N - 1);
      n = static_cast<int32_t>(std::llround(capped));
    }
  }
  std::vector<std::vector<int32_t>> chosen(M);
  const double inv = o.affinity / std::sqrt(static_cast<double>(R));
  const int threads = resolveThreads(o.threads, M);
  std::atomic<int64_t> done{0};
  parallelChunks(M, threads, [&](int64_t begin, int64_t end, int) {
    std::vector<std::pair<double, int32_t>> keys(N);
    for (int64_t u = begin; u < end; ++u) {
      if ((u & 63) == 0) ctl.checkCancelled();
      // Gumbel-top-k: the n largest of (log weight + Gumbel noise) are a weighted sample of n
      // distinct items without replacement.
      Rng rc(o.seed, hash3(kChoice, static_cast<uint64_t>(u), 0));
      const float* xu = &X[static_cast<size_t>(u) * R];
      for (int32_t i = 0; i < N; ++i) {
        const float* yi = &Y[static_cast<size_t>(i) * R];
        double dot = 0;
        for (int32_t r = 0; r < R; ++r) dot += static_cast<double>(xu[r]) * yi[r];
        double g = rc.uniform();
        if (g < 1e-300) g = 1e-300;
        keys[i] = {logPop[i] + inv * dot - std::log(-std::log(g)), i};
      }
      const int32_t n = activity[u];
      std::nth_element(keys.begin(), keys.begin() + n, keys.end(), [](auto& a, auto& b) { return a.first > b.first; });
      auto& out = chosen[u];
      out.resize(n);
      for (int32_t k = 0; k < n; ++k) out[k] = keys[k].second;
      std::sort(out.begin(), out.end());
      const int64_t d = done.fetch_add(1) + 1;
      if ((d & 255) == 0) ctl.report(0.95 * d / M);
    }
  });
  SyntheticData data;
  data.train.nUsers = data.test.nUsers = M;
  data.train.nItems = data.test.nItems = N;
  for (int32_t u = 0; u < M; ++u) {
    auto& items = chosen[u];
    Rng rs(o.seed, hash3(kSplit, static_cast<uint64_t>(u), 0));
    for (size_t k = items.size(); k > 1; --k) std::swap(items[k - 1], items[rs.below(k)]);
    // At least one train item per user; test gets round(ratio * n) when the user has >= 2.
    int32_t nTest = static_cast<int32_t>(std::llround(o.testRatio * items.size()));
    nTest = std::min<int32_t>(nTest, static_cast<int32_t>(items.size()) - 1);
    for (size_t k = 0; k < items.size(); ++k) {
      Interactions& dst = static_cast<int32_t>(k) < nTest ? data.test : data.train;
      dst.users.push_back(u);
      dst.items.push_back(items[k]);
    }
  }
  ctl.report(1.0);
  return data;
}

}  // namespace rf
