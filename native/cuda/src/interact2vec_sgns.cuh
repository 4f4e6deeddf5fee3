// The kernels of the batched SGNS step (interact2vec_sgns.cu), driven by sgnsBatchStep
// (interact2vec_step.cu). All reads of the tables happen in the first two launches, all writes in
// the last two, so In and Out may alias.
#pragma once
#include <cstdint>

namespace rf::cuda::detail {

struct SgnsArgs {
  float* in;
  float* out;
  int32_t dim;
  const int32_t* inputs;
  const int32_t* targets;
  int32_t width;
  const float* lr;  // per example, or nullptr
  float lrAll;
  int64_t examples;
  int tabulated;         // 1: word2vec table (tables = sigmoid[bins], then softplusNeg[bins])
  const float* tables;
};

// gain[b * width + q] (0 for skipped slots), deltaIn[b] = sum_q gain * Out[t] and loss[b].
void launchSgnsGains(const SgnsArgs& a, float* gain, float* deltaIn, double* loss);
// deltaOut[i] for each group head i of the target slots sorted by row: sum of gain * In[in_b].
void launchSgnsTargetDeltas(const SgnsArgs& a, const float* gain, const uint32_t* sortedKeys, const int32_t* sortedOrder,
                            int64_t outRows, float* deltaOut);
// In[r] += sum of deltaIn over r's examples (ascending), for each group head of the sorted inputs.
void launchSgnsApplyInputs(const SgnsArgs& a, const float* deltaIn, const uint32_t* sortedKeys,
                           const int32_t* sortedOrder, int64_t inRows);
// Out[t] += deltaOut[i] for each group head i of the sorted target slots.
void launchSgnsApplyTargets(const SgnsArgs& a, const float* deltaOut, const uint32_t* sortedKeys, int64_t outRows);

}  // namespace rf::cuda::detail
