// Train/test (and validation) splits. Every split is a pure function of (data, options): random
// choices come from rf::Rng streams keyed by (seed, user), so the result is the same for any
// thread count. All parts keep the input's nUsers/nItems, edge order and weight/timestamp columns.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "recforge/interactions.hpp"
#include "recforge/job.hpp"

namespace rf {

enum class SplitMethod {
  RandomRatio,     // per user: a random `ratio` of the user's edges is held out
  LeaveKOut,       // per user: k edges held out (random, or the k latest)
  ChronoRatio,     // per user: the latest `ratio` of the user's edges (needs timestamps)
  GlobalTemporal,  // everything at or after a cut time is held out (needs timestamps)
};

// Which edges LeaveKOut holds out. Auto: Latest when timestamps exist, else Random.
enum class PickOrder { Auto, Random, Latest };

struct SplitOptions {
  SplitMethod method = SplitMethod::RandomRatio;
  double ratio = 0.2;  // held-out fraction in [0, 1): per user, or overall for GlobalTemporal
  int32_t k = 1;       // LeaveKOut
  PickOrder pick = PickOrder::Auto;
  // GlobalTemporal: edges with timestamp >= cutTime are held out. NaN: the cut is the
  // (1 - ratio) quantile of all timestamps; ties at the cut all go to the held-out side.
  double cutTime = std::numeric_limits<double>::quiet_NaN();
  uint64_t seed = 0;
  int threads = 0;  // 0: all cores; never changes the result
};

// Edges a per-user split holds out of a user's n: ceil(n * ratio), but always leaving at least
// one edge in train (so a user with a single interaction stays wholly in train). The small
// tolerance keeps 10 * 0.3 from rounding up to 4.
inline int64_t heldOutCount(int64_t n, double ratio) {
  if (n < 2) return 0;
  const auto m = static_cast<int64_t>(std::ceil(static_cast<double>(n) * ratio - 1e-9));
  return m < 0 ? 0 : (m > n - 1 ? n - 1 : m);
}

struct SplitResult {
  Interactions train;
  Interactions test;  // the held-out part
  double cutTime = std::numeric_limits<double>::quiet_NaN();  // GlobalTemporal: the cut used
};

// Per-user guarantees (RandomRatio, LeaveKOut, ChronoRatio): a user with n >= 2 edges keeps at
// least one in train; LeaveKOut holds out min(k, n - 1). Time order ties break by input position
// (later position = later). GlobalTemporal makes no per-user promise.
// Errors: E_INVALID_ARG (bad ratio/k, time-based method without timestamps), E_EMPTY (no edges),
// plus the checks of checkInteractions.
SplitResult split(const Interactions& x, const SplitOptions& opts, const JobControl& ctl = {});

struct ThreeWaySplit {
  Interactions train, validation, test;
  double cutTime = std::numeric_limits<double>::quiet_NaN();
};

// `test` splits x into train/test, then `validation` carves a validation part out of that train
// set. The validation draws use their own Rng streams, so one seed may serve both.
ThreeWaySplit splitWithValidation(const Interactions& x, const SplitOptions& test, const SplitOptions& validation,
                                  const JobControl& ctl = {});

}  // namespace rf
