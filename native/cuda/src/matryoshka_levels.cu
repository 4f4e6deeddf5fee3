// Nested prefix dots on the GPU (rf::prefixDotsBatch): one warp per pair keeps a running lane sum
// over the coordinates of each level block [d_{k-1}, d_k) and snapshots the warp total at every
// level boundary, so all K scores of a pair cost one pass over d_K coordinates.
#include "check.cuh"
#include "id_check.cuh"
#include "matryoshka_terms.cuh"
#include "warp_ops.cuh"

namespace rf::cuda {

namespace {
__global__ void prefixDotsKernel(const float* table, int32_t dim, const int32_t* rowA, const int32_t* rowB, int64_t n,
                                 detail::LevelDims lv, float* out) {
  const int lane = detail::laneId();
  for (int64_t q = detail::globalWarp(); q < n; q += detail::warpStride()) {
    const float* a = table + static_cast<int64_t>(rowA[q]) * dim;
    const float* b = table + static_cast<int64_t>(rowB[q]) * dim;
    float acc = 0.0f;
    int32_t lo = 0;
    for (int32_t k = 0; k < lv.count; ++k) {
      acc += detail::lanePartialDot(a, b, lo, lv.dims[k], lane);
      lo = lv.dims[k];
      const float s = detail::warpSum(acc);
      if (lane == 0) out[q * lv.count + k] = s;
    }
  }
}
}  // namespace

void prefixDotsBatch(const float* dTable, int64_t tableRows, int32_t dim, const int32_t* dRowA, const int32_t* dRowB,
                     int64_t n, const MatryoshkaLevels& levels, float* dOut, IdCheck& check) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  if (n < 0) fail(code::kInvalidArgument, "n must be >= 0");
  if (n == 0) return;
  detail::requireIdsInRange({{dRowA, n, 0, tableRows, "rowA"}, {dRowB, n, 0, tableRows, "rowB"}}, check);
  prefixDotsKernel<<<detail::blocksForWarps(n), detail::kBlockThreads, 0, cudaStreamPerThread>>>(
      dTable, dim, dRowA, dRowB, n, detail::levelDims(lv), dOut);
  RF_CUDA_LAUNCHED("prefixDotsKernel");
}

std::vector<float> prefixDotsBatch(const std::vector<float>& table, int32_t dim, const std::vector<int32_t>& rowA,
                                   const std::vector<int32_t>& rowB, const MatryoshkaLevels& levels) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  if (rowA.size() != rowB.size()) fail(code::kShape, "rowA and rowB differ in length");
  if (table.size() % static_cast<size_t>(dim) != 0) fail(code::kShape, "table size is not a multiple of dim");
  const int64_t n = static_cast<int64_t>(rowA.size());
  std::vector<float> out(rowA.size() * lv.dims.size());
  if (n == 0) return out;
  DeviceBuffer<float> dTable(table, "table");
  DeviceBuffer<int32_t> dA(rowA, "rowA"), dB(rowB, "rowB");
  DeviceBuffer<float> dOut(out.size(), "prefix dots");
  IdCheck check;
  prefixDotsBatch(dTable.data(), static_cast<int64_t>(table.size() / dim), dim, dA.data(), dB.data(), n, lv,
                  dOut.data(), check);
  dOut.download(out.data());
  return out;
}

}  // namespace rf::cuda
