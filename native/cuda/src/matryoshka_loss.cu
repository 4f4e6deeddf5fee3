// The nested BPR loss on the GPU (rf::matryoshkaLossGrad): squared ego norms per batch row, then
// one warp per triple for the level scores, softplus terms and coefficients c_t = w_t sigmoid(x_t)/B
// (the CPU's pass 1), fixed-tree sums for the loss, and the gradient (matryoshka_grad.cu) over the
// slots grouped by row.
#include "check.cuh"
#include "fixed_sum.cuh"
#include "id_check.cuh"
#include "key_groups.cuh"
#include "matryoshka_grad.cuh"
#include "warp_ops.cuh"

namespace rf::cuda {

namespace {
using detail::TermParams;

// rowNorm[r] = ||ego[rows[r]]||^2 (float sum, as the CPU's squaredNorm, stored as double).
__global__ void rowNormKernel(const int32_t* rows, int64_t count, const float* ego, int32_t dim, double* rowNorm) {
  const int lane = detail::laneId();
  for (int64_t r = detail::globalWarp(); r < count; r += detail::warpStride()) {
    const float* e = ego + static_cast<int64_t>(rows[r]) * dim;
    const float s = detail::warpSum(detail::lanePartialDot(e, e, 0, dim, lane));
    if (lane == 0) rowNorm[r] = static_cast<double>(s);
  }
}

// Per triple q: softplusTerm[q*T + t], coef[q*T + t] and normTerm[q] (sum of the slots' row norms).
__global__ void termsKernel(const int32_t* slots, int64_t n, const float* final, int32_t dim, TermParams terms,
                            const double* rowNorm, double batch, double* softplusTerm, float* coef, double* normTerm) {
  const int lane = detail::laneId();
  const int32_t T = terms.count;
  for (int64_t q = detail::globalWarp(); q < n; q += detail::warpStride()) {
    const int32_t* s = slots + q * terms.stride;
    const float* fu = final + static_cast<int64_t>(s[0]) * dim;
    const float* fp = final + static_cast<int64_t>(s[1]) * dim;
    const float* fn0 = final + static_cast<int64_t>(s[2]) * dim;
    float accPos = 0.0f, accNeg = 0.0f;  // running lane sums over [0, dims[t])
    int32_t lo = 0;
    for (int32_t t = 0; t < T; ++t) {
      const int32_t hi = terms.dims[t];
      accPos += detail::lanePartialDot(fu, fp, lo, hi, lane);
      float sNeg;
      if (terms.perLevelNegative) {
        const float* fn = final + static_cast<int64_t>(s[2 + t]) * dim;
        sNeg = detail::warpSum(detail::lanePartialDot(fu, fn, 0, hi, lane));
      } else {
        accNeg += detail::lanePartialDot(fu, fn0, lo, hi, lane);
        sNeg = detail::warpSum(accNeg);
      }
      const float sPos = detail::warpSum(accPos);
      lo = hi;
      if (lane == 0) {
        const double x = static_cast<double>(sNeg) - sPos;
        softplusTerm[q * T + t] = detail::softplusD(x);
        coef[q * T + t] = static_cast<float>(terms.weights[t] * detail::sigmoidD(x) / batch);
      }
    }
    if (lane == 0) {
      double norms = 0;
      for (int32_t r = 0; r < terms.stride; ++r) norms += rowNorm[s[r]];
      normTerm[q] = norms;
    }
  }
}
}  // namespace

MatryoshkaLoss matryoshkaLossGrad(int64_t n, const int32_t* dSlots, const int32_t* dRows, int64_t rows,
                                  const float* dFinal, const float* dEgo, int64_t egoRows, int32_t dim,
                                  const MatryoshkaLevels& levels, MatryoshkaMode mode, double lambda, double regDivisor,
                                  float* dGradFinal, float* dRegCoef, MatryoshkaWorkspace& ws) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  if (n <= 0) fail(code::kEmpty, "empty batch");
  if (!(regDivisor > 0)) fail(code::kInvalidArgument, "regDivisor must be > 0");
  if (rows <= 0 || rows >= INT32_MAX) fail(code::kShape, "a batch must touch between 1 and 2^31 - 2 rows");
  const TermParams terms = detail::termParams(lv, mode);
  const int32_t T = terms.count;
  const int64_t total = n * terms.stride;
  if (total >= INT32_MAX) fail(code::kInvalidArgument, "batch too large: n * (2 + negatives) must be < 2^31");
  detail::requireIdsInRange({{dSlots, total, 0, rows, "slots"}, {dRows, rows, 0, egoRows, "rows"}}, ws.check);

