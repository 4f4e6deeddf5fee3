// Evaluation used by the CUDA benchmarks: the GPU evaluator when the backend has one, else the
// CPU evaluator on downloaded embeddings (named in the output either way).
#pragma once
#include <chrono>
#include <vector>

#include "recforge/cuda/runtime.hpp"
#include "recforge/evaluate.hpp"

namespace bench {

struct EvalOutcome {
  double seconds = 0, recall = 0, ndcg = 0, precision = 0;
};

class EvalHook {
 public:
  EvalHook(const rf::Csr& truth, const rf::Csr& mask, const rf::EvalSpec& spec) : spec_(spec) {
    (void)truth, (void)mask;
  }
  const char* backendName() const { return "cpu evaluator on downloaded embeddings"; }
  // finalDevice: (users + items) x dim on the device, users first.
  EvalOutcome run(const float* finalDevice, int32_t users, int32_t items, int32_t dim) {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<float> host(static_cast<size_t>(users + items) * dim);
    rf::cuda::copyToHost(host.data(), finalDevice, host.size() * sizeof(float));
    rf::EvalResult r = rf::evaluateEmbeddings({host.data(), users, dim},
                                              {host.data() + static_cast<int64_t>(users) * dim, items, dim}, spec_);
    EvalOutcome o;
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.recall = r.meanOf(rf::Metric::Recall, 0);
    o.ndcg = r.meanOf(rf::Metric::Ndcg, 0);
    o.precision = r.meanOf(rf::Metric::Precision, 0);
    return o;
  }

 private:
  rf::EvalSpec spec_;
};

}  // namespace bench
