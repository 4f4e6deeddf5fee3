#include <algorithm>
#include <string>

#include "recforge/error.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

void mapMatryoshkaBatch(const int32_t* users, const int32_t* pos, const int32_t* negatives, int64_t n,
                        int32_t perTriple, int32_t nUsers, int32_t nItems, BprBatch& out) {
  if (perTriple < 1) fail(code::kInvalidArgument, "perTriple must be >= 1");
  const int64_t stride = 2 + perTriple;
  out.slots.clear();
  out.slots.reserve(stride * n);
  for (int64_t q = 0; q < n; ++q) {
    bool ok = users[q] >= 0 && users[q] < nUsers && pos[q] >= 0 && pos[q] < nItems;
    for (int32_t k = 0; k < perTriple; ++k) ok = ok && negatives[q * perTriple + k] >= 0 && negatives[q * perTriple + k] < nItems;
    if (!ok) fail(code::kOutOfRange, "triple " + std::to_string(q) + " has an id outside its range");
    out.slots.push_back(users[q]);
    out.slots.push_back(nUsers + pos[q]);
    for (int32_t k = 0; k < perTriple; ++k) out.slots.push_back(nUsers + negatives[q * perTriple + k]);
  }
  numberBatchRows(static_cast<int64_t>(nUsers) + nItems, out);
}

namespace {

// ||a||^2 with 8-lane float partial sums (one row is 64 terms: float is ample for an L2 term).
RF_HOT_CLONES double squaredNorm(const float* a, int32_t d) { return simd::dotPrefix(a, a, d); }

// The loss terms of one triple: term t is level t's BPR on prefix dims[t] against negative
// negOf(t). kDns has a single term (the last level, weight 1).
struct Terms {
  int32_t count;
  const int32_t* dims;
  std::vector<double> weights;
  bool perLevelNegative;  // kMns: term t uses negative t; otherwise every term uses negative 0
};

Terms termsOf(MatryoshkaMode mode, const MatryoshkaLevels& lv) {
  if (mode == MatryoshkaMode::kDns) return {1, &lv.dims.back(), {1.0}, false};
  return {static_cast<int32_t>(lv.dims.size()), lv.dims.data(), lv.weights, mode == MatryoshkaMode::kMns};
}

// g[j] += sign * (sum of c[t] over terms with dims[t] > j) * f[j]: the nested-prefix gradient of
// one vector shared by several terms, in one pass (coordinate block [d_{t-1}, d_t) carries the
// suffix sum of the coefficients from t on).
void addNested(float* g, const float* f, const float* c, const int32_t* dims, int32_t terms, float sign) {
  float suffix = 0;
  for (int32_t t = 0; t < terms; ++t) suffix += c[t];
  int32_t j = 0;
  for (int32_t t = 0; t < terms; ++t) {
    const float w = sign * suffix;
    for (; j < dims[t]; ++j) g[j] += w * f[j];
    suffix -= c[t];
  }
}

}  // namespace

