// Masking and per-user top-K selection for the GPU evaluator, on a chunk's score buffer.
//
// Masked items are overwritten with NaN (the scoring kernel never stores NaN: it turns a NaN sum
// into -inf, which ranks like the CPU's NaN). Selection then runs one block per user:
//   1. radix select on the 32-bit order-preserving key of each unmasked score (three passes of
//      11/11/10 bits with a shared histogram) finds the k-th best score S, how many items beat it
//      and how many of the items scoring exactly S are needed;
//   2. a collection pass writes the chosen items as 64-bit keys (score key << 32 | ~item), taking
//      the needed ties at S in ascending item id (a block scan in item order);
//   3. a bitonic sort of those keys, descending, orders them score desc, item id asc.
// Keys are unique, so the order is total and the result never depends on thread timing.
#include <cuda_runtime.h>

#include <cub/block/block_scan.cuh>
#include <string>

#include "check.cuh"
#include "evaluate_kernels.cuh"

namespace rf::cuda::evalk {
namespace {

// ---- Masking ----

constexpr int kMaskThreads = 128;

__global__ void __launch_bounds__(kMaskThreads)
    maskKernel(const int32_t* __restrict__ users, const int64_t* __restrict__ ptrA, const int32_t* __restrict__ idxA,
               const int64_t* __restrict__ ptrB, const int32_t* __restrict__ idxB, float* __restrict__ scores,
               int64_t ld) {
  const int64_t r = blockIdx.x;
  const int32_t u = users[r];
  float* row = scores + r * ld;
  const float nan = __int_as_float(0x7fc00000u);
  if (ptrA)
    for (int64_t e = ptrA[u] + threadIdx.x; e < ptrA[u + 1]; e += kMaskThreads) row[idxA[e]] = nan;
  if (ptrB)
    for (int64_t e = ptrB[u] + threadIdx.x; e < ptrB[u + 1]; e += kMaskThreads) row[idxB[e]] = nan;
}

// ---- Selection ----

constexpr int kThreads = 256;
constexpr int kBins = 2048;                      // 11-bit digits
constexpr int kBinsPerThread = kBins / kThreads;  // 8
constexpr int kPasses = 3;  // digits: key bits 31..21, 20..10, 9..0
// Largest key count kept in shared memory (32 KiB, next to the 8 KiB histogram: under the 48 KiB
// a block gets without opting in).
constexpr int64_t kMaxSharedKeys = 4096;
// Global scratch per launch when the keys do not fit in shared memory.
constexpr int64_t kGlobalScratchBytes = int64_t{256} << 20;

using BlockScan = cub::BlockScan<int, kThreads>;

// Order-preserving key of a score: larger score, larger key; -0 and +0 share a key (they compare
// equal as floats, so they tie and the item id decides). False for NaN, i.e. a masked item.
__device__ __forceinline__ bool scoreKey(float f, unsigned& key) {
  if (f != f) return false;
  unsigned b = __float_as_uint(f);
  if ((b << 1) == 0u) b = 0u;  // -0 -> +0
  key = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
  return true;
}

__device__ __forceinline__ float keyScore(unsigned key) {
  return __uint_as_float((key & 0x80000000u) ? (key & 0x7fffffffu) : ~key);
}

// Unique sort key: score key high, ~item low, so that descending order is score desc, item asc.
// Every real key is > 0 (the smallest score key, of -inf, is 0x007fffff), so 0 pads.
__device__ __forceinline__ unsigned long long itemKey(unsigned key, int64_t item) {
  return (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - static_cast<unsigned>(item));
}

// One block per row (user) of the chunk. `keys` per row: in dynamic shared memory, or at
// scratch + blockIdx.x * keysPerRow when scratch is not null. Every loop that contains a
// __syncthreads or a block scan has a trip count that is the same for all threads.
__global__ void __launch_bounds__(kThreads)
    selectKernel(const float* __restrict__ scores, int64_t ld, int32_t nItems, int32_t rowBegin, int32_t k,
                 unsigned long long* scratch, int64_t keysPerRow, int32_t* __restrict__ outItems,
                 float* __restrict__ outScores) {
  extern __shared__ unsigned long long sharedKeys[];
  __shared__ int hist[kBins];
  __shared__ typename BlockScan::TempStorage scanTemp;
  __shared__ int shBin, shAbove, shCount, shNext;

  const int tid = threadIdx.x;
  const int lane = tid % 32;
  const int64_t row = static_cast<int64_t>(rowBegin) + blockIdx.x;
  const float* s = scores + row * ld;
  unsigned long long* keys = scratch ? scratch + static_cast<int64_t>(blockIdx.x) * keysPerRow : sharedKeys;

  // ---- 1. Radix select. Invariant: among the unmasked items whose key matches `prefix` on
  // `prefixMask`, the wanted one is the `remaining`-th largest; `above` items beat them all.
  unsigned prefix = 0u, prefixMask = 0u;
  int remaining = k, above = 0, eqCount = 0;
  bool takeAll = false;  // fewer than k + 1 unmasked items: take every one
  for (int pass = 0; pass < kPasses; ++pass) {
    const int shift = pass == 0 ? 21 : pass == 1 ? 10 : 0;
    const unsigned digitMask = pass == 2 ? 0x3ffu : 0x7ffu;
    for (int b = tid; b < kBins; b += kThreads) hist[b] = 0;
    __syncthreads();
    for (int64_t base = 0; base < nItems; base += kThreads) {
      const int64_t i = base + tid;
      unsigned key = 0u;
      const bool counted = i < nItems && scoreKey(s[i], key) && (key & prefixMask) == prefix;
      const int bin = counted ? static_cast<int>((key >> shift) & digitMask) : -1;
      // Warp-aggregated increment: the lanes with the same bin add once (scores crowd into a few
      // bins of the first digit, and same-address shared atomics serialize).
      const unsigned peers = __match_any_sync(0xffffffffu, bin);
      if (counted && lane == __ffs(peers) - 1) atomicAdd(&hist[bin], __popc(peers));
    }
    __syncthreads();
    // Thread t owns bins kBins-1-8t down to kBins-8-8t, so an exclusive scan over threads counts
    // the items in higher bins.
    int local[kBinsPerThread];
    int sum = 0;
#pragma unroll
    for (int j = 0; j < kBinsPerThread; ++j) {
      local[j] = hist[kBins - 1 - kBinsPerThread * tid - j];
      sum += local[j];
    }
    int higher = 0, total = 0;
    BlockScan(scanTemp).ExclusiveSum(sum, higher, total);
    if (pass == 0 && total <= k) {  // total is the same in every thread
      takeAll = true;
      break;
    }
    // Exactly one bin holds the remaining-th largest: fewer than `remaining` items above it, at
    // least `remaining` items down to it (the matching items number at least `remaining`).
#pragma unroll
    for (int j = 0; j < kBinsPerThread; ++j) {
      if (higher < remaining && higher + local[j] >= remaining) {
        shBin = kBins - 1 - kBinsPerThread * tid - j;
        shAbove = higher;
        shCount = local[j];
      }
      higher += local[j];
    }
    __syncthreads();
    const unsigned bin = static_cast<unsigned>(shBin);
    above += shAbove;
    remaining -= shAbove;
    eqCount = shCount;
    prefix |= bin << shift;
    prefixMask |= digitMask << shift;
    __syncthreads();  // shBin/shAbove/shCount and scanTemp are reused by the next pass
  }
  // Now (unless takeAll): S = prefix is the k-th best key, `above` items have a larger key,
  // eqCount items have key S and the first `remaining` of them (by item id) complete the list.

  // ---- 2. Collection.
  if (tid == 0) shNext = 0;
  __syncthreads();
  int count;
  if (takeAll || eqCount == remaining) {
    // Every unmasked item (takeAll), or every item with key >= S: the order is fixed by the sort.
    for (int64_t i = tid; i < nItems; i += kThreads) {
      unsigned key = 0u;
      if (scoreKey(s[i], key) && (takeAll || key >= prefix)) keys[atomicAdd(&shNext, 1)] = itemKey(key, i);
    }
    __syncthreads();
    count = shNext;  // takeAll: the unmasked count (<= k); else above + remaining = k
  } else {
    // More items tie at S than are needed: the needed ones are the lowest ids, found by a
    // running count of ties in item order. Items above S go first in any order.
    int tiesBefore = 0;  // ties at S in earlier tiles; the same in every thread
    for (int64_t base = 0; base < nItems; base += kThreads) {
      const int64_t i = base + tid;
      unsigned key = 0u;
      bool tie = false;
      if (i < nItems && scoreKey(s[i], key)) {
        if (key > prefix)
          keys[atomicAdd(&shNext, 1)] = itemKey(key, i);
        else if (key == prefix)
          tie = true;
      }
      int rank = 0, tiles = 0;
      BlockScan(scanTemp).ExclusiveSum(tie ? 1 : 0, rank, tiles);
      if (tie && tiesBefore + rank < remaining) keys[above + tiesBefore + rank] = itemKey(key, i);
      tiesBefore += tiles;
      __syncthreads();  // scanTemp is reused by the next tile
    }
    count = k;
  }

  // ---- 3. Bitonic sort of keys[0, P), descending, P = the power of two >= count; 0 pads.
  int64_t P = 1;
  while (P < count) P <<= 1;
  for (int64_t i = count + tid; i < P; i += kThreads) keys[i] = 0ull;
  __syncthreads();
  for (int64_t size = 2; size <= P; size <<= 1)
    for (int64_t stride = size >> 1; stride > 0; stride >>= 1) {
      for (int64_t i = tid; i < P; i += kThreads) {
        const int64_t j = i ^ stride;
        if (j > i) {
          const unsigned long long a = keys[i], b = keys[j];
          // Runs with (i & size) == 0 sort descending, the others ascending; the last merge
          // (size = P) is one descending run.
          const bool descending = (i & size) == 0;
          if (descending ? a < b : a > b) keys[i] = b, keys[j] = a;
        }
      }
      __syncthreads();
    }

  int32_t* itemsOut = outItems + row * k;
  float* scoresOut = outScores + row * k;
  for (int r = tid; r < k; r += kThreads) {
    if (r < count) {
      const unsigned long long key = keys[r];
      itemsOut[r] = static_cast<int32_t>(0xffffffffu - static_cast<unsigned>(key & 0xffffffffull));
      scoresOut[r] = keyScore(static_cast<unsigned>(key >> 32));
    } else {
      itemsOut[r] = -1;
      scoresOut[r] = __int_as_float(0xff800000u);
    }
  }
}

}  // namespace

void launchMask(const int32_t* users, int32_t nRows, const int64_t* ptrA, const int32_t* idxA, const int64_t* ptrB,
                const int32_t* idxB, float* scores, int64_t ld) {
  if (nRows <= 0 || (!ptrA && !ptrB)) return;
  maskKernel<<<static_cast<unsigned>(nRows), kMaskThreads>>>(users, ptrA, idxA, ptrB, idxB, scores, ld);
  RF_CUDA_LAUNCHED("maskKernel");
}

int64_t selectKeysPerRow(int32_t k) {
  int64_t p = 1;
  while (p < k) p <<= 1;
  return p;
}

bool selectNeedsGlobalScratch(int32_t k) { return selectKeysPerRow(k) > kMaxSharedKeys; }

int32_t selectScratchRows(int32_t k, int32_t nRows) {
  const int64_t perRow = selectKeysPerRow(k) * static_cast<int64_t>(sizeof(unsigned long long));
  int64_t rows = kGlobalScratchBytes / perRow;
  if (rows < 1) rows = 1;
  if (rows > nRows) rows = nRows;
  return static_cast<int32_t>(rows);
}

void launchSelect(const float* scores, int64_t ld, int32_t nItems, int32_t nRows, int32_t k,
                  unsigned long long* scratch, int32_t* outItems, float* outScores) {
  if (nRows <= 0) return;
  if (k < 1 || nItems < 1) fail(code::kInternal, "launchSelect: k = " + std::to_string(k));
  const int64_t keysPerRow = selectKeysPerRow(k);
  const bool global = selectNeedsGlobalScratch(k);
  if (global && !scratch) fail(code::kInternal, "launchSelect: k = " + std::to_string(k) + " needs scratch");
  const size_t sharedBytes = global ? 0 : static_cast<size_t>(keysPerRow) * sizeof(unsigned long long);
  const int32_t step = global ? selectScratchRows(k, nRows) : nRows;
  for (int32_t r0 = 0; r0 < nRows; r0 += step) {
    const int32_t n = nRows - r0 < step ? nRows - r0 : step;
    selectKernel<<<static_cast<unsigned>(n), kThreads, sharedBytes>>>(scores, ld, nItems, r0, k,
                                                                      global ? scratch : nullptr, keysPerRow,
                                                                      outItems, outScores);
    RF_CUDA_LAUNCHED("selectKernel");
  }
}

}  // namespace rf::cuda::evalk
