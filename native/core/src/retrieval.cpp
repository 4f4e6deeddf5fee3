// Serving-time top-k: blocks of queries are scored tile by tile with the evaluator's packed
// micro-kernel (on the prefix columns only) and fed into bounded top-K heaps; with a shortlist the
// survivors are rescored at full width and re-ranked.
#include "recforge/retrieval.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define RF_QUANT_X86 1
#define RF_QUANT_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#else
#define RF_QUANT_X86 0
#endif

#include "eval_scorers.hpp"
#include "eval_topk.hpp"
#include "recforge/parallel.hpp"
#include "recforge/simd.hpp"

namespace rf {

namespace {

using eval::Candidate;

// Full-width scores of one user against a list of items, eight items per vector. Each lane runs
// acc += u[p] * v[p] for p ascending, the evaluator micro-kernel's exact operation sequence, so a
// reranked score equals the exact path's score bit for bit (and exact and coarse-to-fine results
// agree wherever the shortlist holds the exact top-k). `panel` is scratch of width * 8 floats.
RF_HOT_CLONES void rescore(const float* u, const float* items, int32_t width, Candidate* cands, int n, float* panel) {
  constexpr int kL = simd::kLanes;
  for (int g = 0; g < n; g += kL) {
    const int m = std::min(kL, n - g);
    for (int j = 0; j < kL; ++j) {
      const float* v = j < m ? items + static_cast<int64_t>(cands[g + j].item) * width : nullptr;
      for (int32_t p = 0; p < width; ++p) panel[p * kL + j] = v ? v[p] : 0.0f;
    }
    simd::f32x8 acc{};
    for (int32_t p = 0; p < width; ++p) acc += u[p] * simd::load8(panel + p * kL);
    for (int j = 0; j < m; ++j) cands[g + j].score = acc[j] != acc[j] ? -INFINITY : acc[j];
  }
}

// Where item i's coordinates live: row-major rows (stride 1 between coordinates) or a
// PackedItems panel (stride kPanel).
struct ItemAccess {
  const float* base;
  int32_t width;
  bool packed;
  const float* row(int32_t i) const {
    constexpr int P = PackedItems::kPanel;
    return packed ? base + static_cast<int64_t>(i / P) * P * width + i % P : base + static_cast<int64_t>(i) * width;
  }
  int64_t stride() const { return packed ? PackedItems::kPanel : 1; }
};

// Scores over the first w coordinates of up to 8 items (rows[0..m)): lane j runs acc += u[p] *
// x_j[p] for p ascending, the micro-kernel's sequence, so the scores equal the tiled path's.
RF_HOT_CLONES void dot8(const float* u, const float* const* rows, int m, int64_t cs, int32_t w, float* panel,
                        float* out) {
  constexpr int kL = simd::kLanes;
  for (int j = 0; j < kL; ++j) {
    const float* v = j < m ? rows[j] : nullptr;
    for (int32_t p = 0; p < w; ++p) panel[p * kL + j] = v ? v[p * cs] : 0.0f;
  }
  simd::f32x8 acc{};
  for (int32_t p = 0; p < w; ++p) acc += u[p] * simd::load8(panel + p * kL);
  for (int j = 0; j < m; ++j) out[j] = acc[j];
}

// Offers every item to `top` in id order, scoring two panels at a time (8 independent
// accumulator chains) on the first d coordinates; a pair of panels none of whose scores beats a
// full heap's threshold is dropped without touching the masks.
RF_HOT_CLONES void scanPanels(const float* u, const float* panels, int32_t width, int32_t d, int32_t nItems,
                              eval::TopK& top) {
  using simd::f32x8;
  constexpr int P = PackedItems::kPanel;
  const int64_t ps = static_cast<int64_t>(width) * P;
  alignas(32) float tmp[2 * P];
  for (int32_t i0 = 0; i0 < nItems; i0 += 2 * P) {
    const float* a = panels + static_cast<int64_t>(i0 / P) * ps;
    const float* b = a + ps;  // a zero phantom panel past the end when the count is odd
    f32x8 a0{}, a1{}, a2{}, a3{}, b0{}, b1{}, b2{}, b3{};
    for (int32_t p = 0; p < d; ++p) {
      const float x = u[p];
      const float* pa = a + p * P;
      const float* pb = b + p * P;
      a0 += x * simd::load8(pa), a1 += x * simd::load8(pa + 8), a2 += x * simd::load8(pa + 16), a3 += x * simd::load8(pa + 24);
      b0 += x * simd::load8(pb), b1 += x * simd::load8(pb + 8), b2 += x * simd::load8(pb + 16), b3 += x * simd::load8(pb + 24);
    }
    if (top.full()) {
      const f32x8 t = simd::splat8(top.threshold());
      const auto hit = (a0 > t) | (a1 > t) | (a2 > t) | (a3 > t) | (b0 > t) | (b1 > t) | (b2 > t) | (b3 > t);
      bool any = false;
      for (int j = 0; j < simd::kLanes; ++j) any |= hit[j] != 0;
      if (!any) continue;
    }
    simd::store8(tmp, a0), simd::store8(tmp + 8, a1), simd::store8(tmp + 16, a2), simd::store8(tmp + 24, a3);
    simd::store8(tmp + 32, b0), simd::store8(tmp + 40, b1), simd::store8(tmp + 48, b2), simd::store8(tmp + 56, b3);
    const int n = std::min(2 * P, nItems - i0);
    for (int j = 0; j < n; ++j) top.offer(tmp[j], i0 + j);
  }
}

// The bf16 route's scan: every item's interval [A - E, A + E] around its approximate score;
// lower bounds feed `lower` (a top-k of lower bounds, masked like the exact heap), and items whose
// upper bound reaches the current k-th lower bound are appended to `cand` (ascending ids) with it.
RF_HOT_CLONES void scanHalf(const float* u, float unorm, const uint32_t* half, const float* bounds, int32_t width,
                            int32_t nItems, eval::TopK& lower, std::vector<Candidate>& cand) {
  using simd::f32x8;
  typedef uint32_t u32x8 __attribute__((vector_size(32)));
  constexpr int P = PackedItems::kPanel;
  const int64_t ps = static_cast<int64_t>(width) * (P / 2);
  const u32x8 hiMask = u32x8{} + 0xFFFF0000u;
  auto lo = [](u32x8 x) { return reinterpret_cast<f32x8>(x << 16); };
  auto hi = [&](u32x8 x) { return reinterpret_cast<f32x8>(x & hiMask); };
  const f32x8 un = simd::splat8(unorm);
  alignas(32) float up[2 * P], lw[2 * P];
  for (int32_t i0 = 0; i0 < nItems; i0 += 2 * P) {
    const uint32_t* a = half + static_cast<int64_t>(i0 / P) * ps;
    const uint32_t* b = a + ps;
    f32x8 acc[8] = {};
    for (int32_t p = 0; p < width; ++p) {
      const f32x8 x = simd::splat8(u[p]);
      u32x8 wa0, wa1, wb0, wb1;
      std::memcpy(&wa0, a + p * (P / 2), 32), std::memcpy(&wa1, a + p * (P / 2) + 8, 32);
      std::memcpy(&wb0, b + p * (P / 2), 32), std::memcpy(&wb1, b + p * (P / 2) + 8, 32);
      acc[0] += x * lo(wa0), acc[1] += x * hi(wa0), acc[2] += x * lo(wa1), acc[3] += x * hi(wa1);
      acc[4] += x * lo(wb0), acc[5] += x * hi(wb0), acc[6] += x * lo(wb1), acc[7] += x * hi(wb1);
    }
    const float tau = lower.full() ? lower.threshold() : -INFINITY;
    const f32x8 t = simd::splat8(tau);
    const float* bd = bounds + i0;
    bool any = false;
    for (int g = 0; g < 8; ++g) {
      const f32x8 e = un * simd::load8(bd + g * 8);
      const f32x8 hiv = acc[g] + e;
      simd::store8(up + g * 8, hiv), simd::store8(lw + g * 8, acc[g] - e);
      const auto h = hiv >= t;
      for (int j = 0; j < simd::kLanes; ++j) any |= h[j] != 0;
    }
    if (!any) continue;
    const int n = std::min(2 * P, nItems - i0);
    for (int j = 0; j < n; ++j) {
      const float ub = up[j];
      if (!(ub >= (lower.full() ? lower.threshold() : -INFINITY))) continue;
      lower.offer(lw[j], i0 + j);
      cand.push_back({ub, i0 + j});
    }
  }
}

void checkItemList(const int32_t* ids, int64_t n, int32_t nItems, const char* what) {
  for (int64_t j = 0; j < n; ++j) {
    if (ids[j] < 0 || ids[j] >= nItems)
      fail(code::kOutOfRange, std::string(what) + "[" + std::to_string(j) + "] = " + std::to_string(ids[j]) +
                                  " is outside [0, " + std::to_string(nItems) + ")");
    if (j > 0 && ids[j] <= ids[j - 1])
      fail(code::kInvalidArgument, std::string(what) + " must be ascending without duplicates");
  }
}

// Scratch of one query at a time.
struct OneScratch {
  std::vector<Candidate> heap;
  std::vector<float> panel;
  std::vector<Candidate> lower, cand;
  std::vector<int8_t> quantUser;
};

// Rescoring of a certified scan's candidates (ascending ids, c.score = the upper bound): those
// whose upper bound reaches `tau` (the final k-th best lower bound) get their exact float score,
// eight rows at a time, and are offered to `top`.
void rescoreCandidates(const float* u, const PackedItems& items, float tau, const std::vector<Candidate>& cand,
                       eval::TopK& top, OneScratch& ws) {
  const int32_t width = items.width();
  const float* rows[simd::kLanes];
  int32_t ids[simd::kLanes];
  float sc[simd::kLanes];
  int m = 0;
  auto flush = [&] {
    dot8(u, rows, m, 1, width, ws.panel.data(), sc);
    for (int j = 0; j < m; ++j) top.offer(sc[j], ids[j]);
    m = 0;
  };
  for (const Candidate& c : cand) {
    if (!(c.score >= tau)) continue;
    ids[m] = c.item, rows[m] = items.source() + static_cast<int64_t>(c.item) * width;
    if (++m == simd::kLanes) flush();
  }
  if (m) flush();
}

// ---- The int8 route -------------------------------------------------------------------------
//
// Items are quantized once with a per-item scale, x ~ s_i * q_i (q_i in [-127, 127]^w, stored
// offset by 128 as unsigned bytes), the query with its own scale, u ~ s_u * c (c signed bytes).
// The kernel (AVX-512 VNNI vpdpbusd: 64 byte products per instruction, exact in int32) computes
// acc_i = sum_p (q_ip + 128) c_p - 128 sum_p c_p = q_i . c, and A_i = float(acc_i) * (s_u * s_i).
// Certificate (||.|| Euclidean, eps = 2^-24, gamma_w = w eps / (1 - w eps)), for the float score
// S_i the exact path computes (any summation order, FMA or not):
//   |S_i - u.x_i|       <= gamma_w ||u|| ||x_i||
//   |u.x_i - ut.xt_i|   <= ||u - ut|| ||x_i|| + ||ut|| ||x_i - xt_i||     (ut = s_u c, xt_i = s_i q_i)
//   |A_i - ut.xt_i|     <= 3.01 eps ||ut|| ||xt_i||                       (3 roundings of an exact int)
// and rounding A_i +- E_i costs eps (|A_i| + E_i) <= eps (1 + 3.01 eps) ||ut|| ||xt_i|| + eps E_i more. So
//   E_i = a n_i + b w_i + c0,  a = (gamma_w ||u|| + ||u - ut||)(1 + 2^-10),  b = ||ut|| (1 + 2^-10),
//   n_i >= ||x_i||,  w_i >= ||x_i - xt_i|| + 5 eps ||xt_i||,
// where the 2^-10 margins absorb the roundings of E_i itself and of A_i +- E_i (each a few eps),
// and c0 = (w + 8) 2^-125 covers underflow (gradual or flushed) in any of the float sums. Then
// fl(A_i - E_i) <= S_i <= fl(A_i + E_i), computed in float exactly as the kernel does.
//
// Block layout (kQB = 16 items, G = ceil(w / 4) groups of 4 coordinates): G x 64 bytes, group g
// holding item j's coordinates 4g..4g+3 at bytes 4j..4j+3; then 16 floats s_i, 16 floats n_i,
// 16 floats w_i. The block count is padded to a multiple of 4 (the kernel's unroll) with zero items.
namespace quant {

constexpr int kQB = 16;
constexpr double kEps = 0x1p-24;

inline int32_t groups(int32_t w) { return (w + 3) / 4; }
inline int64_t blockBytes(int32_t w) { return static_cast<int64_t>(groups(w)) * 64 + 3 * 64; }
inline int64_t blockCount(int32_t n) { return ((static_cast<int64_t>(n) + kQB - 1) / kQB + 3) / 4 * 4; }
inline float up(double x) { return std::nextafter(static_cast<float>(x), INFINITY); }

struct Query {
  float su = 0, a = 0, b = 0, c0 = 0;
  int32_t corr = 0;  // 128 * sum_p c_p
};

// Quantizes the query into c (groups(w) * 4 bytes, zero padded); false when the route cannot
// certify it: non-finite coordinates, scores that could overflow (||u|| max ||x_i|| > 1e36), or
// a scale product s_u s_i that could underflow (< 2^-100: the relative rounding model of A_i
// needs it normal).
bool prepare(const float* u, int32_t w, float maxItemNorm, float minItemScale, int8_t* c, Query& q) {
  float maxabs = 0;
  for (int32_t p = 0; p < w; ++p) {
    if (!std::isfinite(u[p])) return false;
    maxabs = std::max(maxabs, std::fabs(u[p]));
  }
  float su = maxabs / 127.0f;
  if (!(su >= std::numeric_limits<float>::min())) su = 0;
  double u2 = 0, d2 = 0, t2 = 0;
  int32_t sum = 0;
  for (int32_t p = 0; p < w; ++p) {
    const int v = su > 0 ? static_cast<int>(std::max(-127.0f, std::min(127.0f, std::nearbyint(u[p] / su)))) : 0;
    c[p] = static_cast<int8_t>(v);
    sum += v;
    const double t = static_cast<double>(su) * v, x = u[p];
    u2 += x * x, d2 += (x - t) * (x - t), t2 += t * t;
  }
  for (int32_t p = w; p < groups(w) * 4; ++p) c[p] = 0;
  const double unorm = std::sqrt(u2);
  if (!(unorm * maxItemNorm <= 1e36)) return false;
  if (su > 0 && minItemScale > 0 && static_cast<double>(su) * minItemScale < 0x1p-100) return false;
  const double gamma = w * kEps / (1 - w * kEps), margin = 1 + std::ldexp(1.0, -10);
  q.su = su;
  q.a = up((gamma * unorm + std::sqrt(d2)) * margin);
  q.b = up(std::sqrt(t2) * margin);
  q.c0 = static_cast<float>(std::ldexp(static_cast<double>(w + 8), -125));
  q.corr = 128 * sum;
  return std::isfinite(q.a) && std::isfinite(q.b);
}

// The kernel's float epilogue for one item, in scalar form (for quantScoreBounds).
inline void finish(int32_t acc, const Query& q, float s, float n, float wr, float& A, float& E) {
  A = static_cast<float>(acc) * (q.su * s);
  E = std::fma(q.a, n, std::fma(q.b, wr, q.c0));
}

#if RF_QUANT_X86
bool cpuOk() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                         __builtin_cpu_supports("avx512vnni");
  return ok;
}

// Handles the flagged items of one block (bits of `m`, ascending): an item whose upper bound
// still reaches the k-th best lower bound offers its lower bound and becomes a candidate.
inline void takeHits(uint32_t m, const float* upv, const float* lov, int32_t i0, eval::TopK& lower,
                     std::vector<Candidate>& cand) {
  while (m) {
    const int j = __builtin_ctz(m);
    m &= m - 1;
    if (!(upv[j] >= (lower.full() ? lower.threshold() : -INFINITY))) continue;
    lower.offer(lov[j], i0 + j);
    cand.push_back({upv[j], i0 + j});
  }
}

// int32 -> float lanes (vcvtdq2ps; _mm512_cvtepi32_ps trips a GCC 12 -Wmaybe-uninitialized).
RF_QUANT_TARGET inline __m512 toFloat(__m512i x) {
  typedef int32_t i32x16 __attribute__((vector_size(64)));
  typedef float f32x16 __attribute__((vector_size(64)));
  return reinterpret_cast<__m512>(__builtin_convertvector(reinterpret_cast<i32x16>(x), f32x16));
}

// The scan: kG = groups(w) when specialized (the query's byte groups stay in registers), 0 for
// any width. Four blocks (64 items) per step, four independent accumulator chains.
template <int kG>
RF_QUANT_TARGET void scanQuant(const int8_t* c, int32_t width, const Query& q, const uint8_t* blocks, int32_t nItems,
                               eval::TopK& lower, std::vector<Candidate>& cand) {
  const int G = kG ? kG : groups(width);
  const int64_t bb = blockBytes(width), nb = blockCount(nItems);
  __m512i ub[kG ? kG : 1];
  if (kG)
    for (int g = 0; g < G; ++g) {
      int32_t v;
      std::memcpy(&v, c + 4 * g, 4);
      ub[g] = _mm512_set1_epi32(v);
    }
  const __m512i init = _mm512_set1_epi32(-q.corr);
  const __m512 vsu = _mm512_set1_ps(q.su), va = _mm512_set1_ps(q.a), vb = _mm512_set1_ps(q.b), vc0 = _mm512_set1_ps(q.c0);
  __m512 vt = _mm512_set1_ps(-INFINITY);
  alignas(64) float upv[kQB], lov[kQB];
  for (int64_t b0 = 0; b0 < nb; b0 += 4) {
    const uint8_t* p = blocks + b0 * bb;
    __m512i acc[4] = {init, init, init, init};
    for (int g = 0; g < G; ++g) {
      __m512i x;
      if (kG) {
        x = ub[g];
      } else {
        int32_t v;
        std::memcpy(&v, c + 4 * g, 4);
        x = _mm512_set1_epi32(v);
      }
      for (int j = 0; j < 4; ++j) acc[j] = _mm512_dpbusd_epi32(acc[j], _mm512_load_si512(p + j * bb + g * 64), x);
    }
    __m512 upj[4], loj[4];
    __mmask16 m[4];
    for (int j = 0; j < 4; ++j) {
      const float* meta = reinterpret_cast<const float*>(p + j * bb + G * 64);
      const __m512 A = _mm512_mul_ps(toFloat(acc[j]), _mm512_mul_ps(vsu, _mm512_load_ps(meta)));
      const __m512 E = _mm512_fmadd_ps(va, _mm512_load_ps(meta + 16), _mm512_fmadd_ps(vb, _mm512_load_ps(meta + 32), vc0));
      upj[j] = _mm512_add_ps(A, E), loj[j] = _mm512_sub_ps(A, E);
      m[j] = _mm512_cmp_ps_mask(upj[j], vt, _CMP_GE_OQ);
    }
    if (!(m[0] | m[1] | m[2] | m[3])) continue;
    for (int j = 0; j < 4; ++j) {
      const int64_t i0 = (b0 + j) * kQB;
      if (i0 >= nItems) break;
      uint32_t mm = m[j];
      if (nItems - i0 < kQB) mm &= (1u << (nItems - i0)) - 1;  // zero items past the end
      if (!mm) continue;
      _mm512_store_ps(upv, upj[j]), _mm512_store_ps(lov, loj[j]);
      takeHits(mm, upv, lov, static_cast<int32_t>(i0), lower, cand);
    }
    if (lower.full()) vt = _mm512_set1_ps(lower.threshold());
  }
}
#else
bool cpuOk() { return false; }
#endif

}  // namespace quant

// The bf16 route (see PackedItems): exact full-width top-k (cap items) into ws.heap via `top`.
void rankHalf(const float* u, const PackedItems& items, eval::RowCursor exclude, const RetrievalSpec& spec,
              int32_t cap, eval::TopK& top, OneScratch& ws, float unorm) {
  const int32_t width = items.width();
  if (ws.lower.size() < static_cast<size_t>(cap)) ws.lower.resize(cap);
  eval::TopK lower;
  lower.reset(ws.lower.data(), cap, exclude, eval::RowCursor(spec.deny, spec.deny + spec.nDeny));
  ws.cand.clear();
  scanHalf(u, unorm, items.halfPanels(), items.halfBounds(), width, items.rows(), lower, ws.cand);
  rescoreCandidates(u, items, lower.full() ? lower.threshold() : -INFINITY, ws.cand, top, ws);
}

// The int8 route: false (nothing done) when this query cannot take it.
bool rankQuant(const float* u, const PackedItems& items, eval::RowCursor exclude, const RetrievalSpec& spec,
               int32_t cap, eval::TopK& top, OneScratch& ws) {
#if RF_QUANT_X86
  const int32_t width = items.width();
  ws.quantUser.resize(static_cast<size_t>(quant::groups(width)) * 4);
  quant::Query q;
  if (!quant::prepare(u, width, items.quantMaxNorm(), items.quantMinScale(), ws.quantUser.data(), q)) return false;
  if (ws.lower.size() < static_cast<size_t>(cap)) ws.lower.resize(cap);
  eval::TopK lower;
  lower.reset(ws.lower.data(), cap, exclude, eval::RowCursor(spec.deny, spec.deny + spec.nDeny));
  ws.cand.clear();
  const int8_t* c = ws.quantUser.data();
  switch (quant::groups(width)) {
    case 16: quant::scanQuant<16>(c, width, q, items.quantBlocks(), items.rows(), lower, ws.cand); break;
    case 8: quant::scanQuant<8>(c, width, q, items.quantBlocks(), items.rows(), lower, ws.cand); break;
    default: quant::scanQuant<0>(c, width, q, items.quantBlocks(), items.rows(), lower, ws.cand); break;
  }
  rescoreCandidates(u, items, lower.full() ? lower.threshold() : -INFINITY, ws.cand, top, ws);
  return true;
#else
  (void)u, (void)items, (void)exclude, (void)spec, (void)cap, (void)top, (void)ws;
  return false;
#endif
}

std::atomic<int> gScan{0};

// One query's ranking: allow-list gather or a full panel scan, then the optional rerank. Writes
// k slots (padding included); returns the number of real results.
int32_t rankOne(const float* u, const ItemAccess& items, int32_t nItems, eval::RowCursor exclude,
                const RetrievalSpec& spec, OneScratch& ws, int32_t* outItems, float* outScores,
                const PackedItems* packed = nullptr) {
  const int32_t k = spec.k, width = items.width, d = spec.dim == 0 ? width : spec.dim;
  std::fill(outItems, outItems + k, -1);
  std::fill(outScores, outScores + k, -std::numeric_limits<float>::infinity());
  const bool rerank = spec.shortlist > 0;
  int64_t cap = std::min<int64_t>(rerank ? spec.shortlist : k, nItems);
  if (spec.allow) cap = std::min<int64_t>(cap, spec.nAllow);
  if (cap == 0) return 0;
  if (ws.heap.size() < static_cast<size_t>(cap)) ws.heap.resize(cap);
  if (ws.panel.size() < static_cast<size_t>(width) * simd::kLanes) ws.panel.resize(static_cast<size_t>(width) * simd::kLanes);
  eval::TopK top;
  top.reset(ws.heap.data(), static_cast<int>(cap), exclude, eval::RowCursor(spec.deny, spec.deny + spec.nDeny));
  const float* rows[simd::kLanes];
  float sc[simd::kLanes];
  if (spec.allow) {
    for (int64_t g = 0; g < spec.nAllow; g += simd::kLanes) {
      const int m = static_cast<int>(std::min<int64_t>(simd::kLanes, spec.nAllow - g));
      for (int j = 0; j < m; ++j) rows[j] = items.row(spec.allow[g + j]);
      dot8(u, rows, m, items.stride(), d, ws.panel.data(), sc);
      for (int j = 0; j < m; ++j) top.offer(sc[j], spec.allow[g + j]);
    }
  } else {  // only called with `packed`
    const bool full = d == width && !rerank;
    const ServingScan route = static_cast<ServingScan>(gScan.load(std::memory_order_relaxed));
    bool done = false;
    if (full && (route == ServingScan::kAuto || route == ServingScan::kInt8) && packed->quantBlocks() && quant::cpuOk())
      done = rankQuant(u, *packed, exclude, spec, static_cast<int32_t>(cap), top, ws);
    if (!done && full && (route == ServingScan::kAuto || route == ServingScan::kBf16) && packed->halfPanels()) {
      double un2 = 0;
      for (int32_t p = 0; p < width; ++p) un2 += static_cast<double>(u[p]) * u[p];
      const float unorm = std::nextafter(static_cast<float>(std::sqrt(un2)), INFINITY);
      if (std::isfinite(unorm)) rankHalf(u, *packed, exclude, spec, static_cast<int32_t>(cap), top, ws, unorm), done = true;
    }
    if (!done) scanPanels(u, packed->panels(), width, d, nItems, top);
  }
  const int len = top.finish();
  Candidate* c = ws.heap.data();
  const int take = std::min<int>(len, k);
  if (rerank) {
    for (int g = 0; g < len; g += simd::kLanes) {
      const int m = std::min(simd::kLanes, len - g);
      for (int j = 0; j < m; ++j) rows[j] = items.row(c[g + j].item);
      dot8(u, rows, m, items.stride(), width, ws.panel.data(), sc);
      for (int j = 0; j < m; ++j) c[g + j].score = sc[j] != sc[j] ? -INFINITY : sc[j];
    }
    std::partial_sort(c, c + take, c + len, eval::Better{});
  }
  for (int t = 0; t < take; ++t) outItems[t] = c[t].item, outScores[t] = c[t].score;
  return take;
}

struct Workspace {
  std::vector<float> scores;     // kScoreBlockUsers x kScoreTileItems
  std::vector<Candidate> heaps;  // kScoreBlockUsers x capacity
  std::vector<eval::TopK> tops;  // kScoreBlockUsers
  std::vector<float> panel;      // rescore scratch
};

}  // namespace

