// Top-k retrieval for serving inner-product embeddings, at full width, on a prefix of the
// coordinates (nested "Matryoshka" embeddings, whose first d columns are a model on their own),
// or coarse-to-fine: shortlist on a cheap prefix, rerank the shortlist at full width.
#pragma once
#include <cstdint>
#include <vector>

#include "recforge/csr.hpp"
#include "recforge/evaluate.hpp"
#include "recforge/job.hpp"

namespace rf {

struct RetrievalSpec {
  int32_t k = 10;  // items per query, >= 1; rows with fewer candidates are padded with -1 / -inf
  int32_t dim = 0;  // prefix width of the ranking (or shortlisting) score, in [1, width]; 0 = full width
  // 0: rank every item by the dim-prefix score. > 0 (and >= k): keep the best `shortlist` items
  // by the dim-prefix score, then rank those by the full-width score.
  int32_t shortlist = 0;
  const Csr* exclude = nullptr;  // optional, users.rows x items.rows: items never returned (e.g. train)
  int threads = 0;               // 0 = all cores
  // Optional item lists shared by every query, ascending and distinct, ids in [0, items.rows).
  // allow != nullptr: only these items are candidates (nAllow = 0 then means none); they are
  // scored one by one, so a short list costs O(nAllow * width) per query instead of a full scan.
  const int32_t* allow = nullptr;
  int64_t nAllow = 0;
  const int32_t* deny = nullptr;  // never returned
  int64_t nDeny = 0;
};

// An item table packed once for single-query serving: panels of kPanel items stored
// dimension-major ([panel][p][j]) at full width, so a query scans contiguous vectors and a prefix
// of width d reads only the first d rows of each panel.
//
// Full-width queries without an allow list or shortlist take a faster exact route: a scan of a
// bfloat16 copy (half the bytes) gives every item an approximate score A_i with a certified error
// bound |A_i - S_i| <= ||u|| * w_i against the float score S_i the tiled path computes (w_i covers
// the bf16 rounding of item i and the float rounding of both sums); only the items whose interval
// can reach the k-th best lower bound are rescored exactly, from the row-major table. The result
// is the exact top-k with bit-identical scores. On CPUs with AVX-512 VNNI an int8 copy (per-item
// scales, 1 byte per coordinate) takes the bf16 copy's place with the same scheme and its own
// certified bound (quantization error of item and query, see retrieval.cpp); see ServingScan.
//
// `items` must outlive the PackedItems: the exact rescoring reads its rows.
class PackedItems {
 public:
  static constexpr int kPanel = 32;
  explicit PackedItems(const MatrixView& items, int threads = 0);
  int32_t rows() const { return rows_; }
  int32_t width() const { return width_; }
  const float* panels() const { return panels_; }
  const float* source() const { return source_; }
  // The bf16 panels (kPanel / 2 words per dimension: word w holds item w % 8 + 16 * (w / 8) in its
  // low half and that item + 8 in its high half) and per-item bounds w_i; empty when the table
  // holds non-finite values or values too large for bf16.
  const uint32_t* halfPanels() const { return half_.empty() ? nullptr : half_.data(); }
  const float* halfBounds() const { return bound_.data(); }
  // The int8 blocks (see QuantBlocks in retrieval.cpp); null when the table cannot take them
  // (non-finite or huge values, width > kMaxQuantWidth).
  static constexpr int32_t kMaxQuantWidth = 4096;
  const uint8_t* quantBlocks() const { return quant_.empty() ? nullptr : quant_.data() + quantOffset_; }
  float quantMaxNorm() const { return quantMaxNorm_; }    // an upper bound on every item's norm
  float quantMinScale() const { return quantMinScale_; }  // the smallest nonzero item scale (0: none)

 private:
  int32_t rows_ = 0, width_ = 0;
  const float* source_ = nullptr;
  std::vector<float> storage_;  // over-allocated: 64-byte aligned, zero phantom items to an even panel count
  const float* panels_ = nullptr;
  std::vector<uint32_t> half_;
  std::vector<float> bound_;
  std::vector<uint8_t> quant_;
  size_t quantOffset_ = 0;  // to the first 64-byte boundary of quant_
  float quantMaxNorm_ = 0, quantMinScale_ = 0;
  void buildHalf(const MatrixView& items, int64_t nPanels, int threads);
  void buildQuant(const MatrixView& items, int threads);
};

// Which scan serves a full-width retrieveOne query without allow list or shortlist. kAuto picks
// the fastest certified route the CPU and the table support (int8 with AVX-512 VNNI, else bf16,
// else the float panels); the others force a route where it is available (else the float
// panels). Every route returns the same exact result; the setting exists for A/B benchmarks and
// tests. Process-wide.
enum class ServingScan : int { kAuto = 0, kFloat = 1, kBf16 = 2, kInt8 = 3 };
void setServingScan(ServingScan scan);
ServingScan servingScan();
// The route kAuto resolves to for `items` on this CPU ("int8", "bf16" or "float").
const char* servingScanName(const PackedItems& items);
// True when this CPU runs the int8 kernel (AVX-512 VNNI).
bool quantScanSupported();

// For tests of the int8 route's certificate: the approximate score A_i and the bound E_i of every
// item for `user` (n = items.rows() each), such that |A_i - S_i| <= E_i for the float score S_i
// the exact path computes (and the rounded A_i +- E_i bracket S_i). Computed by the same scalar
// formulas the kernel vectorizes (integer dot products are exact). False (nothing written) when
// the route is unavailable for this table or user.
bool quantScoreBounds(const PackedItems& items, const float* user, float* approx, float* bound);

// For each query q (a row of `users`), writes its top min(k, candidates) items best first to
// outItems[q * k ..] and their scores (the dim-prefix score, or the full-width score after a
// rerank) to outScores[q * k ..]. Order: higher score first, ties to the lower item id, NaN like
// -inf (the evaluator's ranking). A full-width score here is bit-identical to the evaluator's.
// Errors: E_SHAPE (widths differ, exclude's shape), E_INVALID_ARG (k < 1, dim outside [0, width],
// shortlist < 0 or in [1, k)), E_OUT_OF_RANGE (a query id outside [0, users.rows)), E_ABORTED.
void retrieveTopK(const MatrixView& users, const MatrixView& items, const int32_t* queries, int64_t n,
                  const RetrievalSpec& spec, int32_t* outItems, float* outScores, const JobControl& ctl = {});

// One query without threads or allocation after warm-up (the serving fast path): the top-k of
// `user` (packed.width() floats) with the same options, order, padding and scores as
// retrieveTopK (bit-identical on the same machine: the same per-lane summation order). `exclude`
// is this query's own excluded items (ascending, distinct; e.g. its train row), spec.exclude and
// spec.threads are ignored. Returns the number of real results (<= k); the rest is padding.
// Errors: as retrieveTopK, plus E_OUT_OF_RANGE / E_INVALID_ARG for bad allow / deny lists.
int32_t retrieveOne(const PackedItems& items, const float* user, const int32_t* exclude, int64_t nExclude,
                    const RetrievalSpec& spec, int32_t* outItems, float* outScores);

// Sorts and deduplicates an item list in place for RetrievalSpec::allow / deny; E_OUT_OF_RANGE
// (naming `what`) for an id outside [0, nItems).
void normalizeItemList(std::vector<int32_t>& ids, int32_t nItems, const char* what);

// The checks retrieveTopK makes on its options (so a binding can refuse them synchronously).
void validateRetrieval(const RetrievalSpec& spec, int32_t width);

}  // namespace rf
