// sgnsBatchStep (recforge/cuda/interact2vec.hpp): validates the batch on the device, then runs the
// four SGNS launches (gains, target deltas, apply inputs, apply targets) around two stable
// groupings by row, and reads back the fixed-tree loss sum.
#include <cstring>

#include "check.cuh"
#include "fixed_sum.cuh"
#include "id_check.cuh"
#include "interact2vec_sgns.cuh"
#include "key_groups.cuh"
#include "recforge/cuda/interact2vec.hpp"
#include "recforge/interact2vec_kernels.hpp"

namespace rf::cuda {

double sgnsBatchStep(float* dIn, int64_t inRows, float* dOut, int64_t outRows, int32_t dim, const SgnsBatch& batch,
                     const SgnsStep& step, SgnsWorkspace& ws) {
  if (dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (batch.width < 1) fail(code::kInvalidArgument, "an SGNS example needs at least one target");
  if (batch.examples < 0) fail(code::kInvalidArgument, "examples must be >= 0");
  if (inRows < 0 || inRows >= INT32_MAX || outRows < 0 || outRows >= INT32_MAX)
    fail(code::kInvalidArgument, "table rows must be below 2^31 - 1");
  if (batch.examples == 0) return 0.0;
  const int64_t slots = batch.examples * batch.width;
  if (slots >= INT32_MAX) fail(code::kInvalidArgument, "batch too large: examples * width must be < 2^31");
  detail::requireIdsInRange({{batch.inputs, batch.examples, 0, inRows, "inputs"},
                             {batch.targets, slots, -1, outRows, "targets"}},
                            ws.check);

  if (step.sigmoid == SgnsSigmoid::kTabulated && ws.tables.size() != static_cast<size_t>(2 * kSigmoidBins)) {
    const SigmoidTables& t = sigmoidTables();
    std::vector<float> host(static_cast<size_t>(2 * kSigmoidBins));
    std::memcpy(host.data(), t.sigmoid, sizeof(t.sigmoid));
    std::memcpy(host.data() + kSigmoidBins, t.softplusNeg, sizeof(t.softplusNeg));
    ws.tables.upload(host, "sigmoid tables");
  }
  const size_t d = static_cast<size_t>(dim);
  ensureSize(ws.gain, static_cast<size_t>(slots), "sgns gains");
  ensureSize(ws.deltaIn, static_cast<size_t>(batch.examples) * d, "sgns input deltas");
  ensureSize(ws.deltaOut, static_cast<size_t>(slots) * d, "sgns output deltas");
  ensureSize(ws.loss, static_cast<size_t>(batch.examples), "sgns losses");
  ensureSize(ws.lossSum, 1, "sgns loss sum");

  detail::SgnsArgs a{dIn,       dOut, dim, batch.inputs, batch.targets, batch.width, batch.lr, step.lr, batch.examples,
                     step.sigmoid == SgnsSigmoid::kTabulated ? 1 : 0, ws.tables.data()};
  // Reads of the snapshot: gains + input deltas, then the output deltas per touched row.
  detail::launchSgnsGains(a, ws.gain.data(), ws.deltaIn.data(), ws.loss.data());
  detail::groupByKey(batch.targets, slots, static_cast<int32_t>(outRows), ws.targetGroups);
  detail::launchSgnsTargetDeltas(a, ws.gain.data(), ws.targetGroups.sortedKeys.data(),
                                 ws.targetGroups.sortedOrder.data(), outRows, ws.deltaOut.data());
  // Writes, one kernel per table (in order, so an aliased row gets both sums, never a race).
  detail::groupByKey(batch.inputs, batch.examples, static_cast<int32_t>(inRows), ws.inputGroups);
  detail::launchSgnsApplyInputs(a, ws.deltaIn.data(), ws.inputGroups.sortedKeys.data(),
                                ws.inputGroups.sortedOrder.data(), inRows);
  detail::launchSgnsApplyTargets(a, ws.deltaOut.data(), ws.targetGroups.sortedKeys.data(), outRows);

  detail::sumColumnsFixed(ws.loss.data(), batch.examples, 1, ws.lossSum.data());
  double loss = 0;
  RF_CUDA_CHECK(cudaMemcpyAsync(&loss, ws.lossSum.data(), sizeof(double), cudaMemcpyDeviceToHost, cudaStreamPerThread));
  RF_CUDA_CHECK(cudaStreamSynchronize(cudaStreamPerThread));
  return loss;
}

double sgnsBatchStep(std::vector<float>& in, std::vector<float>& out, int32_t dim, const std::vector<int32_t>& inputs,
                     const std::vector<int32_t>& targets, int32_t width, const std::vector<float>& lr,
                     const SgnsStep& step) {
  if (dim < 1) fail(code::kInvalidArgument, "dim must be >= 1");
  if (width < 1) fail(code::kInvalidArgument, "an SGNS example needs at least one target");
  if (in.size() % static_cast<size_t>(dim) != 0 || out.size() % static_cast<size_t>(dim) != 0)
    fail(code::kShape, "table sizes must be multiples of dim");
  if (targets.size() != inputs.size() * static_cast<size_t>(width)) fail(code::kShape, "targets must be inputs x width");
  if (!lr.empty() && lr.size() != inputs.size()) fail(code::kShape, "lr must be empty or one per example");
  if (inputs.empty()) return 0.0;
  const bool same = &in == &out;
  DeviceBuffer<float> dIn(in, "input table"), dOutOwn;
  if (!same) dOutOwn.upload(out, "output table");
  float* dOut = same ? dIn.data() : dOutOwn.data();
  DeviceBuffer<int32_t> dInputs(inputs, "inputs"), dTargets(targets, "targets");
  DeviceBuffer<float> dLr;
  if (!lr.empty()) dLr.upload(lr, "learning rates");
  SgnsBatch batch;
  batch.inputs = dInputs.data();
  batch.targets = dTargets.data();
  batch.lr = lr.empty() ? nullptr : dLr.data();
  batch.examples = static_cast<int64_t>(inputs.size());
  batch.width = width;
  SgnsWorkspace ws;
  const double loss = sgnsBatchStep(dIn.data(), static_cast<int64_t>(in.size() / dim), dOut,
                                    static_cast<int64_t>(out.size() / dim), dim, batch, step, ws);
  dIn.download(in.data());
  if (!same) dOutOwn.download(out.data());
  return loss;
}

}  // namespace rf::cuda
