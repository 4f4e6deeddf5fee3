#include "recforge/split.hpp"

#include <vector>

#include "recforge/edge_ops.hpp"
#include "recforge/error.hpp"
#include "split_internal.hpp"

namespace rf {

namespace {

void checkOptions(const Interactions& x, const SplitOptions& o, const char* what) {
  const std::string w = what;
  const bool usesRatio = o.method == SplitMethod::RandomRatio || o.method == SplitMethod::ChronoRatio ||
                         (o.method == SplitMethod::GlobalTemporal && std::isnan(o.cutTime));
  if (usesRatio && !(o.ratio >= 0 && o.ratio < 1))
    fail(code::kInvalidArgument, w + ": ratio must be in [0, 1), got " + std::to_string(o.ratio));
  if (o.method == SplitMethod::LeaveKOut && o.k < 1)
    fail(code::kInvalidArgument, w + ": k must be >= 1, got " + std::to_string(o.k));
  const bool needsTime = o.method == SplitMethod::ChronoRatio || o.method == SplitMethod::GlobalTemporal ||
                         (o.method == SplitMethod::LeaveKOut && o.pick == PickOrder::Latest);
  if (needsTime && !x.hasTimestamps()) fail(code::kInvalidArgument, w + ": this split needs timestamps, the data has none");
}

// One two-way split; `salt` keeps the validation split's random streams apart from the test's.
SplitResult splitSalted(const Interactions& x, const SplitOptions& o, uint64_t salt, const char* what, const JobControl& ctl) {
  checkInteractions(x, what);
  checkOptions(x, o, what);
  if (x.size() == 0) fail(code::kEmpty, std::string(what) + ": no interactions to split");
  std::vector<uint8_t> part(x.size(), 0);
  SplitResult r;
  if (o.method == SplitMethod::GlobalTemporal)
    r.cutTime = detail::markGlobalTemporal(x, o, part);
  else
    detail::markPerUser(x, o, salt, part, ctl);
  ctl.checkCancelled();
  r.train = selectEdges(x, part, 0);
  r.test = selectEdges(x, part, 1);
  return r;
}

}  // namespace

SplitResult split(const Interactions& x, const SplitOptions& o, const JobControl& ctl) {
  SplitResult r = splitSalted(x, o, 0, "split", ctl);
  ctl.report(1.0);
  return r;
}

ThreeWaySplit splitWithValidation(const Interactions& x, const SplitOptions& test, const SplitOptions& validation,
                                  const JobControl& ctl) {
  SplitResult first = splitSalted(x, test, 0, "test split", ctl);
  SplitResult second = splitSalted(first.train, validation, 1, "validation split", ctl);
  ctl.report(1.0);
  return {std::move(second.train), std::move(second.test), std::move(first.test), first.cutTime};
}

}  // namespace rf
