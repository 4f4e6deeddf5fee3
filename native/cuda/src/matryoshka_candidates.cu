// Host side of GPU Matryoshka negative selection: draws exactly the candidates
// rf::sampleMatryoshkaNegatives draws (same sampler, same per-triple streams, same order), so the
// device selection can be compared with the CPU's choice by choice. Host code only.
#include <string>

#include "matryoshka_terms.cuh"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf::cuda {

void drawMatryoshkaCandidates(const int32_t* users, const int32_t* pos, int64_t n, const NegativeSampler& sampler,
                              int32_t nUsers, int32_t nItems, const MatryoshkaLevels& levels, MatryoshkaMode mode,
                              const MatryoshkaSampleOptions& options, int32_t* candidates) {
  const MatryoshkaLevels lv = validateLevels(levels, levels.dims.empty() ? 1 : levels.dims.back());
  for (int64_t q = 0; q < n; ++q)
    if (users[q] < 0 || users[q] >= nUsers || pos[q] < 0 || pos[q] >= nItems)
      fail(code::kOutOfRange, "triple " + std::to_string(q) + " has an id outside its range");
  const int64_t perTriple = static_cast<int64_t>(negativesPerTriple(mode, lv)) * lv.candidates;
  const uint64_t seed = hash3(options.seed, options.epoch, kMatryoshkaStreamTag);
  parallelChunks(n, resolveThreads(options.threads, n / 256 + 1), [&](int64_t b, int64_t e, int) {
    for (int64_t q = b; q < e; ++q) {
      Rng rng(seed, static_cast<uint64_t>(options.firstTriple + q));
      int32_t* out = candidates + q * perTriple;
      for (int64_t c = 0; c < perTriple; ++c) out[c] = sampler.draw(users[q], rng);
    }
  });
}

}  // namespace rf::cuda