void validateRetrieval(const RetrievalSpec& spec, int32_t width) {
  if (spec.k < 1) fail(code::kInvalidArgument, "k = " + std::to_string(spec.k) + " must be >= 1");
  if (spec.dim < 0 || spec.dim > width)
    fail(code::kInvalidArgument, "dim = " + std::to_string(spec.dim) + " must be in [1, " + std::to_string(width) +
                                     "] (the embedding width)");
  if (spec.shortlist < 0 || (spec.shortlist > 0 && spec.shortlist < spec.k))
    fail(code::kInvalidArgument, "shortlist = " + std::to_string(spec.shortlist) + " must be >= k = " +
                                     std::to_string(spec.k));
  if (spec.threads < 0) fail(code::kInvalidArgument, "threads must be >= 0");
}

void retrieveTopK(const MatrixView& users, const MatrixView& items, const int32_t* queries, int64_t n,
                  const RetrievalSpec& spec, int32_t* outItems, float* outScores, const JobControl& ctl) {
  if (users.cols != items.cols)
    fail(code::kShape, "retrieve: user dim " + std::to_string(users.cols) + " != item dim " + std::to_string(items.cols));
  if (users.cols < 1) fail(code::kShape, "retrieve: embeddings must have at least one column");
  validateRetrieval(spec, users.cols);
  if (spec.exclude && (spec.exclude->rows != users.rows || spec.exclude->cols != items.rows))
    fail(code::kShape, "retrieve: exclude is " + std::to_string(spec.exclude->rows) + " x " +
                           std::to_string(spec.exclude->cols) + ", expected " + std::to_string(users.rows) + " x " +
                           std::to_string(items.rows));
  for (int64_t q = 0; q < n; ++q)
    if (queries[q] < 0 || queries[q] >= users.rows)
      fail(code::kOutOfRange, "retrieve: queries[" + std::to_string(q) + "] = " + std::to_string(queries[q]) +
                                  " is outside [0, " + std::to_string(users.rows) + ")");
  checkItemList(spec.allow, spec.allow ? spec.nAllow : 0, items.rows, "allow");
  checkItemList(spec.deny, spec.deny ? spec.nDeny : 0, items.rows, "deny");
  if (spec.allow) {  // a gather per query over the allowed items, queries spread over threads
    const ItemAccess access{items.data, users.cols, false};
    const int workers = resolveThreads(spec.threads, n);
    std::vector<OneScratch> scratch(std::max(workers, 1));
    std::atomic<int64_t> finished{0};
    parallelTasks(n, workers, [&](int64_t q, int worker) {
      if (q % 64 == 0) ctl.checkCancelled();
      const int32_t u = queries[q];
      const eval::RowCursor ex(spec.exclude, u);
      rankOne(users.data + static_cast<int64_t>(u) * users.cols, access, items.rows, ex, spec, scratch[worker],
              outItems + q * spec.k, outScores + q * spec.k);
      const int64_t f = ++finished;
      if (f % 64 == 0 || f == n) ctl.report(static_cast<double>(f) / n);
    });
    return;
  }

  const int32_t k = spec.k, width = users.cols, nItems = items.rows;
  std::fill(outItems, outItems + n * k, -1);
  std::fill(outScores, outScores + n * k, -std::numeric_limits<float>::infinity());
  const bool rerank = spec.shortlist > 0;
  const int32_t cap = std::min(rerank ? spec.shortlist : k, nItems);
  if (n == 0 || cap == 0) return;

  // Only the prefix columns are packed: the coarse pass reads d/width of the item table.
  const eval::DotScorer scorer(users, items, spec.threads, spec.dim == 0 ? width : spec.dim);
  const int64_t nBlocks = (n + kScoreBlockUsers - 1) / kScoreBlockUsers;
  const int workers = resolveThreads(spec.threads, nBlocks);
  std::vector<Workspace> spaces(workers);
  for (auto& ws : spaces) {
    ws.scores.resize(static_cast<size_t>(kScoreBlockUsers) * kScoreTileItems);
    ws.heaps.resize(static_cast<size_t>(kScoreBlockUsers) * cap);
    ws.tops.resize(kScoreBlockUsers);
    if (rerank) ws.panel.resize(static_cast<size_t>(width) * simd::kLanes);
  }
  std::atomic<int64_t> done{0};
  parallelTasks(nBlocks, workers, [&](int64_t block, int worker) {
    ctl.checkCancelled();
    Workspace& ws = spaces[worker];
    const int64_t begin = block * kScoreBlockUsers;
    const int nu = static_cast<int>(std::min<int64_t>(kScoreBlockUsers, n - begin));
    const int32_t* ids = queries + begin;
    for (int r = 0; r < nu; ++r)
      ws.tops[r].reset(ws.heaps.data() + static_cast<int64_t>(r) * cap, cap, eval::RowCursor(spec.exclude, ids[r]),
                       eval::RowCursor(spec.deny, spec.deny ? spec.deny + spec.nDeny : nullptr));
    for (int32_t i0 = 0; i0 < nItems; i0 += kScoreTileItems) {
      const int ni = std::min(kScoreTileItems, nItems - i0);
      scorer.score(ids, nu, i0, ni, ws.scores.data(), kScoreTileItems);
      for (int r = 0; r < nu; ++r) eval::offerRow(ws.tops[r], ws.scores.data() + r * kScoreTileItems, ni, i0);
    }
    for (int r = 0; r < nu; ++r) {
      const int len = ws.tops[r].finish();
      // finish() sorted the heap in place; its storage is ours to rescore and re-rank.
      Candidate* c = ws.heaps.data() + static_cast<int64_t>(r) * cap;
      const int take = std::min<int>(len, k);
      if (rerank) {
        rescore(users.data + static_cast<int64_t>(ids[r]) * width, items.data, width, c, len, ws.panel.data());
        std::partial_sort(c, c + take, c + len, eval::Better{});
      }
      const int64_t row = (begin + r) * k;
      for (int t = 0; t < take; ++t) outItems[row + t] = c[t].item, outScores[row + t] = c[t].score;
    }
    ctl.report(static_cast<double>(++done) / nBlocks);
  });
}

