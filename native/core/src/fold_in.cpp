// Fold-in of a new user (see fold_in.hpp for the derivation and the approximation).
#include "recforge/fold_in.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "recforge/error.hpp"
#include "recforge/matryoshka.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {

enum Stream : uint64_t { kNegativePool = 0xF01D, kInit = 0xF01E };

void check(const FoldInModel& m, const int32_t* items, int64_t n, const FoldInSpec& spec) {
  if (m.items.cols < 1) fail(code::kShape, "fold-in: item embeddings must have at least one column");
  if (m.layers < 0) fail(code::kInvalidArgument, "fold-in: layers must be >= 0");
  if (m.layers > 0 && (m.itemLayerSum.rows != m.items.rows || m.itemLayerSum.cols != m.items.cols || !m.itemUsers ||
                       m.itemUsers->rows != m.items.rows))
    fail(code::kShape, "fold-in: the item layer sums or the item degrees do not match the item table");
  if (n < 1) fail(code::kInvalidArgument, "items must name at least one item");
  for (int64_t q = 0; q < n; ++q) {
    if (items[q] < 0 || items[q] >= m.items.rows)
      fail(code::kOutOfRange, "items[" + std::to_string(q) + "] = " + std::to_string(items[q]) + " is outside [0, " +
                                  std::to_string(m.items.rows) + ")");
    if (q > 0 && items[q] <= items[q - 1]) fail(code::kInvalidArgument, "fold-in items must be ascending without duplicates");
  }
  if (spec.steps < 0) fail(code::kInvalidArgument, "steps must be >= 0");
  if (m.userLastIsOne && m.items.cols < 2) fail(code::kShape, "fold-in: a user row held at 1 needs dim >= 2");
  if (const FoldInClusters* k = m.userClusters) {
    if (k->rows.cols != m.items.cols || k->rows.rows < 1) fail(code::kShape, "fold-in: the user cluster table does not match the item table");
    if (k->candidates.empty()) fail(code::kInvalidArgument, "fold-in: no cluster to join");
    for (size_t q = 0; q < k->candidates.size(); ++q) {
      if (k->candidates[q] < 0 || k->candidates[q] >= k->rows.rows)
        fail(code::kOutOfRange, "fold-in: cluster " + std::to_string(k->candidates[q]) + " is outside [0, " +
                                    std::to_string(k->rows.rows) + ")");
      if (q > 0 && k->candidates[q] <= k->candidates[q - 1])
        fail(code::kInvalidArgument, "fold-in: cluster candidates must be ascending without duplicates");
    }
    if (spec.objective == FoldInObjective::kSgns) fail(code::kInvalidArgument, "fold-in: shared user rows need the BPR objective");
  }
  if (spec.steps == 0 && m.layers == 0 && !m.userClusters)
    fail(code::kInvalidArgument, "steps must be >= 1 for a model without propagation layers (MF): its user row is fitted");
  if (spec.negatives < 1) fail(code::kInvalidArgument, "negatives must be >= 1");
  if (!std::isfinite(spec.reg) || spec.reg < 0) fail(code::kInvalidArgument, "reg must be finite and >= 0");
  if (spec.objective == FoldInObjective::kSgns) {
    if (m.layers != 0) fail(code::kInvalidArgument, "fold-in: the SGNS objective needs a model without propagation layers");
    if (spec.levels.size() > 1) fail(code::kInvalidArgument, "fold-in: the SGNS objective takes one level");
    if (!(std::isfinite(spec.negativeMass) && spec.negativeMass > 0))
      fail(code::kInvalidArgument, "negativeMass must be finite and > 0");
    if (!(std::isfinite(spec.initRange) && spec.initRange >= 0)) fail(code::kInvalidArgument, "initRange must be finite and >= 0");
    if (spec.negativeWeights)
      for (int32_t j = 0; j < m.items.rows; ++j)
        if (!(std::isfinite(spec.negativeWeights[j]) && spec.negativeWeights[j] >= 0))
          fail(code::kInvalidArgument, "negative weights must be finite and >= 0");
  }
}

// `size` items not in `items` (sorted), uniformly without replacement; every one of them when
// there are no more than `size`.
std::vector<int32_t> negativePool(int32_t nItems, const int32_t* items, int64_t n, int32_t size, uint64_t seed) {
  std::vector<int32_t> pool;
  if (nItems - n <= size) {
    for (int32_t j = 0, p = 0; j < nItems; ++j) {
      if (p < n && items[p] == j) ++p;
      else pool.push_back(j);
    }
    return pool;
  }
  std::vector<uint8_t> taken(nItems, 0);
  for (int64_t q = 0; q < n; ++q) taken[items[q]] = 1;
  Rng rng(seed, kNegativePool);
  pool.reserve(size);
  while (static_cast<int32_t>(pool.size()) < size) {
    const auto j = static_cast<int32_t>(rng.below(static_cast<uint64_t>(nItems)));
    if (!taken[j]) taken[j] = 1, pool.push_back(j);
  }
  return pool;
}