  ensureSize(ws.rowNorm, static_cast<size_t>(rows), "row norms");
  ensureSize(ws.softplusTerm, static_cast<size_t>(n * T), "softplus terms");
  ensureSize(ws.coef, static_cast<size_t>(n * T), "loss coefficients");
  ensureSize(ws.normTerm, static_cast<size_t>(n), "norm terms");
  ensureSize(ws.sums, static_cast<size_t>(T + 1), "loss sums");

  rowNormKernel<<<detail::blocksForWarps(rows), detail::kBlockThreads, 0, cudaStreamPerThread>>>(dRows, rows, dEgo, dim,
                                                                                                  ws.rowNorm.data());
  RF_CUDA_LAUNCHED("rowNormKernel");
  termsKernel<<<detail::blocksForWarps(n), detail::kBlockThreads, 0, cudaStreamPerThread>>>(
      dSlots, n, dFinal, dim, terms, ws.rowNorm.data(), static_cast<double>(n), ws.softplusTerm.data(),
      ws.coef.data(), ws.normTerm.data());
  RF_CUDA_LAUNCHED("termsKernel");
  detail::sumColumnsFixed(ws.softplusTerm.data(), n, T, ws.sums.data());
  detail::sumColumnsFixed(ws.normTerm.data(), n, 1, ws.sums.data() + T);

  detail::groupByKey(dSlots, total, static_cast<int32_t>(rows), ws.groups);
  const float regScale = static_cast<float>(lambda / regDivisor);
  detail::launchMatryoshkaGrad(n, dSlots, rows, dFinal, dim, terms, ws.coef.data(), ws.groups.sortedKeys.data(),
                               ws.groups.sortedOrder.data(), regScale, dGradFinal, dRegCoef);

  std::vector<double> sums(static_cast<size_t>(T + 1));
  RF_CUDA_CHECK(cudaMemcpyAsync(sums.data(), ws.sums.data(), sums.size() * sizeof(double), cudaMemcpyDeviceToHost,
                                cudaStreamPerThread));
  RF_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  MatryoshkaLoss out;
  out.levelBpr.assign(static_cast<size_t>(T), 0.0);
  for (int32_t t = 0; t < T; ++t) {
    out.levelBpr[t] = sums[t] / static_cast<double>(n);
    out.rank += terms.weights[t] * out.levelBpr[t];
  }
  out.reg = lambda * sums[T] / (2.0 * regDivisor);
  out.loss = out.rank + out.reg;
  return out;
}

MatryoshkaLoss matryoshkaLossGrad(int64_t n, const BprBatch& batch, const std::vector<float>& final,
                                  const std::vector<float>& ego, int32_t dim, const MatryoshkaLevels& levels,
                                  MatryoshkaMode mode, double lambda, double regDivisor, std::vector<float>& gradFinal,
                                  std::vector<float>& regCoef) {
  const MatryoshkaLevels lv = detail::checkedLevels(levels, dim);
  const int64_t rows = static_cast<int64_t>(batch.rows.size());
  if (n <= 0) fail(code::kEmpty, "empty batch");
  if (static_cast<int64_t>(batch.slots.size()) != (2 + negativesPerTriple(mode, lv)) * n)
    fail(code::kShape, "batch was mapped from another triple list or mode");
  if (static_cast<int64_t>(final.size()) != rows * dim) fail(code::kShape, "final must be rows x dim");
  if (ego.size() % static_cast<size_t>(dim) != 0) fail(code::kShape, "ego size is not a multiple of dim");
  DeviceBuffer<int32_t> dSlots(batch.slots, "slots"), dRows(batch.rows, "rows");
  DeviceBuffer<float> dFinal(final, "final"), dEgo(ego, "ego");
  DeviceBuffer<float> dGrad(static_cast<size_t>(rows) * dim, "gradFinal"), dReg(static_cast<size_t>(rows), "regCoef");
  MatryoshkaWorkspace ws;
  const MatryoshkaLoss loss =
      matryoshkaLossGrad(n, dSlots.data(), dRows.data(), rows, dFinal.data(), dEgo.data(),
                         static_cast<int64_t>(ego.size() / dim), dim, lv, mode, lambda, regDivisor, dGrad.data(),
                         dReg.data(), ws);
  gradFinal = dGrad.toHost();
  regCoef = dReg.toHost();
  return loss;
}

}  // namespace rf::cuda
