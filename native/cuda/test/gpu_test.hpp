// Shared by the GPU test files: skip (never pass) when no usable device is present, and compare
// device results with the CPU core's.
#pragma once
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "../../core/test/harness.hpp"
#include "recforge/cuda/runtime.hpp"

namespace rftest {

inline void requireGpu() {
  static const rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (!info.usable) throw Skip{info.why};
}

// max |a - b| / max(1, max |b|): relative to the reference's scale.
inline double maxScaledDiff(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double scale = 1, worst = 0;
  for (float v : b) scale = std::max(scale, double(std::fabs(v)));
  for (size_t i = 0; i < a.size(); ++i) {
    double d = std::fabs(double(a[i]) - double(b[i]));
    if (!(d <= worst)) worst = d;  // NaN propagates as a failure
  }
  return worst / scale;
}

}  // namespace rftest

#define REQUIRE_GPU() ::rftest::requireGpu()
#define CHECK_CLOSE_VEC(a, b, tol)                                                          \
  do {                                                                                      \
    double d_ = ::rftest::maxScaledDiff((a), (b));                                          \
    if (!(d_ <= (tol))) {                                                                   \
      std::ostringstream os_;                                                               \
      os_ << "CHECK_CLOSE_VEC(" #a ", " #b ") failed: scaled diff " << d_ << " tol " << (tol); \
      ::rftest::failAt(__FILE__, __LINE__, os_.str());                                      \
    }                                                                                       \
  } while (0)