// L(e) of fold_in.hpp over the candidate rows (positives, then the pool), gathered once.
class Objective {
 public:
  // The reg term is reg/2 |e - anchor|^2; coordinates >= fitDims get a zero gradient (held).
  Objective(const MatrixView& items, const int32_t* pos, int64_t nPos, const std::vector<int32_t>& pool,
            const MatryoshkaLevels& levels, const std::vector<float>& offset, float scale, double reg,
            const FoldInSpec& spec, int32_t fitDims)
      : dim_(items.cols), nPos_(nPos), nNeg_(static_cast<int64_t>(pool.size())), levels_(levels), offset_(offset),
        scale_(scale), reg_(reg), sgns_(spec.objective == FoldInObjective::kSgns), fitDims_(fitDims),
        anchor_(items.cols, 0.0f) {
    if (sgns_) {
      // Per-negative weight K w_j / sum w (uniform without weights); the positives weigh 1 / nPos.
      negWeight_.assign(nNeg_, 1.0);
      if (spec.negativeWeights)
        for (int64_t q = 0; q < nNeg_; ++q) negWeight_[q] = spec.negativeWeights[pool[q]];
      double sum = 0;
      for (double w : negWeight_) sum += w;
      for (double& w : negWeight_) w = sum > 0 ? spec.negativeMass * w / sum : 0.0;
    }
    rows_.resize(static_cast<size_t>(nPos_ + nNeg_) * dim_);
    auto gather = [&](int64_t slot, int32_t item) {
      std::copy(items.data + static_cast<int64_t>(item) * dim_, items.data + static_cast<int64_t>(item + 1) * dim_,
                rows_.begin() + slot * dim_);
    };
    for (int64_t q = 0; q < nPos_; ++q) gather(q, pos[q]);
    for (int64_t q = 0; q < nNeg_; ++q) gather(nPos_ + q, pool[q]);
    scores_.resize(static_cast<size_t>(nPos_ + nNeg_) * levels_.dims.size());
    f_.resize(dim_);
    gf_.resize(dim_);
    a_.resize(nNeg_);
    b_.resize(nPos_);
  }

  // A step size no larger than 1 / (Lipschitz constant of dL/de): the Hessian of a softplus of a
  // score difference is at most 1/4 (v_j - v_i)(v_j - v_i)^T, times scale^2 through f.
  double safeStep() const {
    double sq = 0;
    for (float x : rows_) sq += static_cast<double>(x) * x;
    const double meanSq = sq / static_cast<double>(nPos_ + nNeg_);
    double wsum = 0;
    for (double w : levels_.weights) wsum += w;
    const double bound = 0.25 * scale_ * scale_ * (sgns_ ? 1 + negativeMassSum() : 4.0) * meanSq * wsum + reg_;
    return bound > 0 ? 1.0 / bound : 1.0;
  }

  void setAnchor(const float* a) { std::copy(a, a + dim_, anchor_.begin()); }

  // The BPR data part of L at e (no reg term), the same sums in the same order as eval.
  double dataLoss(const float* e) {
    const int32_t nl = scoresAt(e);
    double loss = 0;
    for (int32_t l = 0; l < nl; ++l) {
      const double w = levels_.weights[l] / (static_cast<double>(nPos_) * nNeg_);
      double sum = 0;
      for (int64_t i = 0; i < nPos_; ++i) {
        const double xi = scores_[i * nl + l];
        for (int64_t j = 0; j < nNeg_; ++j) {
          const double z = scores_[(nPos_ + j) * nl + l] - xi;
          sum += std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
        }
      }
      loss += w * sum;
    }
    return loss;
  }

  // A lower bound of dataLoss(e) by Jensen: per level, mean softplus(z_ij) >= softplus(mean z_ij)
  // = softplus(mean_j x_j - mean_i x_i).
  double dataLossBound(const float* e) {
    const int32_t nl = scoresAt(e);
    double bound = 0;
    for (int32_t l = 0; l < nl; ++l) {
      double sp = 0, sn = 0;
      for (int64_t i = 0; i < nPos_; ++i) sp += scores_[i * nl + l];
      for (int64_t j = 0; j < nNeg_; ++j) sn += scores_[(nPos_ + j) * nl + l];
      bound += levels_.weights[l] * softplus(sn / static_cast<double>(nNeg_) - sp / static_cast<double>(nPos_));
    }
    return bound;
  }

