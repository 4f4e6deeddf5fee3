#include "recforge/cel_reassign.hpp"

#include <algorithm>
#include <cmath>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
}  // namespace

double ownLoss(const float* C, const double* alpha, int64_t k, int32_t d, double scale, const float* v) {
  double loss = 0;
  for (int64_t q = 0; q < k; ++q) {
    const float* c = C + q * d;
    double dot = 0;
    for (int32_t j = 0; j < d; ++j) dot += static_cast<double>(c[j]) * v[j];
    loss += softplus(alpha[q] - scale * dot);
  }
  return loss;
}

std::vector<int32_t> reassignCandidates(const ClusteredTable& t, const Csr& own, const Csr& back, int32_t e,
                                        const ReassignOptions& o) {
  std::vector<int32_t> out{t.assign[e]};
  const int64_t deg = own.indptr[e + 1] - own.indptr[e];
  if (deg == 0) return out;
  for (int32_t draw = 0; static_cast<int32_t>(out.size()) < o.candidates && draw < 2 * o.candidates; ++draw) {
    const uint64_t h = hash3(hash3(o.seed, o.round, static_cast<uint64_t>(e)), 0xCE1A, static_cast<uint64_t>(draw));
    const int32_t p = own.indices[own.indptr[e] + static_cast<int64_t>(h % static_cast<uint64_t>(deg))];
    const int64_t pdeg = back.indptr[p + 1] - back.indptr[p];
    if (pdeg == 0) continue;
    const int32_t q = back.indices[back.indptr[p] + static_cast<int64_t>((h >> 32) % static_cast<uint64_t>(pdeg))];
    const int32_t c = t.assign[q];
    if (c < t.pinned) continue;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  return out;
}

int64_t reassignRound(ClusteredTable& t, const Csr& own, const Csr& back, const OwnDataFn& data, const ReassignOptions& o) {
  if (own.rows != t.entities) fail(code::kShape, "reassignment graph rows do not match the table's entities");
  if (o.candidates < 1) fail(code::kInvalidArgument, "candidates must be >= 1");
  if (!(o.minGain >= 0 && o.minGain < 1)) fail(code::kInvalidArgument, "minGain must be in [0, 1)");
  const int32_t d = t.dim;
  std::vector<int32_t> next(t.assign);
  const int workers = resolveThreads(o.threads, t.entities / 256 + 1);
  std::vector<std::vector<float>> ctx(workers);
  std::vector<std::vector<double>> alpha(workers);
  std::vector<float> vec(static_cast<size_t>(workers) * d);
  parallelChunks(t.entities, workers, [&](int64_t e0, int64_t e1, int w) {
    float* v = vec.data() + static_cast<int64_t>(w) * d;
    for (int64_t e = e0; e < e1; ++e) {
      const int32_t ent = static_cast<int32_t>(e);
      if (t.assign[e] < t.pinned) continue;
      const auto cands = reassignCandidates(t, own, back, ent, o);
      if (cands.size() < 2) continue;
      const int64_t k = data(ent, ctx[w], alpha[w]);
      if (k == 0) continue;
      double best = 0, current = 0;
      int32_t bestC = cands[0];
      for (size_t q = 0; q < cands.size(); ++q) {
        const float* wrow = t.centers.data() + static_cast<int64_t>(cands[q]) * d;
        if (t.residual.empty()) {
          std::copy(wrow, wrow + d, v);
        } else {
          const float* r = t.residual.data() + e * d;
          for (int32_t j = 0; j < d; ++j) v[j] = wrow[j] + r[j];
        }
        const double l = ownLoss(ctx[w].data(), alpha[w].data(), k, d, o.scale, v);
        if (q == 0) current = l;
        if (q == 0 || l < best) best = l, bestC = cands[q];
      }
      if (best < current * (1.0 - o.minGain)) next[e] = bestC;
    }
  });
  int64_t moved = 0;
  for (int32_t e = 0; e < t.entities; ++e) moved += next[e] != t.assign[e];
  t.assign.swap(next);
  return moved;
}

}  // namespace rf
