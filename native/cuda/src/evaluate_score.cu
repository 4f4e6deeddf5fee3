// Scoring for the GPU evaluator: one chunk of users x every item into a dense score buffer, by a
// plain fp32 register-blocked SGEMM (no tensor cores, no TF32). Each score is fmaf over
// p = 0..width-1 in order, starting from +0: the CPU evaluator's summation (its FMA kernels), so
// both backends produce the same floats and rank identically.
#include <cuda_runtime.h>

#include <climits>
#include <string>

#include "check.cuh"
#include "evaluate_kernels.cuh"

namespace rf::cuda::evalk {
namespace {

constexpr int BM = kTileUsers;  // users per block tile
constexpr int BN = kTileItems;  // items per block tile
constexpr int BK = 16;          // coordinates per shared-memory stage
constexpr int kThreads = 256;   // 16 x 16 threads, each computing 8 users x 8 items
constexpr int kPad = 4;         // row padding: keeps float4 alignment, spreads the loads' stores over banks
static_assert(BM == 128 && BN == 128, "the 16 x 16 thread layout below covers 128 x 128 tiles");
static_assert(kThreads == BM + BN, "the prologue gives one row or column offset to each thread");
static_assert(kThreads % BK == 0 && BM % (kThreads / BK) == 0 && BN == BM, "loader layout");

__device__ __forceinline__ float nanToMinusInf(float x) { return x != x ? __int_as_float(0xff800000u) : x; }

// Block (x, y) computes users [128 y, 128 y + 128) of the chunk x items [128 x, 128 x + 128).
// Thread (tx, ty) = (tid % 16, tid / 16) owns users {4 ty + i, 64 + 4 ty + i} and items
// {4 tx + j, 64 + 4 tx + j} (i, j < 4): float4 reads of shared memory without bank conflicts and
// float4 stores that a warp writes as contiguous 256-byte runs.
__global__ void __launch_bounds__(kThreads)
    scoreKernel(const float* __restrict__ U, int64_t ldU, const int32_t* __restrict__ rows, int32_t nRows,
                const float* __restrict__ V, int64_t ldV, int32_t nItems, int32_t width, float* __restrict__ scores,
                int64_t ld) {
  __shared__ __align__(16) float As[BK][BM + kPad];  // As[p][m]: coordinate p of tile user m
  __shared__ __align__(16) float Bs[BK][BN + kPad];  // Bs[p][n]: coordinate p of tile item n
  __shared__ long long rowOff[BM];                   // offset of tile user m's row in U, -1 past the chunk
  __shared__ long long colOff[BN];                   // offset of tile item n's row in V, -1 past the items

  const int tid = threadIdx.x;
  const int64_t row0 = static_cast<int64_t>(blockIdx.y) * BM;
  const int64_t col0 = static_cast<int64_t>(blockIdx.x) * BN;
  if (tid < BM) {
    const int64_t r = row0 + tid;
    rowOff[tid] = r < nRows ? static_cast<long long>(rows[r]) * ldU : -1;
  } else {
    const int n = tid - BM;
    const int64_t j = col0 + n;
    colOff[n] = j < nItems ? j * ldV : -1;
  }
  __syncthreads();

  const int lk = tid % BK;             // the coordinate this thread loads in each stage
  const int lm = tid / BK;             // its first tile row/column; then every kThreads / BK-th
  const int tx = tid % 16, ty = tid / 16;
  float acc[8][8];
#pragma unroll
  for (int i = 0; i < 8; ++i)
#pragma unroll
    for (int j = 0; j < 8; ++j) acc[i][j] = 0.0f;

  // Stages past `width` load zeros: fmaf(0, 0, s) = s for every s other than -0 (which becomes +0,
  // an equal score), so padding never changes a ranking.
  for (int k0 = 0; k0 < width; k0 += BK) {
    const int p = k0 + lk;
    const bool inWidth = p < width;
#pragma unroll
    for (int s = 0; s < BM / (kThreads / BK); ++s) {
      const int m = lm + s * (kThreads / BK);
      const long long ro = rowOff[m];
      const long long co = colOff[m];
      As[lk][m] = (inWidth && ro >= 0) ? U[ro + p] : 0.0f;
      Bs[lk][m] = (inWidth && co >= 0) ? V[co + p] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < BK; ++kk) {
      const float4 a0 = *reinterpret_cast<const float4*>(&As[kk][ty * 4]);
      const float4 a1 = *reinterpret_cast<const float4*>(&As[kk][64 + ty * 4]);
      const float4 b0 = *reinterpret_cast<const float4*>(&Bs[kk][tx * 4]);
      const float4 b1 = *reinterpret_cast<const float4*>(&Bs[kk][64 + tx * 4]);
      const float a[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      const float b[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i][j] = __fmaf_rn(a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

  // Whole tiles are stored: the buffer has ld >= gridDim.x * BN columns and gridDim.y * BM rows.
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const int m = i < 4 ? ty * 4 + i : 64 + ty * 4 + (i - 4);
    float* out = scores + (row0 + m) * ld + col0;
    const float4 v0 = make_float4(nanToMinusInf(acc[i][0]), nanToMinusInf(acc[i][1]), nanToMinusInf(acc[i][2]),
                                  nanToMinusInf(acc[i][3]));
    const float4 v1 = make_float4(nanToMinusInf(acc[i][4]), nanToMinusInf(acc[i][5]), nanToMinusInf(acc[i][6]),
                                  nanToMinusInf(acc[i][7]));
    *reinterpret_cast<float4*>(out + tx * 4) = v0;
    *reinterpret_cast<float4*>(out + 64 + tx * 4) = v1;
  }
}

}  // namespace

void launchScores(const float* U, int64_t ldU, const int32_t* rows, int32_t nRows, const float* V, int64_t ldV,
                  int32_t nItems, int32_t width, float* scores, int64_t ld) {
  if (nRows <= 0 || nItems <= 0) return;
  const int64_t gridX = (static_cast<int64_t>(nItems) + BN - 1) / BN;
  const int64_t gridY = (static_cast<int64_t>(nRows) + BM - 1) / BM;
  if (width < 1 || ldU < width || ldV < width || ld % BN != 0 || ld < gridX * BN || gridX > INT_MAX || gridY > 65535)
    fail(code::kInternal, "launchScores: bad shape (rows " + std::to_string(nRows) + ", items " +
                              std::to_string(nItems) + ", width " + std::to_string(width) + ", ld " +
                              std::to_string(ld) + ")");
  scoreKernel<<<dim3(static_cast<unsigned>(gridX), static_cast<unsigned>(gridY)), kThreads>>>(
      U, ldU, rows, nRows, V, ldV, nItems, width, scores, ld);
  RF_CUDA_LAUNCHED("scoreKernel");
}

}  // namespace rf::cuda::evalk
