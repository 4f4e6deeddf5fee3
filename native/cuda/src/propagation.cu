// LightGCN propagation kernels (propagation.hpp). One "row group" of T threads (T a power of two,
// at most a warp) owns an output row; thread t owns columns t*VEC .. of that row (float4 when the
// width allows it, so each edge moves one 16-byte load per thread, coalesced across the group).
// Edges are loaded four at a time before any is accumulated (loads in flight hide latency) but
// accumulated strictly in CSR order with fmaf from +0: the CPU's order, and deterministic.
#include <cuda_runtime.h>

#include <algorithm>

#include "check.cuh"
#include "recforge/cuda/propagation.hpp"

namespace rf::cuda {
namespace {

template <int VEC>
struct Vec;
template <>
struct Vec<4> {
  using T = float4;
  static __device__ __forceinline__ T zero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
  static __device__ __forceinline__ T fma(float w, T x, T y) {
    return make_float4(fmaf(w, x.x, y.x), fmaf(w, x.y, y.y), fmaf(w, x.z, y.z), fmaf(w, x.w, y.w));
  }
  static __device__ __forceinline__ T add(T a, T b) { return make_float4(a.x + b.x, a.y + b.y, a.z + b.z, a.w + b.w); }
  static __device__ __forceinline__ T div(T a, float d) {
    return make_float4(__fdiv_rn(a.x, d), __fdiv_rn(a.y, d), __fdiv_rn(a.z, d), __fdiv_rn(a.w, d));
  }
};
template <>
struct Vec<1> {
  using T = float;
  static __device__ __forceinline__ T zero() { return 0.f; }
  static __device__ __forceinline__ T fma(float w, T x, T y) { return fmaf(w, x, y); }
  static __device__ __forceinline__ T add(T a, T b) { return a + b; }
  static __device__ __forceinline__ T div(T a, float d) { return __fdiv_rn(a, d); }
};

struct PullArgs {
  const int64_t* offsets;
  const int32_t* cols;
  const float* weights;
  const float* src;
  int64_t rows;
  int32_t vecs;        // dim / VEC: vectors per row
  int32_t groupShift;  // log2 of threads per row
  float* raw;          // optional: raw[r] = y
  const float* add;    // optional: out[r] = add[r] + y (else y)
  float* out;          // optional
  float divisor;       // out is divided by this when != 1
  // Optional source mask: sources c with srcMask[c] == 0 are known to be zero rows and are not
  // read (skipping an exact zero term; the CPU skips the same terms).
  const uint8_t* srcMask;
  // Optional row list (sorted, duplicates allowed): only these rows are computed, each once (the
  // first of a run of equal entries).
  const int32_t* rowList;
  int64_t listLength;
};

template <int VEC>
__global__ void pullKernel(PullArgs a) {
  using V = Vec<VEC>;
  using T = typename V::T;
  const int64_t gid = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const int64_t slot = gid >> a.groupShift;
  const int lane = static_cast<int>(gid & ((1 << a.groupShift) - 1));
  int64_t row = slot;
  if (a.rowList) {
    if (slot >= a.listLength) return;
    row = a.rowList[slot];
    if (slot > 0 && a.rowList[slot - 1] == row) return;
  } else if (row >= a.rows) {
    return;
  }
  const int64_t begin = a.offsets[row], end = a.offsets[row + 1];
  const T* src = reinterpret_cast<const T*>(a.src);
  for (int32_t c = lane; c < a.vecs; c += (1 << a.groupShift)) {
    T y = V::zero();
    int64_t e = begin;
    if (a.srcMask) {
      for (; e < end; ++e) {
        const int32_t col = __ldg(a.cols + e);
        if (a.srcMask[col]) y = V::fma(__ldg(a.weights + e), src[static_cast<int64_t>(col) * a.vecs + c], y);
      }
    }
    for (; e + 4 <= end; e += 4) {
      const int32_t c0 = __ldg(a.cols + e), c1 = __ldg(a.cols + e + 1), c2 = __ldg(a.cols + e + 2),
                    c3 = __ldg(a.cols + e + 3);
      const float w0 = __ldg(a.weights + e), w1 = __ldg(a.weights + e + 1), w2 = __ldg(a.weights + e + 2),
                  w3 = __ldg(a.weights + e + 3);
      const T x0 = src[static_cast<int64_t>(c0) * a.vecs + c];
      const T x1 = src[static_cast<int64_t>(c1) * a.vecs + c];
      const T x2 = src[static_cast<int64_t>(c2) * a.vecs + c];
      const T x3 = src[static_cast<int64_t>(c3) * a.vecs + c];
      y = V::fma(w0, x0, y);
      y = V::fma(w1, x1, y);
      y = V::fma(w2, x2, y);
      y = V::fma(w3, x3, y);
    }
    for (; e < end; ++e) y = V::fma(__ldg(a.weights + e), src[static_cast<int64_t>(__ldg(a.cols + e)) * a.vecs + c], y);
    const int64_t at = row * a.vecs + c;
    if (a.raw) reinterpret_cast<T*>(a.raw)[at] = y;
    if (a.out) {
      T o = a.add ? V::add(reinterpret_cast<const T*>(a.add)[at], y) : y;
      if (a.divisor != 1.0f) o = V::div(o, a.divisor);
      reinterpret_cast<T*>(a.out)[at] = o;
    }
  }
}

void pull(const DeviceGraph& g, const float* src, int32_t dim, float* raw, const float* add, float* out, float divisor,
          const uint8_t* srcMask = nullptr, const int32_t* rowList = nullptr, int64_t listLength = 0) {
  const int vec = dim % 4 == 0 ? 4 : 1;
  PullArgs a{g.offsets.data(), g.cols.data(), g.weights.data(), src, g.rows(), dim / vec, 0, raw, add, out, divisor,
             srcMask, rowList, listLength};
  int threads = 1;
  while (threads < a.vecs && threads < 32) threads *= 2;
  while ((1 << a.groupShift) < threads) ++a.groupShift;
  const int block = 256;
  const int64_t total = (rowList ? listLength : a.rows) << a.groupShift;
  const unsigned grid = static_cast<unsigned>((total + block - 1) / block);
  if (grid == 0) return;
  if (vec == 4)
    pullKernel<4><<<grid, block>>>(a);
  else
    pullKernel<1><<<grid, block>>>(a);
  RF_CUDA_LAUNCHED("pullKernel");
}

void checkDim(int32_t dim, int32_t layers) {
  if (dim <= 0) fail(code::kInvalidArgument, "dim must be > 0");
  if (layers < 0) fail(code::kInvalidArgument, "layers must be >= 0");
}

}  // namespace

void propagateLayer(const DeviceGraph& g, const float* src, float* dst, int32_t dim) {
  checkDim(dim, 1);
  pull(g, src, dim, nullptr, nullptr, dst, 1.0f);
}

void propagateForward(const DeviceGraph& g, const float* ego, float* final, int32_t dim, int32_t layers,
                      PropagationScratch& s, const int32_t* lastRows, int64_t lastCount) {
  checkDim(dim, layers);
  const int64_t n = g.rows() * dim;
  if (layers == 0) {
    if (n) copyOnDevice(final, ego, n * sizeof(float));
    return;
  }
  const float div = static_cast<float>(layers + 1);
  if (layers == 1) {
    pull(g, ego, dim, nullptr, ego, final, div, nullptr, lastRows, lastCount);
    return;
  }
  s.ensure(n);
  // E1 -> a, sum = E0 + E1; then E_k alternates between a and b; the last layer writes the mean.
  float* prev = s.a.data();
  float* next = s.b.data();
  pull(g, ego, dim, prev, ego, s.sum.data(), 1.0f);
  for (int32_t k = 2; k < layers; ++k) {
    pull(g, prev, dim, next, s.sum.data(), s.sum.data(), 1.0f);
    std::swap(prev, next);
  }
  pull(g, prev, dim, nullptr, s.sum.data(), final, div, nullptr, lastRows, lastCount);
}

void propagateBackward(const DeviceGraph& g, const float* grad, float* dE0, int32_t dim, int32_t layers,
                       PropagationScratch& s, const uint8_t* gradRows) {
  checkDim(dim, layers);
  const int64_t n = g.rows() * dim;
  if (layers == 0) {
    if (n) copyOnDevice(dE0, grad, n * sizeof(float));
    return;
  }
  const float div = static_cast<float>(layers + 1);
  s.ensure(n);
  // T_0 = G; T_k = G + A_hat T_{k-1}; dE0 = T_K / (K+1).
  const float* prev = grad;
  float* bufs[2] = {s.a.data(), s.b.data()};
  for (int32_t k = 1; k < layers; ++k) {
    float* next = bufs[k & 1];
    pull(g, prev, dim, nullptr, grad, next, 1.0f, k == 1 ? gradRows : nullptr);
    prev = next;
  }
  pull(g, prev, dim, nullptr, grad, dE0, div, layers == 1 ? gradRows : nullptr);
}

}  // namespace rf::cuda
