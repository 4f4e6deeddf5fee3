#include "recforge/bpr.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"

namespace rf {

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

void mapBprBatch(const BprTriple* t, int64_t n, int32_t users, int32_t items, BprBatch& out) {
  out.slots.clear();
  out.slots.reserve(3 * n);
  for (int64_t k = 0; k < n; ++k) {
    if (t[k].user < 0 || t[k].user >= users || t[k].pos < 0 || t[k].pos >= items || t[k].neg < 0 || t[k].neg >= items)
      fail(code::kOutOfRange, "triple " + std::to_string(k) + " has an id outside its range");
    out.slots.push_back(t[k].user);
    out.slots.push_back(users + t[k].pos);
    out.slots.push_back(users + t[k].neg);
  }
  numberBatchRows(static_cast<int64_t>(users) + items, out);
}

void numberBatchRows(int64_t total, BprBatch& out) {
  const int64_t n = static_cast<int64_t>(out.slots.size());
  if (total > 64 * n) {  // tiny batch, huge table: sort + binary search
    out.rows = out.slots;
    std::sort(out.rows.begin(), out.rows.end());
    out.rows.erase(std::unique(out.rows.begin(), out.rows.end()), out.rows.end());
    for (auto& s : out.slots) s = static_cast<int32_t>(std::lower_bound(out.rows.begin(), out.rows.end(), s) - out.rows.begin());
    return;
  }
  // Mark the rows in a row-indexed table, collect them in row order (sorted and unique by
  // construction), number them, look the slots up, and leave the table at -1 again.
  std::vector<int32_t>& at = out.positionOf;
  if (static_cast<int64_t>(at.size()) != total) at.assign(total, -1);
  int32_t* pos = at.data();
  for (int32_t r : out.slots) pos[r] = 0;
  out.rows.clear();
  for (int64_t r = 0; r < total; ++r)
    if (pos[r] == 0) out.rows.push_back(static_cast<int32_t>(r));
  for (size_t q = 0; q < out.rows.size(); ++q) pos[out.rows[q]] = static_cast<int32_t>(q);
  for (auto& s : out.slots) s = pos[s];
  for (int32_t r : out.rows) pos[r] = -1;
}

namespace {

float dot(const float* a, const float* b, int32_t d) {
  float s = 0;
  for (int32_t j = 0; j < d; ++j) s += a[j] * b[j];
  return s;
}

double squaredNorm(const float* a, int32_t d) {
  double s = 0;
  for (int32_t j = 0; j < d; ++j) s += static_cast<double>(a[j]) * a[j];
  return s;
}

}  // namespace

BprLoss bprLossGrad(const BprTriple* t, int64_t n, const BprBatch& batch, const float* final, const float* ego,
                    int32_t d, double lambda, double regDivisor, float* gradFinal, float* regCoef, int threads) {
  if (n <= 0) fail(code::kEmpty, "empty batch");
  if (static_cast<int64_t>(batch.slots.size()) != 3 * n) fail(code::kShape, "batch was mapped from another triple list");
  if (!(regDivisor > 0)) fail(code::kInvalidArgument, "regDivisor must be > 0");
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  const int32_t* slot = batch.slots.data();
  // Pass 1, per triple: loss terms and the BPR coefficient c = sigmoid(s_uj - s_ui) / B.
  std::vector<double> softplusTerm(n), normTerm(n);
  std::vector<float> coef(n);
  const int workers = resolveThreads(threads, n / 256 + 1);
  parallelChunks(n, workers, [&](int64_t b, int64_t e, int) {
    for (int64_t k = b; k < e; ++k) {
      const float* fu = final + static_cast<int64_t>(slot[3 * k]) * d;
      const float* fi = final + static_cast<int64_t>(slot[3 * k + 1]) * d;
      const float* fj = final + static_cast<int64_t>(slot[3 * k + 2]) * d;
      const double x = static_cast<double>(dot(fu, fj, d)) - dot(fu, fi, d);
      softplusTerm[k] = softplus(x);
      coef[k] = static_cast<float>(sigmoid(x) / static_cast<double>(n));
      normTerm[k] = squaredNorm(ego + static_cast<int64_t>(t[k].user) * d, d) +
                    squaredNorm(ego + static_cast<int64_t>(batch.rows[slot[3 * k + 1]]) * d, d) +
                    squaredNorm(ego + static_cast<int64_t>(batch.rows[slot[3 * k + 2]]) * d, d);
    }
  });
  BprLoss out;
  double norms = 0;
  for (int64_t k = 0; k < n; ++k) out.bpr += softplusTerm[k], norms += normTerm[k];
  out.bpr /= static_cast<double>(n);
  out.reg = lambda * norms / (2.0 * regDivisor);
  out.loss = out.bpr + out.reg;
  // Pass 2: contributions grouped by slot (counting sort keeps triple order inside a slot), so
  // each gradient row is a sum in a fixed order owned by one thread: no atomics, no races.
  std::vector<int64_t> start(rows + 1, 0);
  for (int64_t k = 0; k < 3 * n; ++k) ++start[slot[k] + 1];
  for (int64_t r = 0; r < rows; ++r) start[r + 1] += start[r];
  std::vector<int64_t> contrib(3 * n), cursor(start.begin(), start.end() - 1);
  for (int64_t k = 0; k < 3 * n; ++k) contrib[cursor[slot[k]]++] = k;  // k = 3 * triple + role
  const float regScale = static_cast<float>(lambda / regDivisor);
  parallelChunks(rows, resolveThreads(threads, rows / 256 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t r = b; r < e; ++r) {
      float* g = gradFinal + r * d;
      std::fill(g, g + d, 0.0f);
      for (int64_t c = start[r]; c < start[r + 1]; ++c) {
        const int64_t k = contrib[c] / 3;
        const int role = static_cast<int>(contrib[c] % 3);
        const float w = coef[k];
        const float* fu = final + static_cast<int64_t>(slot[3 * k]) * d;
        const float* fi = final + static_cast<int64_t>(slot[3 * k + 1]) * d;
        const float* fj = final + static_cast<int64_t>(slot[3 * k + 2]) * d;
        // d softplus(s_uj - s_ui): u gets c (f_j - f_i), i gets -c f_u, j gets c f_u.
        if (role == 0)
          for (int32_t j = 0; j < d; ++j) g[j] += w * (fj[j] - fi[j]);
        else if (role == 1)
          for (int32_t j = 0; j < d; ++j) g[j] -= w * fu[j];
        else
          for (int32_t j = 0; j < d; ++j) g[j] += w * fu[j];
      }
      regCoef[r] = regScale * static_cast<float>(start[r + 1] - start[r]);
    }
  });
  return out;
}

}  // namespace rf
