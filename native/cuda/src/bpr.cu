// BPR loss and its gradient on the GPU, deterministic: the 3n (row, contribution) pairs of a batch
// are sorted by row with a stable radix sort first (prepareBatch: it also gives the forward its
// row list and the backward its row flags); per-triple terms in one pass; then every gradient row
// is summed by one thread group in triple order (the CPU's order), with no float atomics.
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include "check.cuh"
#include "train_kernels.hpp"

namespace rf::cuda::detail {
namespace {

__device__ __forceinline__ double softplusD(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
__device__ __forceinline__ double sigmoidD(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  const double e = exp(x);
  return e / (1.0 + e);
}

__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// One warp per triple: x = <f_u, f_j> - <f_u, f_i> (as the CPU: each dot in float, the
// difference in double), softplus(x), coef = sigmoid(x) / n, squared layer-0 norms.
__global__ void tripleTerms(const int32_t* t, int64_t n, int32_t users, const float* final, const float* ego, int32_t dim,
                            double* softplusTerm, double* normTerm, float* coef) {
  const int64_t k = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (k >= n) return;
  const int64_t ru = t[3 * k], ri = users + static_cast<int64_t>(t[3 * k + 1]), rj = users + static_cast<int64_t>(t[3 * k + 2]);
  const float *fu = final + ru * dim, *fi = final + ri * dim, *fj = final + rj * dim;
  const float *eu = ego + ru * dim, *ei = ego + ri * dim, *ej = ego + rj * dim;
  float si = 0, sj = 0, nu = 0, ni = 0, nj = 0;
  for (int32_t c = lane; c < dim; c += 32) {
    const float u = fu[c];
    si = fmaf(u, fi[c], si);
    sj = fmaf(u, fj[c], sj);
    nu = fmaf(eu[c], eu[c], nu);
    ni = fmaf(ei[c], ei[c], ni);
    nj = fmaf(ej[c], ej[c], nj);
  }
  si = warpSum(si), sj = warpSum(sj), nu = warpSum(nu), ni = warpSum(ni), nj = warpSum(nj);
  if (lane == 0) {
    const double x = static_cast<double>(sj) - static_cast<double>(si);
    softplusTerm[k] = softplusD(x);
    coef[k] = static_cast<float>(sigmoidD(x) / static_cast<double>(n));
    normTerm[k] = static_cast<double>(nu) + static_cast<double>(ni) + static_cast<double>(nj);
  }
}

// Entry 3k + role: the global row of triple k's user (role 0), positive (1) or negative (2).
__global__ void tripleKeys(const int32_t* t, int64_t m, int32_t users, int32_t* keys, int32_t* vals) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p >= m) return;
  const int role = static_cast<int>(p % 3);
  keys[p] = role == 0 ? t[p] : users + t[p];
  vals[p] = static_cast<int32_t>(p);
}

// Every row the batch touches gets flag 1 (equal values written concurrently: benign).
__global__ void flagRows(const int32_t* keys, int64_t m, uint8_t* flags) {
  const int64_t p = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (p < m) flags[keys[p]] = 1;
}

// One block: fixed-order sums of the terms (strided per thread, then a fixed tree).
__global__ void reduceLoss(const double* softplusTerm, const double* normTerm, int64_t n, double lambda,
                           double regDivisor, double* out, double* epochSum) {
  __shared__ double sp[256], nm[256];
  double a = 0, b = 0;
  for (int64_t k = threadIdx.x; k < n; k += blockDim.x) a += softplusTerm[k], b += normTerm[k];
  sp[threadIdx.x] = a, nm[threadIdx.x] = b;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) sp[threadIdx.x] += sp[threadIdx.x + s], nm[threadIdx.x] += nm[threadIdx.x + s];
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    const double bpr = sp[0] / static_cast<double>(n);
    const double reg = lambda * nm[0] / (2.0 * regDivisor);
    out[0] = bpr, out[1] = reg, out[2] = bpr + reg;
    if (epochSum) epochSum[0] += bpr + reg, epochSum[1] += 1.0;
  }
}