  // L(e); dL/de into grad.
  double eval(const float* e, float* grad) {
    const int32_t nl = scoresAt(e);
    std::fill(gf_.begin(), gf_.end(), 0.0);
    double loss = sgns_ ? sgnsTerms(nl) : 0.0;
    for (int32_t l = 0; l < nl && !sgns_; ++l) {
      const double w = levels_.weights[l] / (static_cast<double>(nPos_) * nNeg_);
      std::fill(a_.begin(), a_.end(), 0.0);
      std::fill(b_.begin(), b_.end(), 0.0);
      double sum = 0;
      for (int64_t i = 0; i < nPos_; ++i) {
        const double xi = scores_[i * nl + l];
        for (int64_t j = 0; j < nNeg_; ++j) {
          const double z = scores_[(nPos_ + j) * nl + l] - xi;
          const double t = std::exp(-std::fabs(z));
          sum += std::max(z, 0.0) + std::log1p(t);
          const double sig = z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);  // sigma(z) = d softplus / dz
          a_[j] += sig;
          b_[i] += sig;
        }
      }
      loss += w * sum;
      const int32_t d = levels_.dims[l];
      for (int64_t j = 0; j < nNeg_; ++j) {
        const float* v = rows_.data() + (nPos_ + j) * dim_;
        for (int32_t c = 0; c < d; ++c) gf_[c] += w * a_[j] * v[c];
      }
      for (int64_t i = 0; i < nPos_; ++i) {
        const float* v = rows_.data() + i * dim_;
        for (int32_t c = 0; c < d; ++c) gf_[c] -= w * b_[i] * v[c];
      }
    }
    double sq = 0;
    for (int32_t c = 0; c < dim_; ++c) {
      const float x = e[c] - anchor_[c];  // exactly e[c] with the zero anchor
      sq += static_cast<double>(x) * x;
      grad[c] = c < fitDims_ ? static_cast<float>(scale_ * gf_[c] + reg_ * x) : 0.0f;
    }
    return loss + 0.5 * reg_ * sq;
  }

 private:
  // f = scale (e + offset) and the scores of every row at every level; returns the level count.
  int32_t scoresAt(const float* e) {
    const int32_t nl = static_cast<int32_t>(levels_.dims.size());
    for (int32_t c = 0; c < dim_; ++c) f_[c] = scale_ * (e[c] + offset_[c]);
    const int64_t rows = nPos_ + nNeg_;
    for (int64_t r = 0; r < rows; ++r) prefixDots(f_.data(), rows_.data() + r * dim_, levels_.dims.data(), nl, scores_.data() + r * nl);
    return nl;
  }

  static double softplus(double z) { return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z))); }
  static double sigmoid(double z) {
    const double t = std::exp(-std::fabs(z));
    return z >= 0 ? 1.0 / (1.0 + t) : t / (1.0 + t);
  }
  double negativeMassSum() const {
    double s = 0;
    for (double w : negWeight_) s += w;
    return s;
  }
  // SGNS: sum over levels of w_l (mean_i softplus(-x_i) + sum_j c_j softplus(x_j)), its gradient
  // with respect to f added to gf_.
  double sgnsTerms(int32_t nl) {
    double loss = 0;
    for (int32_t l = 0; l < nl; ++l) {
      const double wl = levels_.weights[l];
      const int32_t d = levels_.dims[l];
      for (int64_t r = 0; r < nPos_ + nNeg_; ++r) {
        const double x = scores_[r * nl + l];
        const bool pos = r < nPos_;
        const double c = wl * (pos ? 1.0 / static_cast<double>(nPos_) : negWeight_[r - nPos_]);
        if (c == 0) continue;
        loss += c * softplus(pos ? -x : x);
        const double g = c * (pos ? -sigmoid(-x) : sigmoid(x));  // d/dx
        const float* v = rows_.data() + r * dim_;
        for (int32_t k = 0; k < d; ++k) gf_[k] += g * v[k];
      }
    }
    return loss;
  }

  int32_t dim_;
  int64_t nPos_, nNeg_;
  const MatryoshkaLevels& levels_;
  const std::vector<float>& offset_;
  float scale_;
  double reg_;
  bool sgns_;
  int32_t fitDims_;
  std::vector<float> anchor_;
  std::vector<double> negWeight_;
  std::vector<float> rows_, scores_, f_;
  std::vector<double> gf_, a_, b_;
};

}  // namespace

