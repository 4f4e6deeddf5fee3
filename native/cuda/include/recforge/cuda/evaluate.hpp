// Full-ranking evaluation on the GPU, with the CPU evaluator's semantics and results
// (recforge/evaluate.hpp): every user with a relevant item is scored against every item, items in
// mask/extraMask are never recommended, higher score first, ties to the lower item id, a NaN score
// ranks like -inf; metrics come from the core's own code (recforge/eval_parts.hpp) applied to the
// GPU's top-K lists. Host-only header: no CUDA include, usable from plain C++.
//
// Scores are fp32 inner products summed over d = 0..dim-1 in order with one fused multiply-add per
// term (no tensor cores, no TF32): bit-identical to the CPU evaluator's FMA kernels, so the lists
// match it exactly (a CPU build without FMA contraction differs by rounding, i.e. only on
// near-ties, and can turn an overflowing inf - inf into NaN where the fused sum stays +-inf: with
// finite tables a fused sum is never NaN, so the NaN rule is only a safeguard here).
//
// Errors: those of the CPU evaluator (E_SHAPE, E_INVALID_ARG, E_OUT_OF_RANGE, E_NONFINITE, E_EMPTY,
// E_ABORTED between user chunks), then the runtime's E_NO_DEVICE / E_DEVICE_OOM / E_DEVICE.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "recforge/evaluate.hpp"

namespace rf::cuda {

// Each evaluated user's best unmasked items, best first.
struct TopKLists {
  std::vector<int32_t> users;  // evaluated users (truth rows with a relevant item), ascending
  int32_t k = 0;               // entries per user: the spec's largest cutoff
  std::vector<int32_t> items;  // users.size() x k; a user with fewer unmasked items is padded with -1
  std::vector<float> scores;   // the same layout; NaN scores appear as -inf, padding is -inf
};

// Evaluation against tables that already live on the GPU (a trainer calls this every few epochs
// without copying embeddings to the host). The constructor validates the spec as the CPU
// evaluator does (nItems = truth.cols), copies truth to the host side for the metrics and uploads
// the masks once. The tables are dense row-major fp32, nUsers x dim and nItems x dim, in device
// memory; work that writes them must have finished (or be queued on this thread's default
// stream) before a call. Calls are synchronous. One evaluator must not be used by two threads at once.
class DeviceEvaluator {
 public:
  explicit DeviceEvaluator(const EvalSpec& spec);
  ~DeviceEvaluator();
  DeviceEvaluator(DeviceEvaluator&&) noexcept;
  DeviceEvaluator& operator=(DeviceEvaluator&&) noexcept;
  DeviceEvaluator(const DeviceEvaluator&) = delete;
  DeviceEvaluator& operator=(const DeviceEvaluator&) = delete;

  int32_t nUsers() const;  // truth.rows
  int32_t nItems() const;  // truth.cols

  // The metrics of rf::evaluateEmbeddings. E_SHAPE when nUsers/nItems disagree with truth or
  // dim < 1, E_INVALID_ARG for a null table, E_NONFINITE for NaN/Inf in a table (checked on the
  // GPU), E_EMPTY when no user has a relevant item.
  EvalResult evaluate(const float* dUsers, const float* dItems, int32_t nUsers, int32_t nItems, int32_t dim,
                      const JobControl& ctl = {}) const;
  // rf::evaluateEmbeddingPrefixes: result l ranks by the first dims[l] coordinates (dims
  // non-empty, strictly increasing, in [1, dim]; E_INVALID_ARG otherwise). Each level is scored
  // separately (cost: sum of dims), with the CPU's summation order, so level l equals evaluate()
  // of the tables truncated to dims[l] columns.
  std::vector<EvalResult> evaluatePrefixes(const float* dUsers, const float* dItems, int32_t nUsers,
                                           int32_t nItems, int32_t dim, const std::vector<int32_t>& dims,
                                           const JobControl& ctl = {}) const;
  // The lists evaluate() computes its metrics from (k = the largest cutoff).
  TopKLists topK(const float* dUsers, const float* dItems, int32_t nUsers, int32_t nItems, int32_t dim,
                 const JobControl& ctl = {}) const;

  // Caps the GPU score buffer (users of one chunk x items, fp32). Default 1 GiB, and at most half
  // the free device memory at call time; never less than one tile of 128 users. For tests.
  void setScoreBufferBytes(size_t bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// rf::evaluateEmbeddings with host tables: the same checks (before any device work), the same
// errors and the same results.
EvalResult evaluateEmbeddings(const MatrixView& users, const MatrixView& items, const EvalSpec& spec,
                              const JobControl& ctl = {});
// rf::evaluateEmbeddingPrefixes with host tables.
std::vector<EvalResult> evaluateEmbeddingPrefixes(const MatrixView& users, const MatrixView& items,
                                                  const std::vector<int32_t>& dims, const EvalSpec& spec,
                                                  const JobControl& ctl = {});
// The top-K lists of evaluateEmbeddings (k = the spec's largest cutoff), for tests and serving.
TopKLists topK(const MatrixView& users, const MatrixView& items, const EvalSpec& spec, const JobControl& ctl = {});

}  // namespace rf::cuda
