// Counter-based random numbers shared by host and device code: a draw is a pure function of
// (seed, stream, index), so a kernel's draws can be reproduced bit for bit by plain C++ (tests,
// CPU fallbacks) whatever the launch shape. The hash is the core's rf::hash3 (SplitMix64
// finalizer chain, rng.hpp), written again here so device code can call it.
// Compiles as plain C++ too: __host__ __device__ only under nvcc.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define RF_HOST_DEVICE __host__ __device__
#else
#define RF_HOST_DEVICE
#endif

namespace rf::cuda {

// == rf::mix64.
RF_HOST_DEVICE inline uint64_t counterMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// == rf::hash3(seed, a, b).
RF_HOST_DEVICE inline uint64_t counterHash(uint64_t seed, uint64_t a, uint64_t b) {
  return counterMix64(counterMix64(counterMix64(seed) ^ a) ^ b);
}

// High 64 bits of the 128-bit product a * b.
RF_HOST_DEVICE inline uint64_t mulHigh64(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

// Uniform double in [0, 1) from the top 53 bits (as rf::Rng::uniform).
RF_HOST_DEVICE inline double unitDouble(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

inline constexpr uint64_t kAliasCoinTag = 0x414C494153434F49ull;  // "ALIASCOI"

// Draw `index` of stream (seed, stream) from a Walker alias table of `columns` (>= 1) columns
// (keep[k], alias[k], as rf::AliasTable), mapped through support[] (column -> item id):
//   h = hash(seed, stream, index), column k = floor(h * columns / 2^64),
//   kept when unitDouble(mix64(h ^ kAliasCoinTag)) < keep[k], else alias[k].
// The column is a multiply-shift without rejection: its bias is below columns / 2^64.
RF_HOST_DEVICE inline int32_t aliasCounterDraw(const double* keep, const int32_t* alias, const int32_t* support,
                                               uint32_t columns, uint64_t seed, uint64_t stream, uint64_t index) {
  const uint64_t h = counterHash(seed, stream, index);
  const uint32_t k = static_cast<uint32_t>(mulHigh64(h, columns));
  const int32_t c = unitDouble(counterMix64(h ^ kAliasCoinTag)) < keep[k] ? static_cast<int32_t>(k) : alias[k];
  return support[c];
}

inline constexpr int kCounterMaxRedraws = 64;  // == rf::FrequencyNegatives::kMaxRedraws

// Negative `slot` (0 <= slot < perExample) of SGNS example `example`: the first of up to
// kCounterMaxRedraws draws that is neither `a` nor `b` (draw indices
// (example * perExample + slot) * kCounterMaxRedraws + attempt), or -1 when every draw hit them
// (as rf::FrequencyNegatives::drawExcept, which the caller then skips).
RF_HOST_DEVICE inline int32_t aliasCounterDrawExcept(const double* keep, const int32_t* alias, const int32_t* support,
                                                     uint32_t columns, uint64_t seed, uint64_t stream, uint64_t example,
                                                     uint32_t slot, uint32_t perExample, int32_t a, int32_t b) {
  const uint64_t base = (example * perExample + slot) * static_cast<uint64_t>(kCounterMaxRedraws);
  for (int t = 0; t < kCounterMaxRedraws; ++t) {
    const int32_t j = aliasCounterDraw(keep, alias, support, columns, seed, stream, base + static_cast<uint64_t>(t));
    if (j != a && j != b) return j;
  }
  return -1;
}

}  // namespace rf::cuda
