// Matryoshka negative selection on the GPU: one warp per (triple, group) scores the group's
// candidates one after another (warp-reduced prefix dots) and keeps the first strict maximum,
// the CPU's rule (sampleRange in the core's matryoshka_sampling.cpp).
#include "check.cuh"
#include "id_check.cuh"
#include "matryoshka_terms.cuh"
#include "warp_ops.cuh"

namespace rf::cuda {

namespace {
// widths[k]: the prefix group k is ranked on.
__global__ void selectKernel(const int32_t* users, int64_t n, const int32_t* candidates, int32_t groups,
                             int32_t perGroup, const float* userRows, const float* itemRows, int32_t dim,
                             detail::LevelDims widths, int32_t* negatives) {
  const int lane = detail::laneId();
  const int64_t total = n * groups;
  for (int64_t w = detail::globalWarp(); w < total; w += detail::warpStride()) {
    const int64_t q = w / groups;
    const int32_t k = static_cast<int32_t>(w % groups);
    const int32_t width = widths.dims[k];
    const float* fu = userRows + static_cast<int64_t>(users[q]) * dim;
    const int32_t* group = candidates + w * perGroup;  // w = q * groups + k
    int32_t best = group[0];
    float bestScore =
        detail::warpSum(detail::lanePartialDot(fu, itemRows + static_cast<int64_t>(best) * dim, 0, width, lane));
    for (int32_t c = 1; c < perGroup; ++c) {
      const int32_t item = group[c];
      const float s =
          detail::warpSum(detail::lanePartialDot(fu, itemRows + static_cast<int64_t>(item) * dim, 0, width, lane));
      if (s > bestScore) best = item, bestScore = s;  // every lane holds the same s: uniform branch
    }
    if (lane == 0) negatives[w] = best;
  }
}
}  // namespace

void selectMatryoshkaNegatives(const int32_t* dUsers, int64_t n, const int32_t* dCandidates, int32_t nUsers,
                               int32_t nItems, const float* dFinal, int32_t dim, const MatryoshkaLevels& levels,
                               MatryoshkaMode mode, int32_t* dNegatives, IdCheck& check) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  if (n < 0 || nUsers < 0 || nItems < 0) fail(code::kInvalidArgument, "negative size");
  if (n == 0) return;
  const int32_t groups = negativesPerTriple(mode, lv);
  const int32_t perGroup = lv.candidates;
  detail::LevelDims widths{};
  if (mode == MatryoshkaMode::kMns) {
    widths = detail::levelDims(lv);
  } else {
    widths.count = 1;
    widths.dims[0] = lv.dims.back();
  }
  detail::requireIdsInRange({{dUsers, n, 0, nUsers, "users"},
                             {dCandidates, n * groups * perGroup, 0, nItems, "candidates"}},
                            check);
  const float* itemRows = dFinal + static_cast<int64_t>(nUsers) * dim;
  selectKernel<<<detail::blocksForWarps(n * groups), detail::kBlockThreads, 0, cudaStreamPerThread>>>(
      dUsers, n, dCandidates, groups, perGroup, dFinal, itemRows, dim, widths, dNegatives);
  RF_CUDA_LAUNCHED("selectKernel");
}

std::vector<int32_t> selectMatryoshkaNegatives(const std::vector<int32_t>& users, const std::vector<int32_t>& candidates,
                                               int32_t nUsers, int32_t nItems, const std::vector<float>& final,
                                               int32_t dim, const MatryoshkaLevels& levels, MatryoshkaMode mode) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  const int64_t n = static_cast<int64_t>(users.size());
  const int32_t groups = negativesPerTriple(mode, lv);
  if (static_cast<int64_t>(candidates.size()) != n * groups * lv.candidates)
    fail(code::kShape, "candidates must hold users.size() * groups * candidates ids");
  if (static_cast<int64_t>(final.size()) != (static_cast<int64_t>(nUsers) + nItems) * dim)
    fail(code::kShape, "final must be (nUsers + nItems) x dim");
  std::vector<int32_t> out(static_cast<size_t>(n * groups));
  if (n == 0) return out;
  DeviceBuffer<int32_t> dUsers(users, "users"), dCand(candidates, "candidates");
  DeviceBuffer<float> dFinal(final, "final");
  DeviceBuffer<int32_t> dNeg(out.size(), "negatives");
  IdCheck check;
  selectMatryoshkaNegatives(dUsers.data(), n, dCand.data(), nUsers, nItems, dFinal.data(), dim, lv, mode, dNeg.data(),
                            check);
  dNeg.download(out.data());
  return out;
}

}  // namespace rf::cuda
