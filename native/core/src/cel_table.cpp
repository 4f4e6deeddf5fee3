#include "recforge/cel_table.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "recforge/error.hpp"
#include "recforge/parallel.hpp"
#include "recforge/rng.hpp"

namespace rf {

namespace {
enum Stream : uint64_t { kHashBucket = 0xCE1 };
}

int32_t resolveClusterCount(const ClusterBudget& b, int32_t entities) {
  const bool hasCount = b.clusters != 0, hasRatio = b.ratio != 0;
  if (hasCount == hasRatio) fail(code::kInvalidArgument, "a cluster budget needs exactly one of clusters or ratio");
  if (entities < 1) fail(code::kInvalidArgument, "a clustered table needs at least one entity");
  if (hasCount) {
    if (b.clusters < 1) fail(code::kInvalidArgument, "clusters must be >= 1, got " + std::to_string(b.clusters));
    if (b.clusters > entities)
      fail(code::kInvalidArgument, "clusters (" + std::to_string(b.clusters) + ") must not exceed the entities (" +
                                       std::to_string(entities) + ")");
    return b.clusters;
  }
  if (!(b.ratio >= 1) || !std::isfinite(b.ratio))
    fail(code::kInvalidArgument, "compression ratio must be a finite number >= 1, got " + std::to_string(b.ratio));
  return static_cast<int32_t>(std::max<double>(1.0, std::floor(entities / b.ratio)));
}

ClusteredTable ClusteredTable::create(int32_t entities, int32_t dim, int32_t capacity, ClusterInit init,
                                      const float* initRows, bool residual, uint64_t seed, const int64_t* degree,
                                      int32_t hot) {
  if (entities < 1 || dim < 1) fail(code::kInvalidArgument, "a clustered table needs entities >= 1 and dim >= 1");
  if (capacity < 1 || capacity > entities)
    fail(code::kInvalidArgument, "cluster capacity must be in [1, " + std::to_string(entities) + "], got " +
                                     std::to_string(capacity));
  if (hot < 0) fail(code::kInvalidArgument, "hot rows must be >= 0");
  if (init == ClusterInit::kFull && capacity != entities)
    fail(code::kInvalidArgument, "a full table has one cluster per entity");
  ClusteredTable t;
  t.seed = seed;
  t.entities = entities;
  t.dim = dim;
  t.capacity = capacity;
  t.assign.resize(entities);
  switch (init) {
    case ClusterInit::kFull:
      std::iota(t.assign.begin(), t.assign.end(), 0);
      break;
    case ClusterInit::kSingle:
      std::fill(t.assign.begin(), t.assign.end(), 0);
      break;
    case ClusterInit::kHashed:
      for (int32_t i = 0; i < entities; ++i) t.assign[i] = t.hashBucket(i);
      break;
    case ClusterInit::kFrequency:
    case ClusterInit::kHotTail: {
      if (!degree) fail(code::kInvalidArgument, "frequency clustering needs the entity degrees");
      std::vector<int32_t> order(entities);
      std::iota(order.begin(), order.end(), 0);
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return degree[a] > degree[b]; });
      const int32_t own = init == ClusterInit::kFrequency ? capacity - 1 : std::min(hot, capacity - 1);
      std::fill(t.assign.begin(), t.assign.end(), own);
      for (int32_t k = 0; k < own; ++k) t.assign[order[k]] = k;
      if (init == ClusterInit::kHotTail) t.pinned = own;
      break;
    }
  }
  t.centers.assign(initRows, initRows + static_cast<int64_t>(capacity) * dim);
  if (residual) t.residual.assign(static_cast<size_t>(entities) * dim, 0.0f);
  return t;
}

int32_t ClusteredTable::hashBucket(int64_t id) const {
  return static_cast<int32_t>(hash3(seed, kHashBucket, static_cast<uint64_t>(id)) % static_cast<uint64_t>(capacity));
}

std::vector<int32_t> ClusteredTable::joinableClusters() const {
  const auto n = clusterSizes();
  std::vector<int32_t> out;
  for (int32_t c = pinned; c < capacity; ++c)
    if (n[c] > 0) out.push_back(c);
  return out;
}

std::vector<int32_t> ClusteredTable::clusterSizes() const {
  std::vector<int32_t> n(capacity, 0);
  for (int32_t c : assign) ++n[c];
  return n;
}