FoldInResult foldInUser(const FoldInModel& m, const int32_t* items, int64_t n, const FoldInSpec& spec) {
  check(m, items, n, spec);
  const int32_t dim = m.items.cols;
  MatryoshkaLevels levels;
  levels.dims = spec.levels.empty() ? std::vector<int32_t>{dim} : spec.levels;
  levels = validateLevels(levels, dim);
  // c = sum_{i in S} P_i / sqrt(s (deg_i + 1)), summed in double in item order.
  std::vector<float> offset(dim, 0.0f);
  if (m.layers > 0) {
    std::vector<double> c(dim, 0.0);
    for (int64_t q = 0; q < n; ++q) {
      const int32_t i = items[q];
      const double w = 1.0 / std::sqrt(static_cast<double>(n) * (m.itemUsers->degree(i) + 1.0));
      const float* p = m.itemLayerSum.data + static_cast<int64_t>(i) * dim;
      for (int32_t k = 0; k < dim; ++k) c[k] += w * p[k];
    }
    for (int32_t k = 0; k < dim; ++k) offset[k] = static_cast<float>(c[k]);
  }
  const float scale = 1.0f / static_cast<float>(m.layers + 1);
  std::vector<float> e(dim, 0.0f);
  if (spec.objective == FoldInObjective::kSgns && spec.initRange > 0) {
    Rng rng(spec.seed, kInit);
    for (float& x : e) x = static_cast<float>((2 * rng.uniform() - 1) * spec.initRange);
  }
  const int32_t fitDims = m.userLastIsOne ? dim - 1 : dim;
  std::vector<float> anchor(dim, 0.0f);
  if (m.userLastIsOne) e[dim - 1] = anchor[dim - 1] = 1.0f;
  FoldInResult out;
  const FoldInClusters* clusters = m.userClusters;
  const bool fit = spec.steps > 0 && (!clusters || clusters->residual);
  const std::vector<int32_t> pool = fit || clusters ? negativePool(m.items.rows, items, n, spec.negatives, spec.seed)
                                                    : std::vector<int32_t>{};
  if (clusters) {
    // The candidate with the lowest data loss (see fold_in.hpp); no negatives (the user has every
    // item): every candidate ties at 0, the first one wins.
    auto rowOf = [&](int32_t c) { return clusters->rows.data + static_cast<int64_t>(c) * dim; };
    const std::vector<int32_t>& cand = clusters->candidates;
    int32_t best = cand.front();
    double bestLoss = 0;
    if (!pool.empty()) {
      Objective obj(m.items, items, n, pool, levels, offset, scale, spec.reg, spec, fitDims);
      std::vector<std::pair<double, int32_t>> order(cand.size());
      for (size_t q = 0; q < cand.size(); ++q) order[q] = {obj.dataLossBound(rowOf(cand[q])), cand[q]};
      std::sort(order.begin(), order.end());
      bestLoss = INFINITY;
      for (const auto& [bound, c] : order) {
        // Skipped only when provably worse: the bound is below the exact loss up to rounding far
        // smaller than this slack.
        if (bound > bestLoss + 1e-9 * std::max(1.0, std::fabs(bestLoss))) break;
        const double loss = obj.dataLoss(rowOf(c));
        ++out.clustersEvaluated;
        if (loss < bestLoss || (loss == bestLoss && c < best)) bestLoss = loss, best = c;
      }
    }
    out.cluster = best;
    out.loss = bestLoss;
    std::copy(rowOf(best), rowOf(best) + dim, e.begin());
    anchor = e;
  }
  if (fit && !pool.empty()) {
    Objective obj(m.items, items, n, pool, levels, offset, scale, spec.reg, spec, fitDims);
    obj.setAnchor(anchor.data());
    std::vector<float> g(dim), trial(dim), gTrial(dim);
    double loss = obj.eval(e.data(), g.data());
    double eta = obj.safeStep() * dim;  // optimistic: the line search halves it as needed
    for (int32_t step = 0; step < spec.steps; ++step) {
      double gg = 0;
      for (float x : g) gg += static_cast<double>(x) * x;
      if (!(gg > 0)) break;
      bool accepted = false;
      for (int tries = 0; tries < 60 && !accepted; ++tries) {
        for (int32_t c = 0; c < dim; ++c) trial[c] = static_cast<float>(e[c] - eta * g[c]);
        const double lt = obj.eval(trial.data(), gTrial.data());
        if (lt <= loss - 0.5 * eta * gg) {
          accepted = true;
          e.swap(trial);
          g.swap(gTrial);
          loss = lt;
        } else {
          eta *= 0.5;
        }
      }
      if (!accepted) break;  // no decrease left at float precision
      ++out.steps;
      eta *= 2;  // let the next step try a longer one
    }
    out.loss = loss;
  }
  out.embedding.resize(dim);
  for (int32_t k = 0; k < dim; ++k) out.embedding[k] = scale * (e[k] + offset[k]);
  return out;
}

}  // namespace rf