PackedItems::PackedItems(const MatrixView& items, int threads)
    : rows_(items.rows), width_(items.cols), source_(items.data) {
  constexpr int P = kPanel;
  int64_t nPanels = (static_cast<int64_t>(rows_) + P - 1) / P;
  nPanels += nPanels % 2;  // scanPanels reads panels in pairs
  const int64_t panelFloats = static_cast<int64_t>(P) * width_;
  storage_.assign(nPanels * panelFloats + 16, 0.0f);
  const auto addr = reinterpret_cast<uintptr_t>(storage_.data());
  panels_ = storage_.data() + ((64 - addr % 64) % 64) / sizeof(float);
  float* dst = const_cast<float*>(panels_);
  const int32_t w = width_, n = rows_;
  parallelChunks(nPanels, resolveThreads(threads, nPanels), [&](int64_t begin, int64_t end, int) {
    for (int64_t q = begin; q < end; ++q) {
      float* panel = dst + q * panelFloats;
      const int64_t first = q * P;
      const int cols = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(P, n - first)));
      for (int j = 0; j < cols; ++j) {
        const float* v = items.data + (first + j) * w;
        for (int32_t p = 0; p < w; ++p) panel[p * P + j] = v[p];
      }
    }
  });
  buildHalf(items, nPanels, threads);
  buildQuant(items, threads);
}