int32_t ClusteredTable::usedClusters() const {
  const auto n = clusterSizes();
  return static_cast<int32_t>(std::count_if(n.begin(), n.end(), [](int32_t x) { return x > 0; }));
}

int64_t ClusteredTable::parameterCount() const {
  return static_cast<int64_t>(centers.size()) + static_cast<int64_t>(residual.size()) + static_cast<int64_t>(bias.size());
}

int64_t ClusteredTable::stateBytes() const { return parameterCount() * 4 + static_cast<int64_t>(assign.size()) * 4; }

void ClusteredTable::validate() const {
  if (entities < 1 || dim < 1 || capacity < 1 || capacity > entities) fail(code::kShape, "clustered table has a bad shape");
  if (static_cast<int64_t>(assign.size()) != entities) fail(code::kShape, "assignment length does not match the entities");
  if (static_cast<int64_t>(centers.size()) != static_cast<int64_t>(capacity) * dim)
    fail(code::kShape, "cluster table size does not match capacity x dim");
  if (!residual.empty() && static_cast<int64_t>(residual.size()) != static_cast<int64_t>(entities) * dim)
    fail(code::kShape, "residual size does not match entities x dim");
  if (!bias.empty() && static_cast<int64_t>(bias.size()) != entities) fail(code::kShape, "bias size does not match the entities");
  for (int32_t i = 0; i < entities; ++i)
    if (assign[i] < 0 || assign[i] >= capacity)
      fail(code::kOutOfRange, "entity " + std::to_string(i) + " is assigned to cluster " + std::to_string(assign[i]) +
                                  " outside [0, " + std::to_string(capacity) + ")");
  if (pinned < 0 || pinned >= capacity) fail(code::kShape, "pinned clusters must be in [0, capacity)");
  if (pinned > 0) {
    std::vector<int32_t> n(pinned, 0);
    for (int32_t c : assign)
      if (c < pinned) ++n[c];
    for (int32_t c = 0; c < pinned; ++c)
      if (n[c] != 1) fail(code::kOutOfRange, "pinned cluster " + std::to_string(c) + " must hold exactly one entity");
  }
}

void gatherAll(const ClusteredTable& t, float* out, int threads) {
  const int32_t d = t.dim;
  const bool res = !t.residual.empty(), bias = !t.bias.empty();
  parallelChunks(t.entities, resolveThreads(threads, t.entities / 4096 + 1), [&](int64_t i0, int64_t i1, int) {
    for (int64_t i = i0; i < i1; ++i) {
      const float* w = t.centers.data() + static_cast<int64_t>(t.assign[i]) * d;
      float* o = out + i * d;
      if (!res) {
        std::copy(w, w + d, o);
      } else {
        const float* r = t.residual.data() + i * d;
        for (int32_t j = 0; j < d; ++j) o[j] = w[j] + r[j];
      }
      if (bias) o[d - 1] = t.bias[i];
    }
  });
}

void scatterGradients(const ClusteredTable& t, const int32_t* rows, int64_t n, const float* G, float* gradSlots,
                      std::vector<int32_t>& touched, int32_t* slot, float* gradResidual, float residualLambda) {
  const int32_t d = t.dim;
  for (int64_t q = 0; q < n; ++q) {
    const int32_t i = rows[q];
    if (i < 0 || i >= t.entities) fail(code::kOutOfRange, "scatter row " + std::to_string(i) + " is not an entity");
    if (q > 0 && rows[q - 1] >= i) fail(code::kInvalidArgument, "scatter rows must be strictly ascending");
    const int32_t c = t.assign[i];
    const float* g = G + static_cast<int64_t>(i) * d;
    if (slot[c] < 0) {
      slot[c] = static_cast<int32_t>(touched.size());
      touched.push_back(c);
      std::copy(g, g + d, gradSlots + static_cast<int64_t>(slot[c]) * d);
    } else {
      float* w = gradSlots + static_cast<int64_t>(slot[c]) * d;
      for (int32_t j = 0; j < d; ++j) w[j] += g[j];
    }
    if (gradResidual && !t.residual.empty()) {
      const float* r = t.residual.data() + static_cast<int64_t>(i) * d;
      float* gr = gradResidual + q * d;
      for (int32_t j = 0; j < d; ++j) gr[j] = g[j] + residualLambda * r[j];
    }
  }
}

}  // namespace rf
