// GPU full-ranking evaluation at the Gowalla shape (29,858 users x 40,981 items, d = 64), against
// the CPU evaluator on the same data. Usage: bench_eval_cuda [train.txt test.txt] [runs]
// With the LightGCN-format files (default /work/shared/datasets/gowalla) the real train mask and
// test truth are used, else a synthetic split of the same shape; embeddings are random.
// Prints the median seconds of: the host entry (upload + evaluate), DeviceEvaluator::evaluate on
// device-resident tables (the trainer's path), and one CPU evaluation, plus the largest
// difference between the GPU's and the CPU's mean metrics.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../bench_util.hpp"
#include "recforge/cuda/evaluate.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/rng.hpp"

int main(int argc, char** argv) {
  const std::string trainPath = argc > 2 ? argv[1] : "/work/shared/datasets/gowalla/train.txt";
  const std::string testPath = argc > 2 ? argv[2] : "/work/shared/datasets/gowalla/test.txt";
  const int runs = argc > 3 ? std::atoi(argv[3]) : (argc == 2 ? std::atoi(argv[1]) : 5);
  const int32_t dim = 64;

  bench::EvalWorkload w = bench::loadEvalWorkload(trainPath, testPath, dim);
  const bool real = w.real;
  const rf::Interactions &train = w.train, &test = w.test;
  const int32_t nUsers = w.nUsers, nItems = w.nItems;
  const rf::Csr &trainCsr = w.trainCsr, &testCsr = w.testCsr;
  const std::vector<float> &U = w.U, &V = w.V;
  const rf::MatrixView users{U.data(), nUsers, dim}, items{V.data(), nItems, dim};

  const rf::cuda::DeviceInfo info = rf::cuda::probe();
  if (!info.usable) {
    std::printf("no usable GPU: %s\n", info.why.c_str());
    return 1;
  }
  std::printf("device: %s (%d SMs), data: %s (%d users, %d items), d=%d\n", info.name.c_str(), info.multiprocessors,
              real ? trainPath.c_str() : "synthetic", nUsers, nItems, dim);
  for (int32_t k : {20, 1000}) {
    const rf::EvalSpec spec{&testCsr, &trainCsr, nullptr, {k}, 0};
    rf::EvalResult gpu;
    rf::cuda::evaluateEmbeddings(users, items, spec);  // warm-up (context, module load)
    const double hostS = bench::medianSeconds(runs, [&] { gpu = rf::cuda::evaluateEmbeddings(users, items, spec); });
    const rf::cuda::DeviceEvaluator ev(spec);
    const rf::cuda::DeviceBuffer<float> dU(U, "users"), dV(V, "items");
    const double devS =
        bench::medianSeconds(runs, [&] { gpu = ev.evaluate(dU.data(), dV.data(), nUsers, nItems, dim); });
    rf::EvalResult cpu;
    const double cpuS = bench::medianSeconds(1, [&] { cpu = rf::evaluateEmbeddings(users, items, spec); });
    double worst = 0;
    for (int m = 0; m < rf::kMetricCount; ++m) worst = std::max(worst, std::fabs(gpu.mean[m][0] - cpu.mean[m][0]));
    size_t differ = 0;
    for (int m = 0; m < rf::kMetricCount; ++m)
      for (size_t u = 0; u < cpu.users.size(); ++u) differ += gpu.perUser[m][0][u] != cpu.perUser[m][0][u];
    const double flops = 2.0 * static_cast<double>(gpu.users.size()) * nItems * dim;
    std::printf("k=%d: GPU host entry %.4f s, device-resident %.4f s (%.0f GFLOP/s effective), CPU %.3f s; "
                "recall@k gpu %.6f cpu %.6f, max |mean diff| %.2e, per-user values differing %zu\n",
                k, hostS, devS, flops / devS * 1e-9, cpuS, gpu.meanOf(rf::Metric::Recall, 0),
                cpu.meanOf(rf::Metric::Recall, 0), worst, differ);
  }
  return 0;
}