namespace {

// Round-to-nearest-even bfloat16 of a finite float (the upper 16 bits of the rounded value).
uint32_t toBf16(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  return (b + 0x7FFFu + ((b >> 16) & 1u)) >> 16;
}
float fromBf16(uint32_t h) {
  const uint32_t b = h << 16;
  float x;
  std::memcpy(&x, &b, 4);
  return x;
}

}  // namespace

void PackedItems::buildHalf(const MatrixView& items, int64_t nPanels, int threads) {
  constexpr int P = kPanel;
  const int32_t w = width_, n = rows_;
  for (int64_t j = 0; j < static_cast<int64_t>(n) * w; ++j)
    if (!std::isfinite(items.data[j]) || std::fabs(items.data[j]) > 1e30f) return;  // no bf16 route
  half_.assign(static_cast<size_t>(nPanels) * (P / 2) * w, 0u);
  bound_.assign(static_cast<size_t>(nPanels) * P, 0.0f);
  // gamma_w bounds the relative rounding of a w-term float sum (any order, FMA or not); 4 eps more
  // covers rounding A +- E and the comparisons; the 2^-10 factor covers rounding w_i itself.
  const double eps = std::ldexp(1.0, -24), gamma = w * eps / (1 - w * eps);
  parallelChunks(nPanels, resolveThreads(threads, nPanels), [&](int64_t begin, int64_t end, int) {
    for (int64_t q = begin; q < end; ++q) {
      uint32_t* panel = half_.data() + q * (P / 2) * w;
      for (int j = 0; j < P; ++j) {
        const int64_t item = q * P + j;
        if (item >= n) break;
        const float* v = items.data + item * w;
        double r2 = 0, v2 = 0;
        const int word = (j % 8) + 8 * (j / 16), shift = (j / 8) % 2 ? 16 : 0;
        for (int32_t p = 0; p < w; ++p) {
          const uint32_t h = toBf16(v[p]);
          panel[p * (P / 2) + word] |= h << shift;
          const double d = static_cast<double>(v[p]) - fromBf16(h);
          r2 += d * d, v2 += static_cast<double>(v[p]) * v[p];
        }
        const double r = std::sqrt(r2), nv = std::sqrt(v2);
        const double bound = (r + (gamma + 4 * eps) * (2 * nv + r)) * (1 + std::ldexp(1.0, -10)) + 1e-35;
        bound_[q * P + j] = std::nextafter(static_cast<float>(bound), INFINITY);
      }
    }
  });
}