MatryoshkaLoss matryoshkaLossGrad(int64_t n, const BprBatch& batch, const float* final, const float* ego, int32_t dim,
                                  const MatryoshkaLevels& unchecked, MatryoshkaMode mode, double lambda,
                                  double regDivisor, float* gradFinal, float* regCoef, int threads) {
  const MatryoshkaLevels lv = validateLevels(unchecked, dim);
  if (n <= 0) fail(code::kEmpty, "empty batch");
  if (!(regDivisor > 0)) fail(code::kInvalidArgument, "regDivisor must be > 0");
  const int32_t per = negativesPerTriple(mode, lv);
  const int64_t stride = 2 + per;
  if (static_cast<int64_t>(batch.slots.size()) != stride * n)
    fail(code::kShape, "batch was mapped from another triple list or mode");
  const Terms terms = termsOf(mode, lv);
  const int32_t T = terms.count;
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  const int32_t* slot = batch.slots.data();
  auto row = [&](int64_t q, int64_t role) { return final + static_cast<int64_t>(slot[q * stride + role]) * dim; };
  auto negOf = [&](int32_t t) { return terms.perLevelNegative ? 2 + t : 2; };

  // Squared norms of the touched ego rows, once per unique row in ascending (memory) order.
  std::vector<double> rowNorm(rows);
  parallelChunks(rows, resolveThreads(threads, rows / 1024 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; ++q) rowNorm[q] = squaredNorm(ego + static_cast<int64_t>(batch.rows[q]) * dim, dim);
  });

  // Pass 1, per triple: softplus per term, coefficient c_t = w_t sigmoid(x_t) / B, and L2 norms.
  std::vector<double> softplusTerm(n * T), normTerm(n);
  std::vector<float> coef(n * T);
  parallelChunks(n, resolveThreads(threads, n / 256 + 1), [&](int64_t b, int64_t e, int) {
    std::vector<float> sPos(T), sNeg(T);
    for (int64_t q = b; q < e; ++q) {
      const float* fu = row(q, 0);
      prefixDots(fu, row(q, 1), terms.dims, T, sPos.data());
      if (terms.perLevelNegative) {
        for (int32_t t = 0; t < T; ++t) {
          float s = 0;
          prefixDots(fu, row(q, negOf(t)), terms.dims + t, 1, &s);
          sNeg[t] = s;
        }
      } else {
        prefixDots(fu, row(q, 2), terms.dims, T, sNeg.data());
      }
      for (int32_t t = 0; t < T; ++t) {
        const double x = static_cast<double>(sNeg[t]) - sPos[t];
        softplusTerm[q * T + t] = softplus(x);
        coef[q * T + t] = static_cast<float>(terms.weights[t] * sigmoid(x) / static_cast<double>(n));
      }
      double norms = 0;
      for (int64_t r = 0; r < stride; ++r) norms += rowNorm[slot[q * stride + r]];
      normTerm[q] = norms;
    }
  });
  MatryoshkaLoss out;
  out.levelBpr.assign(T, 0.0);
  double norms = 0;
  for (int64_t q = 0; q < n; ++q) {
    for (int32_t t = 0; t < T; ++t) out.levelBpr[t] += softplusTerm[q * T + t];
    norms += normTerm[q];
  }
  for (int32_t t = 0; t < T; ++t) out.levelBpr[t] /= static_cast<double>(n), out.rank += terms.weights[t] * out.levelBpr[t];
  out.reg = lambda * norms / (2.0 * regDivisor);
  out.loss = out.rank + out.reg;

  // Pass 2: contributions grouped by row (counting sort keeps triple order inside a row), so every
  // gradient row is summed in a fixed order by one thread, as in bprLossGrad.
  std::vector<int64_t> start(rows + 1, 0);
  for (int64_t k = 0; k < stride * n; ++k) ++start[slot[k] + 1];
  for (int64_t r = 0; r < rows; ++r) start[r + 1] += start[r];
  std::vector<int64_t> contrib(stride * n), cursor(start.begin(), start.end() - 1);
  for (int64_t k = 0; k < stride * n; ++k) contrib[cursor[slot[k]]++] = k;  // k = stride * triple + role
  const float regScale = static_cast<float>(lambda / regDivisor);
  parallelChunks(rows, resolveThreads(threads, rows / 256 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      float* g = gradFinal + r * dim;
      std::fill(g, g + dim, 0.0f);
      for (int64_t c = start[r]; c < start[r + 1]; ++c) {
        const int64_t q = contrib[c] / stride;
        const int64_t role = contrib[c] % stride;
        const float* cq = coef.data() + q * T;
        const float* fu = row(q, 0);
        if (role == 0) {
          // d/dz_u of softplus(s_t(u,n_t) - s_t(u,p)) = c_t (z_{n_t} - z_p) on the first d_t coordinates.
          const float* fp = row(q, 1);
          for (int32_t t = 0; t < T; ++t) {
            const float* fn = row(q, negOf(t));
            for (int32_t j = 0; j < terms.dims[t]; ++j) g[j] += cq[t] * (fn[j] - fp[j]);
          }
        } else if (role == 1) {
          addNested(g, fu, cq, terms.dims, T, -1.0f);
        } else if (terms.perLevelNegative) {
          const int32_t t = static_cast<int32_t>(role - 2);
          addNested(g, fu, cq + t, terms.dims + t, 1, 1.0f);
        } else {
          addNested(g, fu, cq, terms.dims, T, 1.0f);
        }
      }
      regCoef[r] = regScale * static_cast<float>(start[r + 1] - start[r]);
    }
  });
  return out;
}

}  // namespace rf
