// LightGCN propagation: dense forward against a naive double reference, row-set forward and
// sparse backward against the dense ones (bit for bit), thread-count independence.
#include <algorithm>
#include <cmath>
#include <vector>

#include "harness.hpp"
#include "lightgcn_fixtures.hpp"
#include "recforge/lightgcn_propagation.hpp"

using rftest::naivePropagate;
using rftest::randomGraph;
using rftest::randomTable;

TEST(propagation_forward_matches_naive_reference) {
  // dims: generic width (7), the fixed-register kernels (16, 64).
  for (int32_t d : {7, 16, 64})
    for (int32_t K : {0, 1, 2, 3}) {
      auto s = randomGraph(13, 17, 0.25, 100 + d + K, /*isolatedUser=*/4, /*isolatedItem=*/9);
      const int64_t rows = 30;
      auto e0 = randomTable(rows, d, 1.0, 7);
      rf::LightGcnPropagation prop(s.g, d, K, 2);
      std::vector<float> out(e0.size());
      prop.forward(e0.data(), out.data());
      auto ref = naivePropagate(rftest::denseAhat(s.g), rftest::toDouble(e0), rows, d, K);
      for (size_t q = 0; q < out.size(); ++q) CHECK_NEAR(out[q], ref[q], 1e-5 * (1 + std::fabs(ref[q])));
      // Isolated rows keep only their layer-0 share.
      for (int32_t j = 0; j < d; ++j) CHECK_NEAR(out[4 * d + j], e0[4 * d + j] / (K + 1.0), 1e-6);
    }
}

TEST(propagation_is_independent_of_thread_count) {
  auto s = randomGraph(60, 45, 0.1, 3);
  const int32_t d = 64, K = 3;
  auto e0 = randomTable(105, d, 0.1, 8);
  std::vector<float> a(e0.size()), b(e0.size());
  rf::LightGcnPropagation(s.g, d, K, 1).forward(e0.data(), a.data());
  rf::LightGcnPropagation(s.g, d, K, 3).forward(e0.data(), b.data());
  CHECK(rftest::sameBits(a.data(), b.data(), a.size()));
}

TEST(propagation_row_set_forward_equals_dense_rows) {
  auto s = randomGraph(80, 70, 0.03, 11);
  for (int32_t d : {16, 5})
    for (int32_t K : {0, 1, 2, 3}) {
      const int64_t rows = 150;
      auto e0 = randomTable(rows, d, 0.1, 9);
      rf::LightGcnPropagation prop(s.g, d, K, 2);
      std::vector<float> dense(e0.size());
      prop.forward(e0.data(), dense.data());
      std::vector<int32_t> set{0, 3, 17, 79, 80, 81, 100, 149};
      std::vector<float> part(set.size() * d);
      prop.forwardRows(e0.data(), set.data(), static_cast<int64_t>(set.size()), part.data());
      for (size_t q = 0; q < set.size(); ++q) CHECK(rftest::sameBits(&part[q * d], &dense[set[q] * d], d));
      // The hop neighbourhoods grow and never exceed the table.
      const auto& hops = prop.hopSizes();
      CHECK_EQ(hops[0], static_cast<int64_t>(set.size()));
      for (size_t k = 1; k < hops.size(); ++k) CHECK(hops[k] >= hops[k - 1] && hops[k] <= rows);
    }
}

TEST(propagation_row_set_rejects_unsorted_or_out_of_range) {
  auto s = randomGraph(5, 5, 0.5, 1);
  rf::LightGcnPropagation prop(s.g, 4, 2, 1);
  auto e0 = randomTable(10, 4, 1.0, 1);
  std::vector<float> out(8);
  std::vector<int32_t> bad{3, 1};
  CHECK_THROWS_CODE(prop.forwardRows(e0.data(), bad.data(), 2, out.data()), rf::code::kInvalidArgument);
  std::vector<int32_t> far{1, 10};
  CHECK_THROWS_CODE(prop.forwardRows(e0.data(), far.data(), 2, out.data()), rf::code::kInvalidArgument);
  CHECK_THROWS_CODE(rf::LightGcnPropagation(s.g, 0, 2, 1), rf::code::kInvalidArgument);
}

TEST(propagation_sparse_backward_equals_dense_backward) {
  auto s = randomGraph(70, 90, 0.02, 21, 5, 6);
  const int64_t rows = 160;
  for (int32_t d : {16, 3})
    for (int32_t K : {0, 1, 2, 3}) {
      rf::LightGcnPropagation prop(s.g, d, K, 3);
      auto e0 = randomTable(rows, d, 0.1, 2);
    for (int setKind = 0; setKind < 2; ++setKind) {
      // A few rows (masked hops), and many rows (most rows within a hop: zeroed, unmasked hops).
      std::vector<int32_t> set{1, 5, 40, 71, 70 + 6, 150};
      if (setKind == 1) {
        set.clear();
        for (int32_t r = 0; r < rows; r += 3) set.push_back(r);
      }
      std::vector<float> fin(set.size() * d);
      prop.forwardRows(e0.data(), set.data(), static_cast<int64_t>(set.size()), fin.data());
      auto gc = randomTable(static_cast<int64_t>(set.size()), d, 1.0, 3);
      // Dense reference input: G scattered into a full table.
      std::vector<float> gFull(rows * d, 0.0f), dense(rows * d);
      for (size_t q = 0; q < set.size(); ++q) std::copy(&gc[q * d], &gc[(q + 1) * d], &gFull[set[q] * d]);
      for (bool allRows : {false, true}) {
        std::vector<float> got(rows * d, 0.0f);
        std::vector<int> seen(rows, 0);
        prop.backwardRows(gc.data(), allRows, [&](const int32_t* r, int64_t n, float* g, int) {
          for (int64_t q = 0; q < n; ++q) {
            ++seen[r[q]];
            std::copy(g + q * d, g + (q + 1) * d, &got[r[q] * d]);
          }
        });
        rf::LightGcnPropagation ref(s.g, d, K, 1);
        ref.backward(gFull.data(), dense.data());
        for (int64_t r = 0; r < rows; ++r) {
          CHECK(seen[r] <= 1);
          if (allRows) CHECK_EQ(seen[r], 1);
          if (seen[r]) {
            CHECK(rftest::sameBits(&got[r * d], &dense[r * d], d));
          } else {
            for (int32_t j = 0; j < d; ++j) CHECK_EQ(dense[r * d + j], 0.0f);  // skipped rows are exactly zero
          }
        }
      }
    }
    }
}

