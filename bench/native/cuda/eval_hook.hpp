// Evaluation used by the CUDA benchmarks: the GPU evaluator on the device-resident final
// embeddings (no copy), with the same masks and metrics as the CPU evaluator.
#pragma once
#include <chrono>
#include <memory>

#include "recforge/cuda/evaluate.hpp"
#include "recforge/evaluate.hpp"

namespace bench {

struct EvalOutcome {
  double seconds = 0, recall = 0, ndcg = 0, precision = 0;
};

class EvalHook {
 public:
  explicit EvalHook(const rf::EvalSpec& spec) : evaluator_(std::make_unique<rf::cuda::DeviceEvaluator>(spec)) {}
  const char* backendName() const { return "GPU evaluator"; }
  // finalDevice: (users + items) x dim on the device, users first.
  EvalOutcome run(const float* finalDevice, int32_t users, int32_t items, int32_t dim) {
    auto t0 = std::chrono::steady_clock::now();
    rf::EvalResult r =
        evaluator_->evaluate(finalDevice, finalDevice + static_cast<int64_t>(users) * dim, users, items, dim);
    EvalOutcome o;
    o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    o.recall = r.meanOf(rf::Metric::Recall, 0);
    o.ndcg = r.meanOf(rf::Metric::Ndcg, 0);
    o.precision = r.meanOf(rf::Metric::Precision, 0);
    return o;
  }

 private:
  std::unique_ptr<rf::cuda::DeviceEvaluator> evaluator_;
};

}  // namespace bench
