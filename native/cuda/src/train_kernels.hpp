// Internal to the CUDA backend: host launchers of the training kernels (device pointers, default
// per-thread stream, asynchronous). Host-only declarations, so the trainer is plain C++.
#pragma once
#include <cstdint>

#include "recforge/cuda/runtime.hpp"
#include "recforge/optimizer.hpp"

namespace rf::cuda::detail {

// Scratch of the BPR loss: per-triple terms, the slot sort and its CUB workspace.
struct BprWorkspace {
  DeviceBuffer<double> softplusTerm, normTerm;
  DeviceBuffer<float> coef;
  DeviceBuffer<int32_t> keys, keysSorted, vals, valsSorted;
  DeviceBuffer<unsigned char> cubTemp;
  int64_t capacity = 0;
  int64_t preparedTriples = -1;  // batch length of the last prepareBatch
  void ensure(int64_t triples, int64_t rows);
};

// First part of a step: sorts the batch's 3n row occurrences by row (stable; ws.keysSorted then
// lists the rows the batch touches, ascending, with repeats) and sets rowFlags (rows bytes) to 1
// on those rows, 0 elsewhere.
void prepareBatch(const int32_t* triples, int64_t n, int32_t users, int64_t rows, uint8_t* rowFlags,
                  BprWorkspace& ws);

// Batch loss terms on the device: out[0] = bpr (mean softplus), out[1] = reg, out[2] = loss.
// epochSum[0] += loss, epochSum[1] += 1 when epochSum is set (one thread: a fixed order).
//
// Needs prepareBatch on the same triples first. final needs valid rows on the batch rows only.
// triples: n x 3 int32 (user, item, item) on the device, ids already validated. final and ego:
// rows x dim. Writes gradFinal (rows x dim: zero except batch rows) and regCoef (rows: the L2
// gradient factor lambda * occurrences / regDivisor, zero elsewhere), like rf::bprLossGrad.
void bprLossGrad(const int32_t* triples, int64_t n, int32_t users, int64_t rows, const float* final, const float* ego,
                 int32_t dim, double lambda, double regDivisor, float* gradFinal, float* regCoef, double* out,
                 double* epochSum, BprWorkspace& ws);

// g = dE0 + regCoef[row] * ego (only where regCoef != 0), then the update, for every element.
// Adam with the CPU's float operation order (rf::adamUpdate); SGD: p -= lr * g.
void denseAdam(float* p, float* m, float* v, const float* dE0, const float* regCoef, const float* ego, int64_t rows,
               int32_t dim, const AdamStep& s);
void denseSgd(float* p, const float* dE0, const float* regCoef, int64_t rows, int32_t dim, float lr);
// dE0 + L2 part without an update (gradient(): tests and diagnostics).
void addL2(float* g, const float* regCoef, const float* ego, int64_t rows, int32_t dim);

// Matryoshka step: the slots of matryoshkaLossGrad with the identity row map (row q = global row
// q), stride = 2 + perTriple per triple: users[q], nUsers + pos[q], then nUsers + negatives[q *
// perTriple + k] for k < perTriple (rf::mapMatryoshkaBatch's slot order, global rows instead of
// batch positions). rowFlags (rows bytes) is set to 1 on the rows the slots name, 0 elsewhere.
// Ids are not checked here (matryoshkaLossGrad checks the slots).
void matryoshkaSlots(const int32_t* users, const int32_t* pos, const int32_t* negatives, int64_t n, int32_t perTriple,
                     int32_t nUsers, int64_t rows, int32_t* slots, uint8_t* rowFlags);

}  // namespace rf::cuda::detail