// A group of 32 threads per sorted entry; only the first entry of each row's run works: it sums
// the run's contributions in order (stable sort: triple order) into that row.
__global__ void gatherGrad(const int32_t* keys, const int32_t* vals, int64_t m, const int32_t* t, int32_t users,
                           const float* final, const float* coef, int32_t dim, float regScale, float* gradFinal,
                           float* regCoef) {
  const int64_t p = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) >> 5;
  const int lane = threadIdx.x & 31;
  if (p >= m) return;
  const int32_t row = keys[p];
  if (p > 0 && keys[p - 1] == row) return;
  int64_t end = p + 1;
  while (end < m && keys[end] == row) ++end;
  float* g = gradFinal + static_cast<int64_t>(row) * dim;
  for (int32_t c = lane; c < dim; c += 32) {
    float acc = 0;
    for (int64_t q = p; q < end; ++q) {
      const int32_t v = vals[q];
      const int64_t k = v / 3;
      const int role = v % 3;
      const float w = coef[k];
      const float fu = final[static_cast<int64_t>(t[3 * k]) * dim + c];
      if (role == 0) {
        const float fi = final[(users + static_cast<int64_t>(t[3 * k + 1])) * dim + c];
        const float fj = final[(users + static_cast<int64_t>(t[3 * k + 2])) * dim + c];
        acc = fmaf(w, fj - fi, acc);
      } else if (role == 1) {
        acc = fmaf(-w, fu, acc);
      } else {
        acc = fmaf(w, fu, acc);
      }
    }
    g[c] = acc;
  }
  if (lane == 0) regCoef[row] = regScale * static_cast<float>(end - p);
}

int endBit(int64_t rows) {
  int bits = 1;
  while (bits < 31 && (int64_t{1} << bits) < rows) ++bits;
  return bits;
}

}  // namespace

void BprWorkspace::ensure(int64_t triples, int64_t rows) {
  if (triples <= capacity) return;
  capacity = triples;
  softplusTerm.resize(triples, "bpr terms");
  normTerm.resize(triples, "bpr terms");
  coef.resize(triples, "bpr coefficients");
  keys.resize(3 * triples, "bpr sort keys");
  keysSorted.resize(3 * triples, "bpr sort keys");
  vals.resize(3 * triples, "bpr sort values");
  valsSorted.resize(3 * triples, "bpr sort values");
  size_t bytes = 0;
  RF_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, bytes, keys.data(), keysSorted.data(), vals.data(),
                                                valsSorted.data(), static_cast<int>(3 * triples), 0, endBit(rows)));
  cubTemp.resize(bytes + 1, "bpr sort workspace");
}

void prepareBatch(const int32_t* triples, int64_t n, int32_t users, int64_t rows, uint8_t* rowFlags,
                  BprWorkspace& ws) {
  if (n <= 0) fail(code::kEmpty, "empty batch");
  ws.ensure(n, rows);
  const int block = 256;
  const int64_t m = 3 * n;
  const unsigned grid = static_cast<unsigned>((m + block - 1) / block);
  tripleKeys<<<grid, block>>>(triples, m, users, ws.keys.data(), ws.vals.data());
  RF_CUDA_LAUNCHED("tripleKeys");
  size_t bytes = ws.cubTemp.size();
  RF_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(ws.cubTemp.data(), bytes, ws.keys.data(), ws.keysSorted.data(),
                                                ws.vals.data(), ws.valsSorted.data(), static_cast<int>(m), 0,
                                                endBit(rows)));
  fillZero(rowFlags, static_cast<size_t>(rows));
  flagRows<<<grid, block>>>(ws.keysSorted.data(), m, rowFlags);
  RF_CUDA_LAUNCHED("flagRows");
  ws.preparedTriples = n;
}

void bprLossGrad(const int32_t* triples, int64_t n, int32_t users, int64_t rows, const float* final, const float* ego,
                 int32_t dim, double lambda, double regDivisor, float* gradFinal, float* regCoef, double* out,
                 double* epochSum, BprWorkspace& ws) {
  if (n <= 0) fail(code::kEmpty, "empty batch");
  if (!(regDivisor > 0)) fail(code::kInvalidArgument, "regDivisor must be > 0");
  if (ws.preparedTriples != n) fail(code::kInternal, "bprLossGrad needs prepareBatch on the same batch first");
  const int block = 256;
  tripleTerms<<<static_cast<unsigned>((n * 32 + block - 1) / block), block>>>(
      triples, n, users, final, ego, dim, ws.softplusTerm.data(), ws.normTerm.data(), ws.coef.data());
  RF_CUDA_LAUNCHED("tripleTerms");
  reduceLoss<<<1, 256>>>(ws.softplusTerm.data(), ws.normTerm.data(), n, lambda, regDivisor, out, epochSum);
  RF_CUDA_LAUNCHED("reduceLoss");
  const int64_t m = 3 * n;
  fillZero(gradFinal, static_cast<size_t>(rows) * dim * sizeof(float));
  fillZero(regCoef, static_cast<size_t>(rows) * sizeof(float));
  gatherGrad<<<static_cast<unsigned>((m * 32 + block - 1) / block), block>>>(
      ws.keysSorted.data(), ws.valsSorted.data(), m, triples, users, final, ws.coef.data(), dim,
      static_cast<float>(lambda / regDivisor), gradFinal, regCoef);
  RF_CUDA_LAUNCHED("gatherGrad");
}

}  // namespace rf::cuda::detail
