// Interact2Vec's frequency^alpha negatives on the GPU (host-only header): the Walker alias table
// of an rf::FrequencyNegatives, uploaded, and drawn with the counter-based generator of
// counter_rng.hpp, so counterFrequencyDraw (plain C++) reproduces every device draw bit for bit.
// (These streams differ from the CPU sampler's xoshiro draws: same distribution, other numbers.)
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/cuda/counter_rng.hpp"
#include "recforge/cuda/runtime.hpp"
#include "recforge/interact2vec_kernels.hpp"

namespace rf::cuda {

struct DeviceFrequencyNegatives {
  DeviceBuffer<double> keep;      // per alias column
  DeviceBuffer<int32_t> alias;    // per alias column
  DeviceBuffer<int32_t> support;  // alias column -> item id
  uint32_t columns = 0;
  int32_t items = 0;              // the id range of the draws: [0, items)
};

DeviceFrequencyNegatives uploadFrequencyNegatives(const FrequencyNegatives& negatives);

// dOut[i] = draw first + i of stream (seed, stream), i < count (one thread per draw).
void drawFrequencyNegatives(const DeviceFrequencyNegatives& table, uint64_t seed, uint64_t stream, uint64_t first,
                            int64_t count, int32_t* dOut);
std::vector<int32_t> drawFrequencyNegatives(const FrequencyNegatives& negatives, uint64_t seed, uint64_t stream,
                                            uint64_t first, int64_t count);

// SGNS targets for examples [0, n): row e of dTargets (width 1 + perExample) is
// {dPositives[e], negatives...}, negative k = aliasCounterDrawExcept(..., firstExample + e, k,
// perExample, positive, other) with other = dExclude[e] (e.g. the input item of an item -> item
// pair) or the positive when dExclude is null; -1 where every redraw hit them (sgnsBatchStep skips
// it). Positives are not validated here (sgnsBatchStep checks every target).
void fillSgnsTargets(const DeviceFrequencyNegatives& table, const int32_t* dPositives, const int32_t* dExclude, int64_t n,
                     int32_t perExample, uint64_t seed, uint64_t stream, uint64_t firstExample, int32_t* dTargets);
std::vector<int32_t> fillSgnsTargets(const FrequencyNegatives& negatives, const std::vector<int32_t>& positives,
                                     const std::vector<int32_t>& exclude, int32_t perExample, uint64_t seed,
                                     uint64_t stream, uint64_t firstExample);

// The host twins (plain C++, bit-identical to the device draws).
inline int32_t counterFrequencyDraw(const FrequencyNegatives& f, uint64_t seed, uint64_t stream, uint64_t index) {
  const AliasTable& a = f.aliasTable();
  return aliasCounterDraw(a.keepProbabilities().data(), a.aliases().data(), f.support().data(),
                          static_cast<uint32_t>(a.size()), seed, stream, index);
}
inline int32_t counterFrequencyDrawExcept(const FrequencyNegatives& f, uint64_t seed, uint64_t stream, uint64_t example,
                                          uint32_t slot, uint32_t perExample, int32_t a, int32_t b) {
  const AliasTable& t = f.aliasTable();
  return aliasCounterDrawExcept(t.keepProbabilities().data(), t.aliases().data(), f.support().data(),
                                static_cast<uint32_t>(t.size()), seed, stream, example, slot, perExample, a, b);
}

}  // namespace rf::cuda
