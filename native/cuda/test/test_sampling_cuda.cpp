// Frequency^alpha negatives on the GPU: device draws equal their plain C++ twins bit for bit, the
// draws follow the sampler's distribution (chi-square), and SGNS target rows avoid the excluded
// items exactly as the host twin does.
#include <cmath>
#include <vector>

#include "chi_square.hpp"
#include "gpu_test.hpp"
#include "recforge/cuda/counter_rng.hpp"
#include "recforge/cuda/sampling.hpp"
#include "recforge/rng.hpp"

namespace {

// Counts with zeros (never drawn), a heavy head and a long tail.
std::vector<int64_t> skewedCounts(int32_t items) {
  std::vector<int64_t> c(items);
  rf::Rng rng(61, 1);
  for (int32_t i = 0; i < items; ++i) c[i] = i % 11 == 3 ? 0 : int64_t(1 + 5000 / (1 + i) + rng.below(5));
  return c;
}

void checkDistribution(const rf::FrequencyNegatives& f, const std::vector<int32_t>& draws) {
  std::vector<int64_t> hist(f.items(), 0);
  for (int32_t j : draws) {
    CHECK(j >= 0 && j < f.items());
    ++hist[j];
  }
  std::vector<double> prob(f.items());
  for (int32_t i = 0; i < f.items(); ++i) prob[i] = f.probability(i);
  const double x = rftest::chiSquare(hist, prob, int64_t(draws.size()));
  size_t cells = 0;
  for (double p : prob) cells += p > 0;
  if (!(x <= rftest::chiBound(cells)))
    rftest::failAt(__FILE__, __LINE__, "chi-square " + std::to_string(x) + " over bound " + std::to_string(rftest::chiBound(cells)));
}

}  // namespace

TEST(cuda_counter_hash_is_the_core_hash) {
  rf::Rng rng(62, 2);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t s = rng.next(), a = rng.next(), b = rng.next();
    CHECK_EQ(rf::cuda::counterMix64(s), rf::mix64(s));
    CHECK_EQ(rf::cuda::counterHash(s, a, b), rf::hash3(s, a, b));
  }
  CHECK_EQ(rf::cuda::mulHigh64(~uint64_t{0}, ~uint64_t{0}), ~uint64_t{0} - 1);
  CHECK_EQ(rf::cuda::mulHigh64(uint64_t{1} << 63, 6), uint64_t{3});
}

TEST(cuda_counter_frequency_draws_follow_the_distribution_on_the_host) {
  for (double alpha : {0.75, -0.5, 0.0}) {
    rf::FrequencyNegatives f(skewedCounts(120), alpha);
    std::vector<int32_t> draws(400000);
    for (size_t i = 0; i < draws.size(); ++i) draws[i] = rf::cuda::counterFrequencyDraw(f, 5, 6, 1000 + i);
    checkDistribution(f, draws);
  }
}

TEST(cuda_frequency_draws_equal_the_host_twin_and_follow_the_distribution) {
  REQUIRE_GPU();
  for (double alpha : {0.75, -1.0}) {
    rf::FrequencyNegatives f(skewedCounts(300), alpha);
    const uint64_t seed = 77, stream = 3, first = (uint64_t{1} << 40) + 17;  // a large counter too
    const auto got = rf::cuda::drawFrequencyNegatives(f, seed, stream, first, 1 << 20);
    int64_t mismatches = 0;
    for (size_t i = 0; i < got.size(); ++i)
      mismatches += got[i] != rf::cuda::counterFrequencyDraw(f, seed, stream, first + i);
    CHECK_EQ(mismatches, int64_t{0});
    checkDistribution(f, got);
  }
}

TEST(cuda_sgns_targets_equal_the_host_twin) {
  REQUIRE_GPU();
  rf::FrequencyNegatives f(skewedCounts(50), 0.75);
  std::vector<int32_t> positives, exclude;
  rf::Rng rng(63, 3);
  for (int i = 0; i < 3000; ++i) positives.push_back(int32_t(rng.below(50))), exclude.push_back(int32_t(rng.below(50)));
  const int32_t K = 5;
  for (bool withExclude : {false, true}) {
    const std::vector<int32_t> ex = withExclude ? exclude : std::vector<int32_t>{};
    const auto got = rf::cuda::fillSgnsTargets(f, positives, ex, K, 8, 9, 1234);
    CHECK_EQ(got.size(), positives.size() * (K + 1));
    for (size_t e = 0; e < positives.size(); ++e) {
      const int32_t other = withExclude ? exclude[e] : positives[e];
      CHECK_EQ(got[e * (K + 1)], positives[e]);
      for (int32_t k = 0; k < K; ++k) {
        const int32_t j = got[e * (K + 1) + 1 + k];
        CHECK_EQ(j, rf::cuda::counterFrequencyDrawExcept(f, 8, 9, 1234 + e, uint32_t(k), uint32_t(K), positives[e], other));
        CHECK(j != positives[e] && j != other);
      }
    }
  }
  // Nearly all the mass on the excluded item: every redraw hits it and the slot is -1.
  rf::FrequencyNegatives heavy({100000000, 1, 1}, 1.0);
  const auto got = rf::cuda::fillSgnsTargets(heavy, {0, 0}, {}, 3, 1, 2, 0);
  int skipped = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (i % 4 == 0) continue;
    skipped += got[i] == -1;
    CHECK_EQ(got[i], rf::cuda::counterFrequencyDrawExcept(heavy, 1, 2, i / 4, uint32_t(i % 4 - 1), 3, 0, 0));
  }
  CHECK(skipped >= 5);
}