void PackedItems::buildQuant(const MatrixView& items, int threads) {
  using namespace quant;
  const int32_t w = width_, n = rows_;
  if (w > kMaxQuantWidth || n == 0) return;
  for (int64_t j = 0; j < static_cast<int64_t>(n) * w; ++j)
    if (!std::isfinite(items.data[j]) || std::fabs(items.data[j]) > 1e30f) return;  // no int8 route
  const int G = groups(w);
  const int64_t bb = blockBytes(w), nb = blockCount(n);
  quant_.assign(static_cast<size_t>(nb * bb + 64), 0);
  quantOffset_ = (64 - reinterpret_cast<uintptr_t>(quant_.data()) % 64) % 64;
  uint8_t* base = quant_.data() + quantOffset_;
  std::vector<float> norms(static_cast<size_t>(nb)), scales(static_cast<size_t>(nb), INFINITY);  // per block: max n_i, min s_i > 0
  parallelChunks(nb, resolveThreads(threads, nb), [&](int64_t begin, int64_t end, int) {
    for (int64_t blk = begin; blk < end; ++blk) {
      uint8_t* b = base + blk * bb;
      std::memset(b, 128, static_cast<size_t>(G) * 64);  // q = 0
      float* meta = reinterpret_cast<float*>(b + G * 64);
      float maxNorm = 0;
      for (int j = 0; j < kQB; ++j) {
        const int64_t item = blk * kQB + j;
        if (item >= n) break;
        const float* v = items.data + item * w;
        float maxabs = 0;
        for (int32_t p = 0; p < w; ++p) maxabs = std::max(maxabs, std::fabs(v[p]));
        float s = maxabs / 127.0f;
        if (!(s >= std::numeric_limits<float>::min())) s = 0;
        double n2 = 0, r2 = 0, t2 = 0;
        for (int32_t p = 0; p < w; ++p) {
          const int qv = s > 0 ? static_cast<int>(std::max(-127.0f, std::min(127.0f, std::nearbyint(v[p] / s)))) : 0;
          b[(p / 4) * 64 + j * 4 + p % 4] = static_cast<uint8_t>(qv + 128);
          const double t = static_cast<double>(s) * qv, x = v[p];
          n2 += x * x, r2 += (x - t) * (x - t), t2 += t * t;
        }
        meta[j] = s;
        meta[16 + j] = up(std::sqrt(n2));
        meta[32 + j] = up(std::sqrt(r2) + 5 * kEps * std::sqrt(t2));
        maxNorm = std::max(maxNorm, meta[16 + j]);
        if (s > 0) scales[blk] = std::min(scales[blk], s);
      }
      norms[blk] = maxNorm;
    }
  });
  quantMaxNorm_ = *std::max_element(norms.begin(), norms.end());
  quantMinScale_ = *std::min_element(scales.begin(), scales.end());
  if (!std::isfinite(quantMinScale_)) quantMinScale_ = 0;  // every item zero
}

