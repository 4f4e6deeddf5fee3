#include "graph_pull.hpp"

#include "recforge/simd.hpp"

namespace rf::detail {

namespace {

using simd::f32x8;

// Neighbour list of one global row, with the offset that turns a neighbour id into a global row.
struct Neighbours {
  const int32_t* ids;
  const float* weights;
  int64_t count;
  int64_t base;
};

RF_SIMD_INLINE Neighbours neighboursOf(const BipartiteGraph& g, int64_t r) {
  const int32_t m = g.nUsers();
  if (r < m) {
    const int64_t b = g.userItems.indptr[r];
    return {g.userItems.indices.data() + b, g.userNorm.data() + b, g.userItems.indptr[r + 1] - b, m};
  }
  const int64_t i = r - m;
  const int64_t b = g.itemUsers.indptr[i];
  return {g.itemUsers.indices.data() + b, g.itemNorm.data() + b, g.itemUsers.indptr[i + 1] - b, 0};
}

// How many edges ahead to prefetch: source rows are scattered over a table larger than L2. The
// cursor runs over the whole block's edge stream, across row boundaries, so short rows (most
// users and items have few edges) get their first gathers prefetched too. Measured on Gowalla
// (d = 64): 16 edges across rows beat 8 edges within the row by ~12%; 12..32 are within noise.
constexpr int kPrefetch = 16;

// Walks the edges of rows[0..n) in order, prefetching the source row of each admitted edge.
template <int V, bool Masked>
struct PrefetchCursor {
  const PullSpec& s;
  const int32_t* rows;
  int64_t n, q = 0, e = 0;
  Neighbours nb;
  RF_SIMD_INLINE PrefetchCursor(const PullSpec& spec, const int32_t* r, int64_t count) : s(spec), rows(r), n(count) {
    nb = n > 0 ? neighboursOf(*s.graph, rows[0]) : Neighbours{nullptr, nullptr, 0, 0};
    for (int k = 0; k < kPrefetch; ++k) advance();
  }
  RF_SIMD_INLINE void advance() {
    while (e >= nb.count) {
      if (++q >= n) return;
      nb = neighboursOf(*s.graph, rows[q]);
      e = 0;
    }
    const int64_t c = nb.base + nb.ids[e++];
    if (Masked && s.level[c] > s.maxLevel) return;  // never read: do not fetch it
    const float* ahead = s.src + c * (8 * V);
    for (int v = 0; v < V; v += 2) __builtin_prefetch(ahead + 8 * v);  // every 64-byte line
  }
};

// dim = 8 * V: the whole output row lives in V vector registers across the edge loop (8-float
// vectors: see simd.hpp for why not 16).
template <int V, bool Masked>
RF_SIMD_INLINE void gatherFixed(const PullSpec& s, const Neighbours& nb, float* out, PrefetchCursor<V, Masked>& pf) {
  f32x8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = simd::splat8(0.0f);
  for (int64_t e = 0; e < nb.count; ++e) {
    pf.advance();
    const int64_t c = nb.base + nb.ids[e];
    if (Masked && s.level[c] > s.maxLevel) continue;
    const float* x = s.src + c * (8 * V);
    const f32x8 w = simd::splat8(nb.weights[e]);
    for (int v = 0; v < V; ++v) acc[v] += w * simd::load8(x + 8 * v);
  }
  for (int v = 0; v < V; ++v) simd::store8(out + 8 * v, acc[v]);
}

template <int V, bool Masked>
RF_SIMD_INLINE void pullFixed(const PullSpec& s, const int32_t* rows, int64_t n, float* dst, bool scatter) {
  PrefetchCursor<V, Masked> pf(s, rows, n);
  for (int64_t q = 0; q < n; ++q) {
    const Neighbours nb = neighboursOf(*s.graph, rows[q]);
    gatherFixed<V, Masked>(s, nb, dst + (scatter ? static_cast<int64_t>(rows[q]) : q) * (8 * V), pf);
  }
}

// Any dim: accumulate in the (L1-resident) output row.
template <bool Masked>
RF_SIMD_INLINE void gatherAny(const PullSpec& s, const Neighbours& nb, float* out) {
  const int32_t d = s.dim;
  for (int32_t j = 0; j < d; ++j) out[j] = 0.0f;
  for (int64_t e = 0; e < nb.count; ++e) {
    const int64_t c = nb.base + nb.ids[e];
    if (Masked && s.level[c] > s.maxLevel) continue;
    const float* x = s.src + c * d;
    const float w = nb.weights[e];
    for (int32_t j = 0; j < d; ++j) out[j] += w * x[j];
  }
}

template <bool Masked>
RF_SIMD_INLINE void pullAll(const PullSpec& s, const int32_t* rows, int64_t n, float* dst, bool scatter) {
  switch (s.dim) {
    case 8: return pullFixed<1, Masked>(s, rows, n, dst, scatter);
    case 16: return pullFixed<2, Masked>(s, rows, n, dst, scatter);
    case 32: return pullFixed<4, Masked>(s, rows, n, dst, scatter);
    case 64: return pullFixed<8, Masked>(s, rows, n, dst, scatter);
    case 128: return pullFixed<16, Masked>(s, rows, n, dst, scatter);
    default: break;
  }
  const int32_t d = s.dim;
  for (int64_t q = 0; q < n; ++q)
    gatherAny<Masked>(s, neighboursOf(*s.graph, rows[q]), dst + (scatter ? static_cast<int64_t>(rows[q]) : q) * d);
}

// The list variants: the same accumulation as gatherFixed / gatherAny (bit-identical sums).
template <int V>
RF_SIMD_INLINE void listFixed(const ListSpec& s, int64_t b, int64_t e, float* out) {
  f32x8 acc[V];
  for (int v = 0; v < V; ++v) acc[v] = simd::splat8(0.0f);
  for (; b < e; ++b) {
    const float* x = s.src + static_cast<int64_t>(s.slots[b]) * (8 * V);
    const f32x8 w = simd::splat8(s.weights[b]);
    for (int v = 0; v < V; ++v) acc[v] += w * simd::load8(x + 8 * v);
  }
  for (int v = 0; v < V; ++v) simd::store8(out + 8 * v, acc[v]);
}

RF_SIMD_INLINE void listAny(const ListSpec& s, int64_t b, int64_t e, float* out) {
  const int32_t d = s.dim;
  for (int32_t j = 0; j < d; ++j) out[j] = 0.0f;
  for (; b < e; ++b) {
    const float* x = s.src + static_cast<int64_t>(s.slots[b]) * d;
    const float w = s.weights[b];
    for (int32_t j = 0; j < d; ++j) out[j] += w * x[j];
  }
}

template <int V>
RF_SIMD_INLINE void listRows(const ListSpec& s, const int32_t* rows, int64_t n, float* dst, bool scatter) {
  const int32_t d = s.dim;
  for (int64_t q = 0; q < n; ++q) {
    float* out = dst + (scatter ? static_cast<int64_t>(rows[q]) : q) * d;
    const int64_t b = s.offsets[rows[q]], e = s.offsets[rows[q] + 1];
    if (V > 0)
      listFixed<(V > 0 ? V : 1)>(s, b, e, out);
    else
      listAny(s, b, e, out);
  }
}

}  // namespace

RF_HOT_CLONES
void divideAll(float* x, int64_t n, float divisor) {
  for (int64_t k = 0; k < n; ++k) x[k] = x[k] / divisor;
}

RF_HOT_CLONES
void pullLists(const ListSpec& spec, const int32_t* rows, int64_t n, float* dst, bool scatter) {
  switch (spec.dim) {
    case 8: return listRows<1>(spec, rows, n, dst, scatter);
    case 16: return listRows<2>(spec, rows, n, dst, scatter);
    case 32: return listRows<4>(spec, rows, n, dst, scatter);
    case 64: return listRows<8>(spec, rows, n, dst, scatter);
    case 128: return listRows<16>(spec, rows, n, dst, scatter);
    default: return listRows<0>(spec, rows, n, dst, scatter);
  }
}

RF_HOT_CLONES
void pullRows(const PullSpec& spec, const int32_t* rows, int64_t n, float* dst, bool scatter) {
  if (spec.level)
    pullAll<true>(spec, rows, n, dst, scatter);
  else
    pullAll<false>(spec, rows, n, dst, scatter);
}

}  // namespace rf::detail
