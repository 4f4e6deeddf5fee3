// MRL4Rec kernels on the GPU (host-only header): nested prefix dots, Matryoshka negative
// selection from host-drawn candidates, and the nested BPR loss with its fused gradient. Each is
// the device twin of a function in recforge/matryoshka.hpp and is tested against it.
//
// Device-pointer functions (arguments named d*) take device memory, run on the calling thread's
// default stream (per-thread default stream) and validate every id on the device first
// (E_OUT_OF_RANGE, before anything is written); they wait for the device only where they return
// host values or report an error. The overloads taking std::vector upload, call, download (tests).
// Levels: validated with rf::validateLevels; at most kMaxMatryoshkaLevels (E_INVALID_ARG).
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/cuda/runtime.hpp"
#include "recforge/cuda/workspace.hpp"
#include "recforge/matryoshka.hpp"

namespace rf::cuda {

inline constexpr int32_t kMaxMatryoshkaLevels = 32;

// out[q * K + k] = <t[rowA[q]][:d_k], t[rowB[q]][:d_k]> (rf::prefixDotsBatch). dTable has
// tableRows x dim floats; rows outside [0, tableRows) are E_OUT_OF_RANGE. Sums are float, one warp
// per pair, so the rounding differs slightly from the CPU's 8-lane sums.
void prefixDotsBatch(const float* dTable, int64_t tableRows, int32_t dim, const int32_t* dRowA, const int32_t* dRowB,
                     int64_t n, const MatryoshkaLevels& levels, float* dOut, IdCheck& check);
std::vector<float> prefixDotsBatch(const std::vector<float>& table, int32_t dim, const std::vector<int32_t>& rowA,
                                   const std::vector<int32_t>& rowB, const MatryoshkaLevels& levels);

// Host side of negative selection: the candidates rf::sampleMatryoshkaNegatives would draw, in
// its order (triple q uses Rng(hash3(seed, epoch, kMatryoshkaStreamTag), firstTriple + q) and
// draws group by group with sampler.draw). candidates: n * groups * levels.candidates item ids,
// groups = negativesPerTriple(mode, levels). Ids are range-checked (E_OUT_OF_RANGE).
void drawMatryoshkaCandidates(const int32_t* users, const int32_t* pos, int64_t n, const NegativeSampler& sampler,
                              int32_t nUsers, int32_t nItems, const MatryoshkaLevels& levels, MatryoshkaMode mode,
                              const MatryoshkaSampleOptions& options, int32_t* candidates);

// Device side: for triple q and group k, the candidate of
// dCandidates[(q * groups + k) * N .. + N) with the highest score <z_u[:w], z_c[:w]> (w = d_k for
// kMns, the last level otherwise), ties and NaN as the CPU (strict >, the first drawn wins).
// dFinal: (nUsers + nItems) x dim, users first. Writes dNegatives[q * groups + k] (item ids).
// With candidates from drawMatryoshkaCandidates this is rf::sampleMatryoshkaNegatives; the
// choices equal the CPU's whenever no two candidates' scores are within float rounding.
void selectMatryoshkaNegatives(const int32_t* dUsers, int64_t n, const int32_t* dCandidates, int32_t nUsers,
                               int32_t nItems, const float* dFinal, int32_t dim, const MatryoshkaLevels& levels,
                               MatryoshkaMode mode, int32_t* dNegatives, IdCheck& check);
std::vector<int32_t> selectMatryoshkaNegatives(const std::vector<int32_t>& users, const std::vector<int32_t>& candidates,
                                               int32_t nUsers, int32_t nItems, const std::vector<float>& final,
                                               int32_t dim, const MatryoshkaLevels& levels, MatryoshkaMode mode);

// Scratch of matryoshkaLossGrad, grown on demand and reused across calls.
struct MatryoshkaWorkspace {
  DeviceBuffer<double> rowNorm, softplusTerm, normTerm, sums;
  DeviceBuffer<float> coef;
  KeyGroups groups;
  IdCheck check;
};

// rf::matryoshkaLossGrad on the device. The batch is rf::mapMatryoshkaBatch's, uploaded:
// dSlots (n * (2 + perTriple) positions in rows), dRows (rows global row ids, each < egoRows).
// dFinal: rows x dim (row q = dRows[q]); dEgo: egoRows x dim. Writes dGradFinal (rows x dim) and
// dRegCoef (rows) and returns the loss (waits for the device: a few doubles come back).
// Deterministic: per-triple terms first, then each gradient row is summed by one warp over its
// contributions in triple order (stable radix sort of the slots by row), loss sums in a fixed
// tree. Matches the CPU to float rounding of the dot products (not bitwise).
MatryoshkaLoss matryoshkaLossGrad(int64_t n, const int32_t* dSlots, const int32_t* dRows, int64_t rows,
                                  const float* dFinal, const float* dEgo, int64_t egoRows, int32_t dim,
                                  const MatryoshkaLevels& levels, MatryoshkaMode mode, double lambda, double regDivisor,
                                  float* dGradFinal, float* dRegCoef, MatryoshkaWorkspace& ws);
// Host form: final is rows x dim, ego the global table; gradFinal / regCoef are resized.
MatryoshkaLoss matryoshkaLossGrad(int64_t n, const BprBatch& batch, const std::vector<float>& final,
                                  const std::vector<float>& ego, int32_t dim, const MatryoshkaLevels& levels,
                                  MatryoshkaMode mode, double lambda, double regDivisor, std::vector<float>& gradFinal,
                                  std::vector<float>& regCoef);

}  // namespace rf::cuda