void setServingScan(ServingScan scan) { gScan.store(static_cast<int>(scan), std::memory_order_relaxed); }
ServingScan servingScan() { return static_cast<ServingScan>(gScan.load(std::memory_order_relaxed)); }
bool quantScanSupported() { return quant::cpuOk(); }

const char* servingScanName(const PackedItems& items) {
  if (items.quantBlocks() && quant::cpuOk()) return "int8";
  return items.halfPanels() ? "bf16" : "float";
}

bool quantScoreBounds(const PackedItems& items, const float* user, float* approx, float* bound) {
  using namespace quant;
  if (!items.quantBlocks()) return false;
  const int32_t w = items.width(), n = items.rows();
  std::vector<int8_t> c(static_cast<size_t>(groups(w)) * 4);
  Query q;
  if (!prepare(user, w, items.quantMaxNorm(), items.quantMinScale(), c.data(), q)) return false;
  const int64_t bb = blockBytes(w);
  for (int32_t i = 0; i < n; ++i) {
    const uint8_t* b = items.quantBlocks() + (i / kQB) * bb;
    const int j = i % kQB;
    int32_t acc = -q.corr;
    for (int32_t p = 0; p < groups(w) * 4; ++p) acc += static_cast<int32_t>(b[(p / 4) * 64 + j * 4 + p % 4]) * c[p];
    float meta[3];
    for (int t = 0; t < 3; ++t) std::memcpy(&meta[t], b + groups(w) * 64 + (16 * t + j) * 4, 4);
    finish(acc, q, meta[0], meta[1], meta[2], approx[i], bound[i]);
  }
  return true;
}

