// Interact2Vec's SGNS update on the GPU (host-only header): one batched, deterministic step.
//
// The CPU's Hogwild SGD (rf::sgnsUpdate per interaction) is order-dependent; on the device a batch
// of examples is applied as one synchronous step on a snapshot of both tables. Example b has an
// input row in[b] of table In and targets t[b][0..W) of table Out (t[b][0] the positive, label 1;
// the rest negatives, label 0; -1 = no target, skipped):
//   s = <In[in_b], Out[t]>, g = lr_b * (label - sigmoid(s))          (snapshot values)
//   In[r]  += sum over examples b with in_b = r (ascending b) of sum_q g_bq Out[t_bq]
//   Out[t] += sum over slots (b, q) with t_bq = t (ascending b, q)  of g_bq In[in_b]
// Every sum is taken in that fixed order by one warp (stable radix sort of the slots by row):
// no float atomics, the same bits on every run. In and Out may be the same table (item -> item):
// all deltas are computed from the snapshot before any row is written. For one example with
// distinct targets this is rf::sgnsUpdate (which reads a target it already updated only when a
// target repeats), up to FMA contraction (a few ulps).
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/cuda/runtime.hpp"
#include "recforge/cuda/workspace.hpp"

namespace rf::cuda {

enum class SgnsSigmoid {
  kTabulated,  // word2vec's table, bit-for-bit the CPU's (rf::tabulatedSigmoid / tabulatedNegLogSigmoid)
  kExact,      // 1 / (1 + e^-s) and softplus in double, rounded to float
};

struct SgnsBatch {
  const int32_t* inputs = nullptr;   // device, size examples: rows of In
  const int32_t* targets = nullptr;  // device, examples x width: rows of Out or -1
  const float* lr = nullptr;         // device, size examples, or nullptr: every example uses SgnsStep::lr
  int64_t examples = 0;
  int32_t width = 0;                 // targets per example (1 + negatives)
};

struct SgnsStep {
  float lr = 0.025f;
  SgnsSigmoid sigmoid = SgnsSigmoid::kTabulated;
};

// Scratch of sgnsBatchStep, grown on demand and reused across calls.
struct SgnsWorkspace {
  DeviceBuffer<float> tables;   // the CPU's sigmoid tables, uploaded on first use
  DeviceBuffer<float> gain;     // examples x width: g_bq (0 for skipped slots)
  DeviceBuffer<float> deltaIn;  // examples x dim
  DeviceBuffer<float> deltaOut; // (examples x width) x dim, indexed by sorted slot position
  DeviceBuffer<double> loss, lossSum;
  KeyGroups inputGroups, targetGroups;
  IdCheck check;
};

// One batched step on dIn (inRows x dim) and dOut (outRows x dim, may equal dIn). Ids are
// validated on the device first (E_OUT_OF_RANGE before any write). Returns the summed loss of
// every target, -log sigmoid(+-s) on the snapshot (tabulated or exact, as chosen), summed per
// example in float in target order (as rf::sgnsUpdate returns it), then over examples in double in
// a fixed tree. Waits for the device (the loss comes back).
double sgnsBatchStep(float* dIn, int64_t inRows, float* dOut, int64_t outRows, int32_t dim, const SgnsBatch& batch,
                     const SgnsStep& step, SgnsWorkspace& ws);
// Host form: the tables are updated in place; pass the same vector twice for In == Out.
// lr empty: every example uses step.lr.
double sgnsBatchStep(std::vector<float>& in, std::vector<float>& out, int32_t dim, const std::vector<int32_t>& inputs,
                     const std::vector<int32_t>& targets, int32_t width, const std::vector<float>& lr,
                     const SgnsStep& step);

}  // namespace rf::cuda
