// LightGCN propagation on the GPU: the normalized bipartite adjacency A_hat as one CSR over all
// M + N global rows (users first), and the dense forward/backward products of ALGORITHMS.md
// Part A. Same math and summation order as the CPU's LightGcnPropagation (each output row summed
// in CSR order from +0 by one thread per column; layer mean ((E0 + E1) + ...) + EK then / (K+1);
// backward in Horner form T_k = G + A_hat T_{k-1}, dE0 = T_K / (K+1)), so results agree with the
// CPU's to float rounding (FMA contraction may differ) and are deterministic run to run.
#pragma once
#include <cstdint>

#include "recforge/csr.hpp"
#include "recforge/cuda/runtime.hpp"

namespace rf::cuda {

struct DeviceGraph {
  int32_t users = 0, items = 0;
  DeviceBuffer<int64_t> offsets;  // rows() + 1
  DeviceBuffer<int32_t> cols;     // global neighbour rows, in the CPU CSR's order
  DeviceBuffer<float> weights;    // 1/sqrt(deg deg) per edge
  int64_t rows() const { return static_cast<int64_t>(users) + items; }
  int64_t edges() const { return static_cast<int64_t>(cols.size()); }

  static DeviceGraph upload(const BipartiteGraph& g);
};

// Work buffers of one propagation (rows x dim floats each), kept between calls.
struct PropagationScratch {
  DeviceBuffer<float> a, b, sum;
  void ensure(int64_t floats);
};

// dst = A_hat src on every row (one layer; device pointers, rows x dim). For benchmarks and tests.
void propagateLayer(const DeviceGraph& g, const float* src, float* dst, int32_t dim);
// final = mean_{k=0..K} A_hat^k ego (device pointers, rows x dim). K = 0 copies ego.
// lastRows (optional, device, sorted, duplicates allowed): the last layer and the mean are computed
// for these rows only (a training step reads the final rows of its batch only); other rows of
// `final` are left as they were. Ignored for K = 0.
void propagateForward(const DeviceGraph& g, const float* ego, float* final, int32_t dim, int32_t layers,
                      PropagationScratch& scratch, const int32_t* lastRows = nullptr, int64_t lastCount = 0);
// dE0 = mean_{k=0..K} A_hat^k grad (A_hat is symmetric). grad and dE0 may not alias.
// gradRows (optional, device, one flag per row): grad is zero on rows whose flag is 0, so the
// first product reads only flagged rows (exact: the skipped terms are zeros).
void propagateBackward(const DeviceGraph& g, const float* grad, float* dE0, int32_t dim, int32_t layers,
                       PropagationScratch& scratch, const uint8_t* gradRows = nullptr);

}  // namespace rf::cuda