int32_t retrieveOne(const PackedItems& items, const float* user, const int32_t* exclude, int64_t nExclude,
                    const RetrievalSpec& spec, int32_t* outItems, float* outScores) {
  if (items.width() < 1) fail(code::kShape, "retrieve: embeddings must have at least one column");
  validateRetrieval(spec, items.width());
  checkItemList(spec.allow, spec.allow ? spec.nAllow : 0, items.rows(), "allow");
  checkItemList(spec.deny, spec.deny ? spec.nDeny : 0, items.rows(), "deny");
  thread_local OneScratch ws;
  const ItemAccess access{items.source(), items.width(), false};  // gathers read whole rows (4 cache lines at d = 64)
  return rankOne(user, access, items.rows(), eval::RowCursor(exclude, exclude ? exclude + nExclude : nullptr), spec, ws,
                 outItems, outScores, &items);
}

void normalizeItemList(std::vector<int32_t>& ids, int32_t nItems, const char* what) {
  for (size_t j = 0; j < ids.size(); ++j)
    if (ids[j] < 0 || ids[j] >= nItems)
      fail(code::kOutOfRange, std::string(what) + "[" + std::to_string(j) + "] = " + std::to_string(ids[j]) +
                                  " is outside [0, " + std::to_string(nItems) + ")");
  if (!std::is_sorted(ids.begin(), ids.end())) std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace rf
