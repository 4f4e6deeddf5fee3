// spmm against a dense reference, with and without weights and row means.
#include <vector>

#include "harness.hpp"
#include "recforge/csr.hpp"
#include "recforge/rng.hpp"
#include "recforge/spmm.hpp"

TEST(spmm_matches_dense_reference) {
  rf::Rng rng(11, 0);
  const int32_t rows = 31, cols = 19;
  std::vector<int32_t> rs, cs;
  for (int32_t r = 0; r < rows; ++r)
    for (int32_t c = 0; c < cols; ++c)
      if (rng.uniform() < 0.25 && r != 7) rs.push_back(r), cs.push_back(c);  // row 7 stays empty
  rf::Csr a = rf::buildCsr(rs.data(), cs.data(), static_cast<int64_t>(rs.size()), rows, cols);
  std::vector<float> w(a.nnz());
  for (auto& x : w) x = static_cast<float>(rng.uniform() * 2 - 1);
  for (int32_t d : {1, 5, 16, 37}) {
    std::vector<float> X(static_cast<size_t>(cols) * d);
    for (auto& x : X) x = static_cast<float>(rng.normal());
    for (bool mean : {false, true})
      for (bool weighted : {false, true})
        for (int threads : {1, 3}) {
          std::vector<float> Y(static_cast<size_t>(rows) * d, -1.0f);
          rf::spmm(a, weighted ? w.data() : nullptr, X.data(), d, Y.data(), mean, threads);
          for (int32_t r = 0; r < rows; ++r) {
            for (int32_t c = 0; c < d; ++c) {
              double ref = 0;
              for (int64_t k = a.indptr[r]; k < a.indptr[r + 1]; ++k)
                ref += (weighted ? w[k] : 1.0) * X[static_cast<size_t>(a.indices[k]) * d + c];
              if (mean && a.degree(r) > 0) ref /= a.degree(r);
              CHECK_NEAR(Y[static_cast<size_t>(r) * d + c], ref, 1e-5);
            }
          }
        }
  }
}
