// Seeded synthetic implicit feedback with planted structure, for the demo and for tests that
// need a learnable signal without research data. Users and items get latent factors; each
// user's items are drawn without replacement with probability proportional to
// popularity(i) * exp(affinity * <x_u, y_i> / sqrt(rank)), where popularity follows a power law
// and the number of items per user follows another (heavy-tailed activity).
#pragma once
#include <cstdint>

#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

struct SyntheticOptions {
  int32_t users = 2000;
  int32_t items = 1000;
  double meanActivity = 30;      // mean interactions per user (before capping at items)
  int32_t minActivity = 5;       // every user has at least this many interactions
  double activityExponent = 2.2; // Pareto tail of activity (smaller = heavier tail)
  double popularityExponent = 0.8;  // Zipf exponent of item popularity
  int32_t rank = 16;             // latent dimension of the planted factors
  double affinity = 4.0;         // weight of the latent match relative to popularity
  double testRatio = 0.2;        // share of each user's interactions held out as test
  uint64_t seed = 42;
  int threads = 0;
};

struct SyntheticData {
  Interactions train;
  Interactions test;
};

// Deterministic for a given seed, whatever the thread count.
SyntheticData generateSynthetic(const SyntheticOptions& opt, const JobControl& ctl = {});

}  // namespace rf
